#!/usr/bin/env node
/**
 * Fleet benchmark: N simulated kiosks (real MQTT clients, each with its own enrolled credentials)
 * each publish K check-in events at once to a real server process (embedded broker with device
 * auth, exactly-once ingress, SQLite). Reports events applied per second, publish→ack latency,
 * the server's peak RSS, and, as the baseline, the same message load through the broker alone
 * to a plain subscriber, with the ratio.
 *
 *   node scripts/dist/bench/fleet.js [--devices 2000] [--events 10]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SqliteDb } from '@bashgah/server';
import mqtt from 'mqtt';
import { connectSimDevice, pool, type SimDevice } from '../fleet-sim/sim.js';
import { percentile } from './stats.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '2000' },
    events: { type: 'string', default: '10' },
    // Writes a V8 CPU profile of the server process into this folder (open it in Chrome DevTools).
    'cpu-prof': { type: 'string' },
  },
});
const N = Number(values.devices);
const K = Number(values.events);
const TOTAL = N * K;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function rssOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

async function until(
  probe: () => boolean | Promise<boolean>,
  what: string,
  ms: number,
  progress?: () => string,
) {
  const deadline = Date.now() + ms;
  let lastLog = Date.now();
  while (!(await probe())) {
    if (progress && Date.now() - lastLog > 5000) {
      lastLog = Date.now();
      console.log(`  … ${progress()}`);
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function spawnChild(script: string, env: Record<string, string>, nodeArgs: string[] = []): ChildProcess {
  return spawn(process.execPath, [...nodeArgs, path.join(ROOT, script)], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

const MB = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;
const dir = await mkdtemp(path.join(os.tmpdir(), 'bashgah-bench-fleet-'));

// --- 1. the real server ---
const httpPort = await freePort();
const mqttPort = await freePort();
const server = spawnChild(
  'server/dist/main.js',
  {
    HTTP_PORT: String(httpPort),
    MQTT_PORT: String(mqttPort),
    DATA_DIR: dir,
    MQTT_AUTH: 'devices',
    ADMIN_PASSWORD: 'bench-admin-password',
    SEED_DEMO: 'true',
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
  },
  values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(values['cpu-prof'])}`] : [],
);
const base = `http://127.0.0.1:${httpPort}`;
await until(
  () =>
    fetch(`${base}/healthz`).then(
      (r) => r.ok,
      () => false,
    ),
  'the server',
  30_000,
);
const login = await fetch(`${base}/api/auth/login`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ username: 'admin', password: 'bench-admin-password', mode: 'bearer' }),
});
const { token } = (await login.json()) as { token: string };
const ids = Array.from({ length: N }, (_, i) => `bench-${String(i + 1).padStart(5, '0')}`);
let t = performance.now();
const creds = await pool(ids, 32, async (id) => {
  const r = await fetch(`${base}/api/fleet/devices`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ id, store: 'bench' }),
  });
  const { code } = (await r.json()) as { code: string };
  const e = await fetch(`${base}/api/enrol`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code }),
  });
  return (await e.json()) as { deviceId: string; mqtt: { url: string; username: string; password: string } };
});
console.log(`enrolled ${N} devices in ${((performance.now() - t) / 1000).toFixed(1)} s`);
t = performance.now();
let devices: SimDevice[] = await pool(creds, 100, (c) =>
  connectSimDevice(c.mqtt.url, { deviceId: c.deviceId, ...c.mqtt }),
);
console.log(`connected ${N} authenticated devices in ${((performance.now() - t) / 1000).toFixed(1)} s`);

let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, rssOf(server.pid!).rss);
}, 100);
const t0 = performance.now();
await Promise.all(
  devices.map(async (d) =>
    Promise.all(Array.from({ length: K }, () => d.sendCheckin('m-1001', '04A1B2C3D4E5F6'))),
  ),
);
const acked = () => devices.reduce((s, d) => s + d.acked, 0);
await until(
  () => acked() >= TOTAL,
  `${TOTAL} acks`,
  600_000,
  () => `${acked()} of ${TOTAL} acked`,
);
const serverSec = (performance.now() - t0) / 1000;
clearInterval(sampler);
const { hwm } = rssOf(server.pid!);
const latencies = devices.flatMap((d) => d.latencies);
await Promise.all(devices.map((d) => d.close()));
server.kill('SIGTERM');
await new Promise((r) => server.once('exit', r));
const db = await SqliteDb.open(path.join(dir, 'bashgah.db'));
const counted = await db.get<{ n: number; d: number }>(
  "SELECT count(*) AS n, count(DISTINCT event_id) AS d FROM processed_events WHERE device_id LIKE 'bench-%'",
);
await db.close();

// --- 2. baseline: the broker alone, a plain subscriber ---
const brokerPort = await freePort();
const broker = spawnChild('scripts/dist/bench/broker-only.js', { MQTT_PORT: String(brokerPort) });
await new Promise<void>((resolve) => broker.stdout!.once('data', () => resolve()));
const url = `mqtt://127.0.0.1:${brokerPort}`;
const sub = await mqtt.connectAsync(url, {
  clientId: 'bench-plain-subscriber',
  protocolVersion: 4,
  clean: true,
});
let received = 0;
sub.on('message', () => {
  received++;
});
await sub.subscribeAsync('club/v1/devices/+/events', { qos: 1 });
devices = await pool(ids, 100, (id) => connectSimDevice(url, { deviceId: id }));
const b0 = performance.now();
await Promise.all(
  devices.map(async (d) =>
    Promise.all(Array.from({ length: K }, () => d.sendCheckin('m-1001', '04A1B2C3D4E5F6'))),
  ),
);
await until(() => received >= TOTAL, `${TOTAL} messages at the subscriber`, 600_000);
const brokerSec = (performance.now() - b0) / 1000;
await Promise.all(devices.map((d) => d.close()));
await sub.endAsync(true);
broker.kill('SIGTERM');
await new Promise((r) => broker.once('exit', r));
await rm(dir, { recursive: true, force: true });

const serverRate = TOTAL / serverSec;
const brokerRate = TOTAL / brokerSec;
console.log(`
Fleet benchmark: ${N} devices × ${K} check-in events = ${TOTAL} events (QoS 1), per-device credentials
  server (embedded broker + exactly-once ingress + SQLite):
    applied            ${serverRate.toFixed(0)} events/s (${serverSec.toFixed(2)} s)
    exactly once       ${counted?.n} processed rows, ${counted?.d} distinct ids, ${TOTAL} published
    publish → ack      p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms
    server RSS         peak ${MB(Math.max(peakRss, hwm))}
  broker alone (plain subscriber):
    delivered          ${brokerRate.toFixed(0)} events/s (${brokerSec.toFixed(2)} s)
  ratio server / broker  ${(serverRate / brokerRate).toFixed(2)}
  targets: ≥ 5000 events/s applied, ≥ 0.5 of broker alone, RSS < 400 MB
`);
process.exit(0);
