/**
 * Fault drill: the server and its broker go down, members keep checking in at the kiosk, the agent
 * is killed with SIGKILL, comes back (still offline) with every action in its outbox, and when the
 * server returns every action is applied exactly once: none lost, none doubled.
 * The agent runs as a real separate process (device-agent/dist), so SIGKILL is real.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadServerConfig, type RunningServer, type ServerConfig, startServer } from '@bashgah/server';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const AGENT_MAIN = path.join(ROOT, 'device-agent/dist/main.js');
const MEMBERS = [
  { id: 'm-1001', uid: '04A1B2C3D4E5F6' },
  { id: 'm-1002', uid: '04112233445566' },
  { id: 'm-1003', uid: '5A3C9E12' },
];
const ROUNDS = 4;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function until<T>(probe: () => Promise<T | undefined | false>, what: string, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('offline drill: server down, agent SIGKILLed mid-stream, nothing lost or doubled', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
  });

  it('keeps every check-in through a SIGKILL while offline and applies each exactly once', async () => {
    if (!existsSync(AGENT_MAIN))
      execFileSync('npx', ['tsc', '-b', 'device-agent'], { cwd: ROOT, stdio: 'ignore' });
    const dir = await mkdtemp(path.join(os.tmpdir(), 'bashgah-drill-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const mqttPort = await freePort();
    const apiPort = await freePort();
    const config: ServerConfig = loadServerConfig({
      HTTP_PORT: '0',
      MQTT_PORT: String(mqttPort),
      DATA_DIR: path.join(dir, 'server'),
      SEED_DEMO: 'true',
      MQTT_AUTH: 'devices',
    });
    const logger = pino({ level: 'silent' });
    let server: RunningServer | undefined = await startServer(config, logger);
    cleanups.push(() => server?.stop() ?? Promise.resolve());
    const deviceId = 'kiosk-drill-01';
    const { code } = await server.fleet.registry.create({ id: deviceId }, 'drill');
    const creds = await server.fleet.registry.enrol(code, {});

    let agent: ChildProcess | undefined;
    const startAgentProcess = () => {
      const p = spawn(process.execPath, [AGENT_MAIN], {
        env: {
          PATH: process.env.PATH,
          DEVICE_ID: deviceId,
          MQTT_URL: creds.mqtt.url,
          MQTT_USERNAME: creds.mqtt.username,
          MQTT_PASSWORD: creds.mqtt.password,
          API_PORT: String(apiPort),
          DATA_DIR: path.join(dir, 'agent'),
          READER: 'sim',
          KIOSK_UI_DIR: path.join(dir, 'no-ui'),
          LOG_LEVEL: 'warn',
          // Only the drill's own POST /api/checkin calls make events, so they can be counted.
          AUTO_CHECKIN: 'false',
        },
        stdio: 'ignore',
      });
      cleanups.push(async () => p.kill('SIGKILL'));
      return p;
    };
    const api = `http://127.0.0.1:${apiPort}`;
    const state = async () =>
      (await (await fetch(`${api}/api/state`)).json()) as {
        online: boolean;
        outboxDepth: number;
        session: { kind: string; member?: { id: string } };
      };
    const tap = async (uid: string, memberId: string) => {
      await fetch(`${api}/sim/tap`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ uid }),
      });
      await until(async () => (await state()).session.member?.id === memberId, `session of ${memberId}`);
    };

    // Online: every member is looked up once, so the kiosk's cache knows them.
    agent = startAgentProcess();
    await until(async () => (await state()).online, 'agent online');
    for (const m of MEMBERS) await tap(m.uid, m.id);

    // The server and its broker go away.
    await server.stop();
    server = undefined;
    await until(async () => !(await state()).online, 'agent offline');

    const accepted: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const m of MEMBERS) {
        await tap(m.uid, m.id);
        const r = await fetch(`${api}/api/checkin`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ memberId: m.id }),
        });
        expect(r.status).toBe(202);
        accepted.push(((await r.json()) as { eventId: string }).eventId);
      }
    }
    // SIGKILL right after the last 202: no shutdown code runs.
    agent.kill('SIGKILL');
    await new Promise((r) => agent!.once('exit', r));

    // Back up, still offline: the outbox has every accepted action.
    agent = startAgentProcess();
    await until(
      async () => (await state()).outboxDepth === accepted.length,
      `outbox depth ${accepted.length} after SIGKILL`,
    );

    // The server returns on the same database and port; the outbox drains.
    server = await startServer(config, logger);
    await until(
      async () => (await state()).online && (await state()).outboxDepth === 0,
      'outbox drained',
      30_000,
    );

    const rows = await server.db.all<{ event_id: string; status: string; type: string; result: string }>(
      'SELECT event_id, status, type, result FROM processed_events WHERE device_id = ? ORDER BY event_id',
      [deviceId],
    );
    if (rows.length !== accepted.length)
      console.log(JSON.stringify(rows.filter((r) => !accepted.includes(r.event_id))));
    expect(rows.map((r) => r.event_id).sort()).toEqual([...accepted].sort());
    expect(new Set(rows.map((r) => r.event_id)).size).toBe(accepted.length);
    // Each event's ledger effect happened once, and the club's rule (check-in points once per
    // member, kiosk and day) held across the replay: each member earned the check-in points once.
    const ledger = await server.db.all<{ event_id: string; n: number }>(
      'SELECT event_id, count(*) AS n FROM points_ledger WHERE device_id = ? GROUP BY event_id',
      [deviceId],
    );
    expect(ledger.every((l) => l.n === 1)).toBe(true);
    const perMember = await server.db.all<{ member_id: string; pts: number }>(
      `SELECT member_id, sum(points) AS pts FROM points_ledger
       WHERE device_id = ? AND kind = 'earn' GROUP BY member_id ORDER BY member_id`,
      [deviceId],
    );
    expect(perMember).toEqual(MEMBERS.map((m) => ({ member_id: m.id, pts: config.checkinPoints })));
    agent.kill('SIGTERM');
  }, 90_000);
});
