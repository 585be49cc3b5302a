import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { newId } from '@bashgah/protocol';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { createOperator, type Role } from '../src/auth/operators.js';
import { loadServerConfig, type ServerConfig } from '../src/config.js';
import { type RunningServer, startServer } from '../src/server.js';

export const MOSQUITTO_BIN = '/usr/sbin/mosquitto';
export const hasMosquitto = existsSync(MOSQUITTO_BIN);

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

/** A server on port 0 with its own data dir, broker auth on unless env says otherwise. */
export async function startFleetServer(logger: Logger, env: Record<string, string> = {}) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bashgah-fleet-'));
  const base = loadServerConfig({
    HTTP_PORT: '0',
    MQTT_PORT: '0',
    DATA_DIR: dir,
    SEED_DEMO: 'true',
    MQTT_AUTH: 'devices',
    ...env,
  });
  const config: ServerConfig = {
    ...base,
    mqtt: { ...base.mqtt, clientId: `bashgah-server-test-${newId().slice(-8)}`, cleanSession: true },
  };
  const server = await startServer(config, logger);
  return {
    server,
    dir,
    config,
    async stop() {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function addOperator(server: RunningServer, username: string, password: string, role: Role) {
  return createOperator(server.db, { username, password, role });
}

/** Logs in with a bearer token and returns a fetch bound to it. */
export async function operatorClient(baseUrl: string, username: string, password: string) {
  const res = await fetch(`${baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password, mode: 'bearer' }),
  });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  const { token } = (await res.json()) as { token: string };
  const call = async (method: string, p: string, body?: unknown) => {
    const r = await fetch(`${baseUrl}${p}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    // biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field
    return { status: r.status, body: (text ? JSON.parse(text) : null) as any };
  };
  return { token, call };
}

/** Connects, resolving with the client or rejecting with the broker's refusal. */
export function tryConnect(url: string, opts: IClientOptions): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, {
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 3000,
      ...opts,
    });
    client.once('connect', () => resolve(client));
    client.once('error', (err) => {
      client.end(true);
      reject(err);
    });
    client.once('close', () => reject(new Error('connection closed before CONNACK')));
  });
}

/** A real Mosquitto on a free loopback port, using the given password and ACL files. */
export async function startMosquitto(files: { passwordFile: string; aclFile: string; dir: string }) {
  const port = await freePort();
  const pidFile = path.join(files.dir, 'mosquitto.pid');
  const conf = path.join(files.dir, 'mosquitto.conf');
  await writeFile(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous false',
      `password_file ${files.passwordFile}`,
      `acl_file ${files.aclFile}`,
      `pid_file ${pidFile}`,
      'persistence false',
      // Run as whoever started the test: as root Mosquitto would otherwise switch to its own user,
      // which cannot read the 0600 password file in our temp dir.
      `user ${os.userInfo().username}`,
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      '',
    ].join('\n'),
  );
  const proc: ChildProcess = spawn(MOSQUITTO_BIN, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const url = `mqtt://127.0.0.1:${port}`;
  const deadline = Date.now() + 5000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) break;
    if (proc.exitCode !== null || Date.now() > deadline) {
      throw new Error(`mosquitto did not start: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    port,
    pidFile,
    stderr: () => stderr,
    async stop() {
      if (proc.exitCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * A simulated kiosk on the wire: its own credentials, retained online status with an offline
 * will, telemetry on demand, and an answer to every command. `cut()` drops the TCP connection
 * without a DISCONNECT, as a pulled network cable would (the broker then sends the will).
 */
export async function simDevice(
  url: string,
  creds: { deviceId: string; username: string; password: string },
  opts: { keepalive?: number } = {},
) {
  const { deviceId } = creds;
  const status = (state: 'online' | 'offline') =>
    JSON.stringify({ v: 1, state, at: new Date().toISOString(), agentVersion: '0.9.0-sim' });
  const client = await mqtt.connectAsync(url, {
    clientId: `bashgah-agent-${deviceId}`,
    username: creds.username,
    password: creds.password,
    protocolVersion: 4,
    clean: true,
    reconnectPeriod: 0,
    keepalive: opts.keepalive ?? 5,
    will: {
      topic: `club/v1/devices/${deviceId}/status`,
      payload: Buffer.from(status('offline')),
      qos: 1,
      retain: true,
    },
  });
  await client.subscribeAsync(`club/v1/devices/${deviceId}/cmd`, { qos: 1 });
  client.on('message', (_topic, payload) => {
    const cmd = JSON.parse(payload.toString()) as { id: string; command: string };
    void client.publishAsync(
      `club/v1/devices/${deviceId}/cmd/result`,
      JSON.stringify({
        v: 1,
        id: cmd.id,
        command: cmd.command,
        status: 'ok',
        at: new Date().toISOString(),
        result: { simulated: true },
      }),
      { qos: 1 },
    );
  });
  await client.publishAsync(`club/v1/devices/${deviceId}/status`, status('online'), { qos: 1, retain: true });
  const telemetry = (over: Record<string, unknown> = {}) =>
    client.publishAsync(
      `club/v1/devices/${deviceId}/telemetry`,
      JSON.stringify({
        v: 1,
        at: new Date().toISOString(),
        uptimeSec: 3600,
        agentVersion: '0.9.0-sim',
        reader: 'ready',
        printer: 'ready',
        outboxDepth: 0,
        oldestOutboxAgeSec: null,
        lastTapAt: new Date(Date.now() - 120_000).toISOString(),
        memoryRssBytes: 80 * 1024 * 1024,
        load1: 0.4,
        cpuTempC: 51.2,
        memTotalBytes: 4 * 1024 ** 3,
        memFreeBytes: 2 * 1024 ** 3,
        diskTotalBytes: 32 * 1024 ** 3,
        diskFreeBytes: 20 * 1024 ** 3,
        protocolVersion: 1,
        ...over,
      }),
      { qos: 0 },
    );
  return {
    client,
    telemetry,
    cut() {
      client.stream.destroy();
      client.end(true);
    },
    close: () => client.endAsync(),
  };
}
