/**
 * Fleet operations end to end over mqtts: an operator creates a kiosk and gets a one-time code,
 * the agent enrols with it (credentials file mode 0600, private CA), connects with its own
 * credentials to the server's embedded broker (auth on, TLS), and carries out commands whose
 * results the server audits; a revoked kiosk is cut off at once.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { enrol, loadAgentConfig, type RunningAgent, startAgent } from '@bashgah/device-agent';
import { KioskState } from '@bashgah/protocol';
import { loadServerConfig, type RunningServer, startServer } from '@bashgah/server';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const silent = pino({ level: 'silent' });

async function until<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  what: string,
  ms = 8000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('fleet: enrol over HTTP, mqtts with per-device credentials, commands, revoke', () => {
  let dir: string;
  let server: RunningServer;
  let agent: RunningAgent | undefined;
  let token: string;
  const deviceId = `kiosk-fleet-${Date.now().toString(36)}`;
  let restarts = 0;

  const api = async (method: string, p: string, body?: unknown) => {
    const r = await fetch(`${server.httpUrl}${p}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    // biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field
    return { status: r.status, body: (await r.json().catch(() => null)) as any };
  };
  const command = (command: string, params: unknown = {}) =>
    api('POST', `/api/fleet/devices/${deviceId}/commands?wait=8000`, { command, params });
  const kioskState = async () => KioskState.parse(await (await fetch(`${agent!.apiUrl}/api/state`)).json());

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'bashgah-fleet-e2e-'));
    // A private CA-less self-signed certificate for 127.0.0.1, made by the machine's openssl.
    const cert = path.join(dir, 'broker.crt');
    const key = path.join(dir, 'broker.key');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { stdio: 'ignore' },
    );
    const config = loadServerConfig({
      HTTP_PORT: '0',
      MQTT_PORT: '0',
      DATA_DIR: path.join(dir, 'server'),
      SEED_DEMO: 'true',
      MQTT_AUTH: 'devices',
      MQTT_TLS_CERT_FILE: cert,
      MQTT_TLS_KEY_FILE: key,
      MQTT_CA_FILE: cert,
      ADMIN_PASSWORD: 'admin-password-1',
      COMMAND_TTL_SEC: '30',
    });
    server = await startServer(config, silent);
    expect(server.mqttUrl).toMatch(/^mqtts:\/\//);
    const login = await fetch(`${server.httpUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'admin-password-1', mode: 'bearer' }),
    });
    token = ((await login.json()) as { token: string }).token;
  });

  afterAll(async () => {
    await agent?.stop();
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('creates a device, enrols the agent with the code and brings it online over mqtts', async () => {
    const created = await api('POST', '/api/fleet/devices', {
      id: deviceId,
      name: 'Fleet test',
      store: 'tehran-1',
    });
    expect(created.status).toBe(201);
    expect(created.body.code).toMatch(/^[A-Z2-9]{4}(-[A-Z2-9]{4}){3}$/);

    const envFile = path.join(dir, 'etc', 'agent.env');
    const r = await enrol({ server: server.httpUrl, code: created.body.code, out: envFile });
    expect(r.response.deviceId).toBe(deviceId);
    expect((await stat(envFile)).mode & 0o777).toBe(0o600);
    expect((await stat(r.caFile!)).mode & 0o777).toBe(0o600);
    const env = parseEnv(await readFile(envFile, 'utf8'));
    expect(env).toMatchObject({ DEVICE_ID: deviceId, MQTT_USERNAME: deviceId, MQTT_URL: server.mqttUrl });

    const config = loadAgentConfig({
      ...env,
      API_PORT: '0',
      DATA_DIR: path.join(dir, 'agent'),
      READER: 'sim',
      KIOSK_UI_DIR: path.join(dir, 'no-ui'),
    });
    agent = await startAgent(config, {
      logger: silent,
      timing: { reconnectMinMs: 100, reconnectMaxMs: 400, telemetryIntervalMs: 300 },
      restart: () => {
        restarts++;
      },
      recentLogs: (n) => [`line 1 of ${n}`, 'line 2'],
    });
    await until(async () => (await kioskState()).online, 'the agent online');
    const device = await until(async () => {
      const d = await api('GET', `/api/fleet/devices/${deviceId}`);
      return d.body.device.status === 'online' && d.body.device.telemetry ? d.body.device : undefined;
    }, 'telemetry at the server');
    expect(device).toMatchObject({ enrolled: true, store: 'tehran-1' });
    expect(device.telemetry.memTotalBytes).toBeGreaterThan(0);
    expect(device.telemetry.diskTotalBytes).toBeGreaterThan(0);
    expect(Math.abs(device.clockOffsetMs)).toBeLessThan(5000);
  });

  it('carries out commands and audits each with who sent it and what came back', async () => {
    const on = await command('maintenance', { enabled: true });
    expect(on.status).toBe(200);
    expect(on.body).toMatchObject({ status: 'ok', issuedBy: 'admin', result: { maintenance: true } });
    expect((await kioskState()).maintenance).toBe(true);
    const blocked = await fetch(`${agent!.apiUrl}/api/checkin`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ memberId: 'm-1001' }),
    });
    expect(blocked.status).toBe(503);

    const cfg = await command('push-config', {
      settings: { maintenanceMessage: { fa: 'به‌زودی برمی‌گردیم', en: 'Back soon' } },
    });
    expect(cfg.body.status).toBe('ok');
    expect((await kioskState()).maintenanceMessage).toEqual({ fa: 'به‌زودی برمی‌گردیم', en: 'Back soon' });

    const cat = await command('push-catalog', {
      catalog: {
        version: 'v7',
        items: [{ id: 'r1', name: { fa: 'قهوه', en: 'Coffee' }, pointsCost: 50, available: true }],
      },
    });
    expect(cat.body).toMatchObject({ status: 'ok', result: { version: 'v7', items: 1 } });

    expect((await command('sync-now')).body).toMatchObject({ status: 'ok', result: { outboxDepth: 0 } });
    expect((await command('fetch-logs', { lines: 10 })).body.result.lines).toEqual([
      'line 1 of 10',
      'line 2',
    ]);
    expect((await command('test-print')).body).toMatchObject({
      status: 'unsupported',
      result: { error: { code: 'no-printer' } },
    });
    expect((await command('reload-ui')).body.status).toBe('ok');
    expect((await command('restart-agent')).body.status).toBe('ok');
    expect(restarts).toBe(1);
    expect((await command('maintenance', { enabled: false })).body.status).toBe('ok');
    expect((await kioskState()).maintenance).toBe(false);

    const bad = await command('maintenance', { enabled: 'yes' });
    expect(bad.status).toBe(400);
    const unknown = await command('format-disk');
    expect(unknown.status).toBe(400);

    const audit = await api('GET', `/api/fleet/devices/${deviceId}/commands`);
    expect(audit.body.commands.length).toBe(9);
    for (const c of audit.body.commands) {
      expect(c).toMatchObject({ issuedBy: 'admin', deviceId });
      expect(c.completedAt).not.toBeNull();
    }
  });

  it('a command nobody answers expires; viewers cannot send commands', async () => {
    await agent!.stop();
    agent = undefined;
    await until(
      async () => (await api('GET', `/api/fleet/devices/${deviceId}`)).body.device.status === 'offline',
      'offline',
    );
    const sent = await api('POST', `/api/fleet/devices/${deviceId}/commands`, {
      command: 'sync-now',
      ttlSec: 5,
    });
    expect(sent.status).toBe(202);
    expect(sent.body.status).toBe('pending');
    await server.db.run("UPDATE device_commands SET expires_at = '2000-01-01T00:00:00.000Z' WHERE id = ?", [
      sent.body.id,
    ]);
    await server.fleet.commands.expire();
    const after = await api('GET', `/api/fleet/devices/${deviceId}/commands`);
    expect(after.body.commands[0]).toMatchObject({ id: sent.body.id, status: 'expired' });
  });

  it('revokes the device: its credentials stop working', async () => {
    const revoked = await api('POST', `/api/fleet/devices/${deviceId}/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.device.revokedAt).not.toBeNull();
    const again = await api('POST', `/api/fleet/devices/${deviceId}/commands`, { command: 'sync-now' });
    expect(again.status).toBe(409);
  });
});
