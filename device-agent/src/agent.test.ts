import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { KioskEvent } from '@bashgah/protocol';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../test/fixtures.js';
import { type RunningAgent, startAgent } from './agent.js';
import { loadAgentConfig } from './config.js';

/** A port nothing listens on, so the agent runs with its broker unreachable. */
async function deadPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** Reads SSE frames off a fetch body: named events are parsed, comments are kept as such. */
function sseReader(body: ReadableStream<Uint8Array>) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  return async function next(): Promise<{ event?: string; data?: string; comment?: string }> {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (frame.startsWith(':')) return { comment: frame.slice(1).trim() };
        const field = (name: string) =>
          frame
            .split('\n')
            .filter((l) => l.startsWith(`${name}: `))
            .map((l) => l.slice(name.length + 2))
            .join('\n');
        return { event: field('event'), data: field('data') };
      }
      const { value, done } = await reader.read();
      if (done) throw new Error('SSE stream ended');
      buffer += decoder.decode(value, { stream: true });
    }
  };
}

describe('agent over HTTP', () => {
  let agent: RunningAgent | undefined;
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await agent?.stop();
    await cleanup?.();
  });

  it('streams state first, then session changes and heartbeats, and stops cleanly with a stream open', async () => {
    const dir = await tempDir('agent');
    cleanup = dir.remove;
    const config = loadAgentConfig({
      DEVICE_ID: 'kiosk-sse',
      MQTT_URL: `mqtt://127.0.0.1:${await deadPort()}`,
      API_PORT: '0',
      DATA_DIR: join(dir.path, 'data'),
      READER: 'sim',
      SIMULATOR: 'true',
      KIOSK_UI_DIR: join(dir.path, 'no-ui'),
    });
    agent = await startAgent(config, {
      logger: pino({ level: 'silent' }),
      timing: { sseHeartbeatMs: 100, reconnectMinMs: 200 },
    });
    expect(agent.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(agent.apiUrl).not.toMatch(/:0$/);

    const res = await fetch(`${agent.apiUrl}/api/events`);
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const next = sseReader(res.body!);

    const first = await next();
    expect(first.event).toBe('state');
    const state = KioskEvent.parse(JSON.parse(first.data!));
    expect(state).toMatchObject({
      type: 'state',
      state: { deviceId: 'kiosk-sse', online: false, reader: 'simulated' },
    });

    // The broker is unreachable and the card is not cached: the kiosk is told it is unknown.
    const tap = await fetch(`${agent.apiUrl}/sim/tap`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ uid: '04a1b2c3' }),
    });
    expect(tap.status).toBe(202);

    const seen: Array<{ event?: string; data?: string; comment?: string }> = [];
    while (!seen.some((f) => f.event === 'session') || !seen.some((f) => f.comment === 'heartbeat')) {
      seen.push(await next());
    }
    const session = seen.find((f) => f.event === 'session')!;
    expect(KioskEvent.parse(JSON.parse(session.data!))).toEqual({
      type: 'session',
      session: { kind: 'unknown-card', cardUid: '04A1B2C3', tappedAt: expect.any(String) },
    });

    // Stopping with the stream still open must not hang on it.
    const started = Date.now();
    await agent.stop();
    agent = undefined;
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('fails to start with a clear error when the API port is taken, leaving nothing running', async () => {
    const dir = await tempDir('agent-port');
    cleanup = dir.remove;
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const { port } = blocker.address() as AddressInfo;
    try {
      const config = loadAgentConfig({
        API_PORT: String(port),
        DATA_DIR: join(dir.path, 'data'),
        READER: 'sim',
        MQTT_URL: `mqtt://127.0.0.1:${await deadPort()}`,
      });
      await expect(startAgent(config, { logger: pino({ level: 'silent' }) })).rejects.toThrow(
        /cannot listen on 127\.0\.0\.1:\d+ \(EADDRINUSE\)/,
      );
    } finally {
      await new Promise<void>((r) => blocker.close(() => r()));
    }
  });
});
