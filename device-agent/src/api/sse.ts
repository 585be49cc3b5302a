import type { KioskEvent, KioskState } from '@bashgah/protocol';
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { Logger } from 'pino';
import type { AgentBus } from '../agent-events.js';

export interface SseDeps {
  bus: AgentBus;
  state: () => Promise<KioskState>;
  logger: Logger;
  heartbeatMs: number;
  /** Aborted on agent shutdown so open streams end and the HTTP server can close. */
  shutdown: AbortSignal;
}

/**
 * `GET /api/events`: the full state first, so a (re)connecting kiosk needs no separate fetch,
 * then each change. The heartbeat comment keeps idle proxies and Chromium from dropping the
 * stream and lets the server notice a vanished client.
 */
export function streamKioskEvents(c: Context, deps: SseDeps): Response {
  return streamSSE(c, async (stream) => {
    const send = (event: KioskEvent) =>
      stream.writeSSE({ event: event.type, data: JSON.stringify(event) }).catch((error: unknown) => {
        deps.logger.debug({ err: error }, 'SSE write failed; client gone');
      });

    let wake: () => void = () => {};
    const ended = new Promise<void>((resolve) => {
      wake = resolve;
    });
    const offs = [
      deps.bus.on('session', (session) => void send({ type: 'session', session })),
      deps.bus.on('checkin', (event) => void send(event)),
      deps.bus.on('claim', (event) => void send(event)),
      deps.bus.on('action', (event) => void send(event)),
      deps.bus.on('staff', (staff) => void send({ type: 'staff', staff })),
      // Link and reader changes are whole-state changes for the kiosk (offline badge, reader icon).
      deps.bus.on('link.online', async () => void send({ type: 'state', state: await deps.state() })),
      deps.bus.on('state', async () => void send({ type: 'state', state: await deps.state() })),
      deps.bus.on('kiosk.changed', async () => void send({ type: 'state', state: await deps.state() })),
      deps.bus.on('ui.reload', () => void send({ type: 'reload' })),
    ];
    const cleanup = () => {
      for (const off of offs.splice(0)) off();
      wake();
    };
    stream.onAbort(cleanup);
    if (deps.shutdown.aborted) return cleanup();
    deps.shutdown.addEventListener('abort', cleanup, { once: true });

    await send({ type: 'state', state: await deps.state() });
    while (offs.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([ended, new Promise((r) => (timer = setTimeout(r, deps.heartbeatMs)))]);
      clearTimeout(timer);
      if (offs.length === 0) break;
      await stream.write(': heartbeat\n\n').catch(cleanup);
    }
    deps.shutdown.removeEventListener('abort', cleanup);
  });
}
