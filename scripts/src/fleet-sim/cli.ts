#!/usr/bin/env node
/**
 * Fleet simulator: N simulated kiosks (real MQTT clients with their own credentials) against a
 * running server. Creates and enrols the devices through the HTTP API as an admin, then sends
 * telemetry every few seconds and check-in events at a steady rate until stopped.
 *
 *   node scripts/dist/fleet-sim/cli.js --server http://127.0.0.1:8700 --password <admin password> \
 *     [--user admin] [--devices 20] [--prefix sim] [--telemetry-ms 15000] [--events-per-sec 1]
 */
import { parseArgs } from 'node:util';
import { connectSimDevice, pool } from './sim.js';

const { values } = parseArgs({
  options: {
    server: { type: 'string', default: 'http://127.0.0.1:8700' },
    user: { type: 'string', default: 'admin' },
    password: { type: 'string' },
    devices: { type: 'string', default: '20' },
    prefix: { type: 'string', default: 'sim' },
    'telemetry-ms': { type: 'string', default: '15000' },
    'events-per-sec': { type: 'string', default: '1' },
  },
});
if (!values.password) {
  console.error('fleet-sim: --password (the admin operator password) is required');
  process.exit(2);
}

const base = values.server;
const login = await fetch(`${base}/api/auth/login`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ username: values.user, password: values.password, mode: 'bearer' }),
});
if (!login.ok) {
  console.error(`fleet-sim: login failed (${login.status})`);
  process.exit(3);
}
const { token } = (await login.json()) as { token: string };
const n = Number(values.devices);
const ids = Array.from({ length: n }, (_, i) => `${values.prefix}-${String(i + 1).padStart(4, '0')}`);

const creds = await pool(ids, 20, async (id) => {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  let r = await fetch(`${base}/api/fleet/devices`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ id, store: values.prefix }),
  });
  if (r.status === 409)
    r = await fetch(`${base}/api/fleet/devices/${id}/enrolment-code`, { method: 'POST', headers });
  const { code } = (await r.json()) as { code: string };
  const e = await fetch(`${base}/api/enrol`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code }),
  });
  return (await e.json()) as { deviceId: string; mqtt: { url: string; username: string; password: string } };
});
const devices = await pool(creds, 50, (c) =>
  connectSimDevice(c.mqtt.url, { deviceId: c.deviceId, ...c.mqtt }),
);
console.log(`fleet-sim: ${devices.length} devices online`);

const telemetry = setInterval(() => {
  for (const d of devices) void d.sendTelemetry().catch(() => {});
}, Number(values['telemetry-ms']));
const perSec = Number(values['events-per-sec']);
const events =
  perSec > 0
    ? setInterval(() => {
        const d = devices[Math.floor(Math.random() * devices.length)]!;
        void d.sendCheckin('m-1001', '04A1B2C3D4E5F6').catch(() => {});
      }, 1000 / perSec)
    : undefined;
const report = setInterval(() => {
  const acked = devices.reduce((s, d) => s + d.acked, 0);
  console.log(`fleet-sim: ${acked} events acked`);
}, 10_000);

process.once('SIGINT', async () => {
  clearInterval(telemetry);
  clearInterval(events);
  clearInterval(report);
  await Promise.all(devices.map((d) => d.close()));
  process.exit(0);
});
