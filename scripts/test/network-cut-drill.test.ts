/**
 * Fault drill: the kiosk's network is cut for five minutes (its broker address stops answering)
 * while members keep checking in, then comes back. The agent's link layer (MqttLink, Sync, the
 * SQLite outbox) runs in-process on a manual clock for its reconnect backoff, so five minutes of
 * retries take seconds; the server, its broker and the sockets are real. Asserts the backoff
 * stays bounded while cut, the link is back within one maximum backoff of the network returning,
 * and the server's ledger holds every event written, each applied once.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { type EventEnvelope, newId, PROTOCOL_VERSION } from '@bashgah/protocol';
import { loadServerConfig, type RunningServer, startServer } from '@bashgah/server';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentEvents } from '../../device-agent/src/agent-events.js';
import { EventBus } from '../../device-agent/src/event-bus.js';
import { type LinkTimers, MqttLink } from '../../device-agent/src/link/mqtt-link.js';
import { Sync } from '../../device-agent/src/link/sync.js';
import { Outbox } from '../../device-agent/src/store/outbox.js';
import { Sqlite } from '../../device-agent/src/store/sqlite.js';
import { expectExactlyOnce, freePort, MEMBER, serverLedger, until } from './drill-helpers.js';

const DEVICE = 'kiosk-drill-03';
const MIN_BACKOFF = 1_000;
const MAX_BACKOFF = 30_000;
const CUT_MS = 5 * 60_000;

/** Timers that fire only when the test moves simulated time on. */
class ManualClock implements LinkTimers {
  now = 0;
  readonly delays: number[] = [];
  fired = 0;
  #timers = new Map<number, { due: number; fn: () => void }>();
  #next = 1;

  setTimeout(fn: () => void, ms: number): unknown {
    this.delays.push(ms);
    const id = this.#next++;
    this.#timers.set(id, { due: this.now + ms, fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  get pending(): number {
    return this.#timers.size;
  }

  /**
   * Moves simulated time forward by `ms`, firing due timers in order. After each one it waits (in
   * real time) for what it started to settle: a reconnect attempt either schedules the next
   * attempt (refused) or brings the link up.
   */
  async advance(ms: number, settled: () => boolean): Promise<void> {
    const target = this.now + ms;
    for (;;) {
      const due = [...this.#timers.entries()].sort((a, b) => a[1].due - b[1].due)[0];
      if (!due || due[1].due > target) break;
      this.#timers.delete(due[0]);
      this.now = due[1].due;
      this.fired++;
      due[1].fn();
      await until(() => this.pending > 0 || settled(), 'the reconnect attempt to settle', 5_000);
    }
    this.now = target;
  }
}

/** A TCP relay to the broker: closing it is the network cut (its port then refuses connections). */
function relay(port: number, brokerPort: number) {
  let server: net.Server | undefined;
  const sockets = new Set<net.Socket>();
  return {
    async open() {
      server = net.createServer((inbound) => {
        const outbound = net.connect(brokerPort, '127.0.0.1');
        for (const s of [inbound, outbound]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => {});
        }
        inbound.pipe(outbound).pipe(inbound);
        inbound.on('close', () => outbound.destroy());
        outbound.on('close', () => inbound.destroy());
      });
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(port, '127.0.0.1', () => resolve());
      });
    },
    async cut() {
      const s = server;
      server = undefined;
      if (!s) return;
      const closed = new Promise<void>((r) => s.close(() => r()));
      for (const sock of sockets) sock.destroy();
      await closed;
    },
  };
}

describe('network cut drill', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
  });

  it('keeps writing through five minutes of simulated network cut and applies every event once when it returns', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'bashgah-netcut-drill-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const logger = pino({ level: 'silent' });
    const config = loadServerConfig({
      HTTP_PORT: '0',
      HTTP_HOST: '127.0.0.1',
      MQTT_PORT: '0',
      MQTT_HOST: '127.0.0.1',
      DATA_DIR: path.join(dir, 'server'),
      SEED_DEMO: 'true',
      MQTT_AUTH: 'open',
    });
    const server: RunningServer = await startServer(config, logger);
    cleanups.push(() => server.stop());
    const brokerPort = Number(new URL(server.mqttUrl).port);

    const relayPort = await freePort();
    const network = relay(relayPort, brokerPort);
    await network.open();
    cleanups.push(() => network.cut());

    const db = await Sqlite.open(path.join(dir, 'agent.db'));
    cleanups.push(() => db.close());
    const outbox = await Outbox.open(db);
    const bus = new EventBus<AgentEvents>(() => {});
    const clock = new ManualClock();
    const link = new MqttLink({
      url: `mqtt://127.0.0.1:${relayPort}`,
      deviceId: DEVICE,
      agentVersion: 'drill',
      bus,
      logger,
      reconnectMinMs: MIN_BACKOFF,
      reconnectMaxMs: MAX_BACKOFF,
      timers: clock,
      // Jitter at its midpoint: the delays are then exactly the backoff sequence.
      random: () => 0.5,
    });
    const sync = new Sync({ deviceId: DEVICE, outbox, link, bus, logger });
    cleanups.push(() => link.stop());
    cleanups.push(() => sync.stop());
    link.start();
    sync.start();

    const written: string[] = [];
    const write = async () => {
      const e: EventEnvelope = {
        v: PROTOCOL_VERSION,
        id: newId(),
        deviceId: DEVICE,
        type: 'checkin',
        at: new Date().toISOString(),
        payload: { memberId: MEMBER.id, cardUid: MEMBER.uid },
      };
      await outbox.add(e);
      written.push(e.id);
      sync.trigger();
    };

    await until(() => link.online(), 'the link to come up');
    for (let i = 0; i < 10; i++) await write();
    await until(async () => (await outbox.depth()) === 0, 'the first events acked');

    // The cut: the broker address stops answering; members keep checking in meanwhile.
    await network.cut();
    await until(() => !link.online() && clock.pending > 0, 'the link to notice the cut');
    const real0 = Date.now();
    const step = 10_000;
    for (let t = 0; t < CUT_MS; t += step) {
      await write();
      await clock.advance(step, () => link.online());
    }
    const realMs = Date.now() - real0;
    expect(link.online()).toBe(false);
    expect(await outbox.depth()).toBe(CUT_MS / step);
    // Bounded backoff: 1, 2, 4, 8, 16 s, then every 30 s — not a retry storm, not a give-up.
    const attempts = clock.fired;
    expect(attempts).toBeGreaterThanOrEqual(10);
    expect(attempts).toBeLessThanOrEqual(16);
    expect(clock.delays.slice(0, 6)).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000]);
    expect(Math.max(...clock.delays)).toBe(MAX_BACKOFF);
    expect(realMs).toBeLessThan(30_000);

    // The network returns: the next attempt, at most one maximum backoff away, gets through.
    await network.open();
    await clock.advance(MAX_BACKOFF, () => link.online());
    expect(link.online()).toBe(true);
    for (let i = 0; i < 5; i++) await write();
    await until(async () => (await outbox.depth()) === 0, 'the outbox to drain', 30_000);

    const ledger = await serverLedger(config.dbPath, DEVICE);
    expectExactlyOnce(ledger, written);
    expect(written).toHaveLength(10 + CUT_MS / step + 5);
  }, 90_000);
});
