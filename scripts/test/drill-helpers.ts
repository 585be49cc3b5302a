/**
 * Shared parts of the fault drills: real server and agent processes (from dist/, so SIGKILL is
 * real), the machine's Mosquitto as an external broker, a check-in writer, and the ledger check
 * that every drill ends with.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqliteDb } from '@bashgah/server';
import { expect } from 'vitest';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SERVER_MAIN = path.join(ROOT, 'server/dist/main.js');
export const AGENT_MAIN = path.join(ROOT, 'device-agent/dist/main.js');
export const MOSQUITTO_BIN = '/usr/sbin/mosquitto';

export const MEMBER = { id: 'm-1001', uid: '04A1B2C3D4E5F6' };

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export async function until<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  ms = 15_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await Promise.resolve()
      .then(probe)
      .catch(() => undefined);
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const exited = (p: ChildProcess) =>
  p.exitCode !== null || p.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((r) => p.once('exit', () => r()));

/** A child process the drill owns: stop() sends the signal and waits for the exit. */
export interface Proc {
  proc: ChildProcess;
  output: () => string;
  kill(signal: NodeJS.Signals): Promise<void>;
}

function own(proc: ChildProcess, name: string): Proc {
  let out = '';
  // DRILL_LOG_DIR keeps every process's whole output, for working out why a drill failed.
  const logFile = process.env.DRILL_LOG_DIR
    ? path.join(process.env.DRILL_LOG_DIR, `${name}-${proc.pid}.log`)
    : undefined;
  const keep = (d: Buffer) => {
    // Enough to say why a process died.
    out = (out + d.toString()).slice(-20_000);
    if (logFile) appendFileSync(logFile, d);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  return {
    proc,
    output: () => out,
    async kill(signal) {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const done = exited(proc);
      proc.kill(signal);
      await done;
    },
  };
}

export interface ServerProcOptions {
  dataDir: string;
  httpPort: number;
  /** Embedded broker port; ignored with mqttUrl. */
  mqttPort?: number;
  /** An external broker: the server's client then reconnects to it by itself. */
  mqttUrl?: string;
}

/** The real server process (open embedded broker, or an external one). */
export async function startServerProcess(o: ServerProcOptions): Promise<Proc & { dbFile: string }> {
  const p = own(
    spawn(process.execPath, [SERVER_MAIN], {
      env: {
        PATH: process.env.PATH,
        HTTP_HOST: '127.0.0.1',
        HTTP_PORT: String(o.httpPort),
        DATA_DIR: o.dataDir,
        SEED_DEMO: 'true',
        MQTT_AUTH: 'open',
        MQTT_HOST: '127.0.0.1',
        MQTT_CLIENT_ID: 'bashgah-server-drill',
        LOG_LEVEL: process.env.DRILL_LOG_LEVEL ?? 'warn',
        ...(o.mqttUrl ? { MQTT_URL: o.mqttUrl } : { MQTT_PORT: String(o.mqttPort ?? 0) }),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
    'server',
  );
  await until(
    async () => {
      if (p.proc.exitCode !== null) throw new Error(`server exited: ${p.output()}`);
      return (await fetch(`http://127.0.0.1:${o.httpPort}/healthz`)).ok;
    },
    'the server to answer /healthz',
    20_000,
  ).catch((err: unknown) => {
    throw new Error(`${(err as Error).message}\n${p.output()}`);
  });
  return { ...p, dbFile: path.join(o.dataDir, 'bashgah.db') };
}

export interface AgentProcOptions {
  deviceId: string;
  mqttUrl: string;
  apiPort: number;
  dataDir: string;
  autoCheckin?: boolean;
}

/** The real agent process with the simulated reader. */
export async function startAgentProcess(o: AgentProcOptions): Promise<Proc & { api: string }> {
  const p = own(
    spawn(process.execPath, [AGENT_MAIN], {
      env: {
        PATH: process.env.PATH,
        DEVICE_ID: o.deviceId,
        MQTT_URL: o.mqttUrl,
        API_PORT: String(o.apiPort),
        DATA_DIR: o.dataDir,
        READER: 'sim',
        KIOSK_UI_DIR: path.join(o.dataDir, 'no-ui'),
        LOG_LEVEL: process.env.DRILL_LOG_LEVEL ?? 'warn',
        AUTO_CHECKIN: o.autoCheckin ? 'true' : 'false',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
    'agent',
  );
  const api = `http://127.0.0.1:${o.apiPort}`;
  await until(async () => {
    if (p.proc.exitCode !== null) throw new Error(`agent exited: ${p.output()}`);
    return (await fetch(`${api}/api/state`)).ok;
  }, 'the agent API');
  return { ...p, api };
}

export interface KioskState {
  online: boolean;
  outboxDepth: number;
  session: { kind: string; member?: { id: string } };
}

export const kioskState = async (api: string) =>
  (await (await fetch(`${api}/api/state`)).json()) as KioskState;

export async function tap(api: string, uid: string, memberId: string): Promise<void> {
  await fetch(`${api}/sim/tap`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ uid }),
  });
  await until(async () => (await kioskState(api)).session.member?.id === memberId, `session of ${memberId}`);
}

/**
 * Keeps checking the member in at the kiosk, one request at a time, as fast as the agent answers,
 * until stopped. `accepted` holds the event id of every 202; `unanswered` counts requests that
 * got no answer (the agent died mid-request), whose event may or may not have reached the outbox.
 */
export function checkinWriter(api: string, member = MEMBER) {
  const accepted: string[] = [];
  let unanswered = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      try {
        const r = await fetch(`${api}/api/checkin`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ memberId: member.id }),
        });
        if (r.status === 202) accepted.push(((await r.json()) as { eventId: string }).eventId);
        else if (r.status === 409) await tap(api, member.uid, member.id);
        else throw new Error(`check-in answered ${r.status}: ${await r.text()}`);
      } catch (err) {
        if ((err as Error).message.startsWith('check-in answered')) throw err;
        // Connection refused or reset: the agent is down. Wait for it instead of spinning.
        unanswered++;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  })();
  return {
    accepted,
    unanswered: () => unanswered,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

/**
 * What the server's ledger says about one device: processed event ids, how many ledger rows each
 * event made, and the check-in points the member earned.
 */
export async function serverLedger(dbFile: string, deviceId: string) {
  const db = await SqliteDb.open(dbFile);
  try {
    const processed = (
      await db.all<{ event_id: string; status: string }>(
        'SELECT event_id, status FROM processed_events WHERE device_id = ? ORDER BY event_id',
        [deviceId],
      )
    ).map((r) => ({ id: r.event_id, status: r.status }));
    const ledgerRowsPerEvent = await db.all<{ event_id: string; n: number }>(
      'SELECT event_id, count(*) AS n FROM points_ledger WHERE device_id = ? GROUP BY event_id',
      [deviceId],
    );
    const checkinRows = await db.get<{ n: number }>(
      'SELECT count(*) AS n FROM checkins WHERE device_id = ?',
      [deviceId],
    );
    const earned = await db.all<{ member_id: string; pts: number }>(
      `SELECT member_id, sum(points) AS pts FROM points_ledger
       WHERE device_id = ? AND kind = 'earn' GROUP BY member_id ORDER BY member_id`,
      [deviceId],
    );
    return { processed, ledgerRowsPerEvent, checkinRows: checkinRows?.n ?? 0, earned };
  } finally {
    await db.close();
  }
}

/** Mosquitto on a fixed loopback port, anonymous, no persistence: a broker that can be stopped and started again. */
export async function mosquitto(dir: string, port: number) {
  const conf = path.join(dir, `mosquitto-${port}.conf`);
  await writeFile(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence false',
      `user ${os.userInfo().username}`,
      'log_dest stderr',
      'log_type error',
      '',
    ].join('\n'),
  );
  let current: Proc | undefined;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    async start() {
      if (!existsSync(MOSQUITTO_BIN))
        throw new Error(`${MOSQUITTO_BIN} is missing (apt-get install mosquitto)`);
      const p = own(spawn(MOSQUITTO_BIN, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] }), 'mosquitto');
      current = p;
      await until(
        () =>
          new Promise<boolean>((resolve) => {
            if (p.proc.exitCode !== null) throw new Error(`mosquitto exited: ${p.output()}`);
            const s = net.connect(port, '127.0.0.1', () => {
              s.destroy();
              resolve(true);
            });
            s.once('error', () => resolve(false));
          }),
        `mosquitto on port ${port}`,
        5_000,
      );
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      await current?.kill(signal);
      current = undefined;
    },
  };
}

