/**
 * The whole system in one process, for cross-process tests and benchmarks: a central server
 * (embedded Aedes, or an external broker) and one kiosk agent, each with its own SQLite file in a
 * temp folder and every port chosen by the OS. `stop()` undoes all of it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAgentConfig, type RunningAgent, startAgent } from '@bashgah/device-agent';
import { loadServerConfig, type RunningServer, type SmsSender, startServer } from '@bashgah/server';
import { type Logger, pino } from 'pino';

export const KIOSK_UI_DIST = fileURLToPath(new URL('../../../kiosk-ui/dist', import.meta.url));

export interface SystemOptions {
  deviceId?: string;
  reader?: 'sim' | 'pcsc';
  /** Use this broker instead of the server's embedded one (e.g. Mosquitto on 1883). */
  mqttUrl?: string;
  logger?: Logger;
  /** Extra agent environment (e.g. SESSION_IDLE_MS). */
  agentEnv?: Record<string, string>;
  /** Extra server environment (e.g. CARD_SECURITY and its keys). */
  serverEnv?: Record<string, string>;
  /** SMS provider for signup codes (tests pass a MemorySmsSender and read the codes from it). */
  sms?: SmsSender;
}

export interface RunningSystem {
  server: RunningServer;
  agent: RunningAgent;
  deviceId: string;
  stop(): Promise<void>;
}

export async function startSystem(opts: SystemOptions = {}): Promise<RunningSystem> {
  const logger = opts.logger ?? pino({ level: process.env.LOG_LEVEL ?? 'silent' });
  const deviceId = opts.deviceId ?? 'kiosk-test';
  const dir = await mkdtemp(join(tmpdir(), 'bashgah-system-'));
  const cleanups: Array<() => Promise<void>> = [() => rm(dir, { recursive: true, force: true })];
  const stop = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  };
  try {
    const server = await startServer(
      loadServerConfig({
        HTTP_PORT: '0',
        MQTT_PORT: '0',
        DATA_DIR: join(dir, 'server'),
        SEED_DEMO: 'true',
        LOG_LEVEL: 'silent',
        MQTT_CLIENT_ID: `bashgah-server-test-${process.pid}-${Date.now()}`,
        ...(opts.mqttUrl ? { MQTT_URL: opts.mqttUrl } : {}),
        ...opts.serverEnv,
      }),
      logger.child({ process: 'server' }),
      opts.sms ? { sms: opts.sms } : {},
    );
    cleanups.push(() => server.stop());
    const agent = await startAgent(
      loadAgentConfig({
        DEVICE_ID: deviceId,
        MQTT_URL: server.mqttUrl,
        API_PORT: '0',
        DATA_DIR: join(dir, 'agent'),
        READER: opts.reader ?? 'sim',
        SIMULATOR: opts.reader === 'pcsc' ? 'false' : 'true',
        KIOSK_UI_DIR: KIOSK_UI_DIST,
        // Tests drive check-in through POST /api/checkin unless they ask for the on-tap behaviour.
        AUTO_CHECKIN: 'false',
        ...opts.agentEnv,
      }),
      { logger: logger.child({ process: 'agent' }), timing: { reconnectMinMs: 100, reconnectMaxMs: 1_000 } },
    );
    cleanups.push(() => agent.stop());
    return { server, agent, deviceId, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Opens the agent's SSE stream and collects its events until `close()`. */
export async function openEventStream(apiUrl: string): Promise<{
  events: Array<{ event: string; data: unknown; receivedAt: number }>;
  /** Resolves with the first event at index `from` or later that matches. */
  next(
    predicate: (e: { event: string; data: unknown }) => boolean,
    opts?: { from?: number; timeoutMs?: number },
  ): Promise<{ event: string; data: unknown; receivedAt: number }>;
  close(): void;
}> {
  const controller = new AbortController();
  const res = await fetch(`${apiUrl}/api/events`, { signal: controller.signal });
  if (!res.ok || !res.body) throw new Error(`GET /api/events answered ${res.status}`);
  const events: Array<{ event: string; data: unknown; receivedAt: number }> = [];
  const waiters = new Set<() => void>();
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        const receivedAt = performance.now();
        buffer += decoder.decode(chunk, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('event:')) event = line.slice(6).trim();
            else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
          }
          if (data.length === 0) continue;
          events.push({ event, data: JSON.parse(data.join('\n')), receivedAt });
          for (const wake of waiters) wake();
        }
      }
    } catch {
      // aborted by close()
    }
  })();
  return {
    events,
    next(predicate, { from = 0, timeoutMs = 10_000 } = {}) {
      return new Promise((resolve, reject) => {
        let seen = from;
        const check = () => {
          for (; seen < events.length; seen++) {
            const e = events[seen]!;
            if (predicate(e)) {
              cleanup();
              resolve(e);
              return;
            }
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(
              `no matching SSE event within ${timeoutMs} ms (saw ${events.map((e) => e.event).join(', ')})`,
            ),
          );
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    close: () => controller.abort(),
  };
}