/** The drill's verdict: the server applied exactly the events the agent accepted, each once. */
export function expectExactlyOnce(
  ledger: Awaited<ReturnType<typeof serverLedger>>,
  accepted: readonly string[],
) {
  const ids = ledger.processed.map((p) => p.id);
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids).toEqual([...accepted].sort());
  expect(ledger.processed.every((p) => p.status === 'applied')).toBe(true);
  expect(ledger.ledgerRowsPerEvent.every((l) => l.n === 1)).toBe(true);
  // One member at one kiosk on one day: one check-in row and one earning, however often replayed.
  expect(ledger.checkinRows).toBe(1);
  expect(ledger.ledgerRowsPerEvent.length).toBe(1);
  expect(ledger.earned.length).toBe(1);
}

/** Waits for the agent's outbox to empty; on time-out the error carries both processes' last output. */
export async function drained(agent: Proc & { api: string }, server: Proc, ms: number): Promise<void> {
  await until(async () => (await kioskState(agent.api)).outboxDepth === 0, 'the outbox to drain', ms).catch(
    async (err: unknown) => {
      const depth = await kioskState(agent.api).then(
        (s) => s.outboxDepth,
        () => 'unknown',
      );
      throw new Error(
        `${(err as Error).message} (depth ${depth})\n--- agent ---\n${agent.output().slice(-4000)}\n--- server ---\n${server.output().slice(-4000)}`,
      );
    },
  );
}
