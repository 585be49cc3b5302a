import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  Ack,
  type EventEnvelope,
  newId,
  PROTOCOL_VERSION,
  RpcResponse,
  type RpcResult,
  topics,
} from '@bashgah/protocol';
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadServerConfig, type ServerConfig } from '../src/config.js';
import { type RunningServer, startServer } from '../src/server.js';
import { captureLogger, eventually, type LogLine, silentLogger, waitFor } from './helpers.js';

const MOSQUITTO_URL = 'mqtt://127.0.0.1:1883';
const runId = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

async function startTestServer(logger: Logger, env: Record<string, string> = {}) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bashgah-server-mqtt-'));
  const base = loadServerConfig({ HTTP_PORT: '0', MQTT_PORT: '0', DATA_DIR: dir, SEED_DEMO: 'true', ...env });
  const config: ServerConfig = {
    ...base,
    // A unique, clean session: a shared Mosquitto must not keep (or hand over) this run's session.
    mqtt: { ...base.mqtt, clientId: `bashgah-server-test-${runId}-${newId().slice(-6)}`, cleanSession: true },
  };
  const server = await startServer(config, logger);
  return {
    server,
    async stop() {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A stand-in for a device agent: publishes to its own subtree and collects what comes back. */
async function connectDevice(url: string, deviceId: string) {
  const client: MqttClient = await mqtt.connectAsync(url, {
    clientId: `device-${deviceId}`,
    clean: true,
    protocolVersion: 4,
    reconnectPeriod: 0,
  });
  const acks: Ack[] = [];
  const responses: RpcResponse[] = [];
  client.on('message', (topic, payload) => {
    const json: unknown = JSON.parse(payload.toString('utf8'));
    if (topic === topics.acks(deviceId)) acks.push(Ack.parse(json));
    if (topic === topics.rpcResponse(deviceId)) responses.push(RpcResponse.parse(json));
  });
  await client.subscribeAsync([topics.acks(deviceId), topics.rpcResponse(deviceId)], { qos: 1 });

  return {
    client,
    acks,
    responses,
    checkin(over: Partial<EventEnvelope['payload']> = {}): EventEnvelope {
      return {
        v: PROTOCOL_VERSION,
        id: newId(),
        deviceId,
        type: 'checkin',
        at: new Date().toISOString(),
        payload: { memberId: 'm-1001', cardUid: '04A1B2C3D4E5F6', ...over },
      };
    },
    async publishRaw(topic: string, payload: string | Buffer, opts: { retain?: boolean } = {}) {
      await client.publishAsync(topic, payload, { qos: 1, retain: opts.retain ?? false });
    },
    async publishEvent(event: EventEnvelope) {
      await client.publishAsync(topics.events(deviceId), JSON.stringify(event), { qos: 1 });
    },
    async acksFor(eventId: string, count: number) {
      return waitFor(() => {
        const mine = acks.filter((a) => a.eventId === eventId);
        return mine.length >= count ? mine : undefined;
      }, `${count} ack(s) for ${eventId}`);
    },
    async lookup(cardUid: string): Promise<RpcResult<'member.lookup'>> {
      const id = newId();
      await client.publishAsync(
        topics.rpcRequest(deviceId),
        JSON.stringify({ v: PROTOCOL_VERSION, id, method: 'member.lookup', params: { cardUid } }),
        { qos: 1 },
      );
      const res = await waitFor(() => responses.find((r) => r.id === id), `rpc response ${id}`);
      if (!res.ok) throw new Error(`rpc failed: ${res.error.code} ${res.error.message}`);
      return res.result as RpcResult<'member.lookup'>;
    },
    close: () => client.endAsync(),
  };
}

type Device = Awaited<ReturnType<typeof connectDevice>>;

async function counts(server: RunningServer) {
  return server.db.get<{ ledger: number; events: number; checkins: number }>(
    `SELECT (SELECT count(*) FROM points_ledger) AS ledger,
            (SELECT count(*) FROM processed_events) AS events,
            (SELECT count(*) FROM checkins) AS checkins`,
  );
}

/**
 * The same ingress and RPC behaviour must hold on the embedded broker and on Mosquitto, so both
 * suites run these tests.
 */
function ingressTests(
  ctx: () => { server: RunningServer; device: Device; deviceId: string; logs: LogLine[] },
) {
  it('applies a check-in once and acks a replay as a duplicate with the stored result', async () => {
    const { server, device } = ctx();
    const event = device.checkin();
    await device.publishEvent(event);
    await device.publishEvent(event);
    const acks = await device.acksFor(event.id, 2);
    expect(acks.map((a) => a.status)).toEqual(['applied', 'duplicate']);
    expect(acks[0]!.result).toEqual({ pointsAwarded: 10, balance: 130 });
    expect(acks[1]!.result).toEqual({ pointsAwarded: 10, balance: 130 });
    expect(
      await server.db.all('SELECT kind, points, cause FROM points_ledger WHERE event_id = ?', [event.id]),
    ).toEqual([{ kind: 'earn', points: 10, cause: 'checkin' }]);

    // A second check-in the same day is a different event: applied, but worth 0 points.
    const again = device.checkin();
    await device.publishEvent(again);
    const [ack] = await device.acksFor(again.id, 1);
    expect(ack).toMatchObject({ status: 'applied', result: { pointsAwarded: 0, balance: 130 } });
  });

  it('rejects events that can never apply, and keeps them rejected on replay', async () => {
    const { server, device } = ctx();
    const before = await counts(server);
    const unknown = device.checkin({ memberId: 'm-404' });
    await device.publishEvent(unknown);
    await device.publishEvent(unknown);
    const acks = await device.acksFor(unknown.id, 2);
    expect(acks.map((a) => [a.status, a.reason])).toEqual([
      ['rejected', 'unknown member m-404'],
      ['rejected', 'unknown member m-404'],
    ]);
    const foreignCard = device.checkin({ cardUid: '5A3C9E12' });
    await device.publishEvent(foreignCard);
    const [ack] = await device.acksFor(foreignCard.id, 1);
    expect(ack).toMatchObject({
      status: 'rejected',
      reason: 'card 5A3C9E12 does not belong to member m-1001',
    });
    const after = await counts(server);
    expect(after).toEqual({ ...before!, events: before!.events + 2 });
  });

  it('answers member.lookup with the member view, or found: false', async () => {
    const { device } = ctx();
    const found = await device.lookup('5a:3c:9e:12');
    expect(found).toMatchObject({
      found: true,
      member: { id: 'm-1003', number: 1003, displayName: 'مریم حسینی', tier: 'gold', points: 2450 },
    });
    if (found.found) expect(found.member.checkinPointsAvailable).toBe(10);
    expect(await device.lookup('DEADBEEF')).toEqual({ found: false });
  });

  it('answers an invalid request that carries an id with a bad-request error', async () => {
    const { device, deviceId } = ctx();
    const id = newId();
    await device.publishRaw(
      topics.rpcRequest(deviceId),
      JSON.stringify({ v: PROTOCOL_VERSION, id, method: 'member.lookup', params: { cardUid: 'zz' } }),
    );
    const res = await waitFor(() => device.responses.find((r) => r.id === id), 'error response');
    expect(res).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    if (!res.ok) expect(res.error.message).toMatch(/cardUid/);
  });

  it('logs and drops malformed, oversize and wrong-device events, changes nothing, and keeps answering', async () => {
    const { server, device, deviceId, logs } = ctx();
    const before = await counts(server);
    const eventsTopic = topics.events(deviceId);
    await device.publishRaw(eventsTopic, '{not json');
    await device.publishRaw(eventsTopic, JSON.stringify({ ...device.checkin(), pad: 'x'.repeat(70 * 1024) }));
    const impostor = { ...device.checkin(), deviceId: `other-${deviceId}`.slice(0, 63) };
    await device.publishEvent(impostor);
    await device.publishRaw(topics.rpcRequest(deviceId), 'garbage');

    const warned = (reason: RegExp) =>
      waitFor(
        () => logs.find((l) => l.level === 40 && l.topic !== undefined && reason.test(String(l.reason))),
        `a warning matching ${reason}`,
      );
    expect(await warned(/not valid JSON/)).toMatchObject({ topic: eventsTopic, deviceId });
    expect(await warned(/exceeds the 65536-byte limit/)).toMatchObject({ topic: eventsTopic });
    expect(await warned(/device id mismatch/)).toMatchObject({ topic: eventsTopic, eventId: impostor.id });

    // Still alive and answering on both paths.
    expect(await device.lookup('04112233445566')).toMatchObject({ found: true, member: { id: 'm-1002' } });
    const ok = device.checkin({ memberId: 'm-1002', cardUid: '04112233445566' });
    await device.publishEvent(ok);
    expect((await device.acksFor(ok.id, 1))[0]).toMatchObject({ status: 'applied' });
    expect(device.acks.some((a) => a.eventId === impostor.id)).toBe(false);
    const after = await counts(server);
    expect(after).toEqual({
      ledger: before!.ledger + 1,
      events: before!.events + 1,
      checkins: before!.checkins + 1,
    });
  });

  it('records device status and telemetry in the devices table', async () => {
    const { server, device, deviceId } = ctx();
    const at = new Date().toISOString();
    await device.publishRaw(
      topics.status(deviceId),
      JSON.stringify({ v: PROTOCOL_VERSION, state: 'online', at, agentVersion: '0.1.0-test' }),
      { retain: true },
    );
    const found = await eventually(
      () => server.db.get('SELECT status, agent_version FROM devices WHERE id = ?', [deviceId]),
      'the device row',
    );
    expect(found).toEqual({ status: 'online', agent_version: '0.1.0-test' });

    const telemetry = {
      v: PROTOCOL_VERSION,
      at: new Date().toISOString(),
      uptimeSec: 12,
      agentVersion: '0.1.1-test',
      reader: 'simulated',
      printer: 'none',
      outboxDepth: 0,
      oldestOutboxAgeSec: null,
      lastTapAt: null,
      memoryRssBytes: 1000,
      load1: 0.1,
    };
    await device.publishRaw(topics.telemetry(deviceId), JSON.stringify(telemetry));
    await eventually(
      () => server.db.get("SELECT 1 FROM devices WHERE id = ? AND agent_version = '0.1.1-test'", [deviceId]),
      'telemetry to update the device row',
    );
  });
}

describe('server over the embedded Aedes broker', () => {
  const deviceId = 'kiosk-test';
  const { logger, lines } = captureLogger();
  let running: Awaited<ReturnType<typeof startTestServer>>;
  let device: Device;

  beforeAll(async () => {
    running = await startTestServer(logger);
    device = await connectDevice(running.server.mqttUrl, deviceId);
  });
  afterAll(async () => {
    await device?.close();
    await running?.stop();
  });

  it('binds the ports it was given (0 = any free port) and reports them', () => {
    expect(running.server.httpUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(running.server.mqttUrl).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
    expect(running.server.mqttUrl).not.toMatch(/:0$/);
  });

  it('serves HTTP on the bound port', async () => {
    const res = await fetch(`${running.server.httpUrl}/healthz`);
    expect(await res.json()).toEqual({ ok: true, db: true, mqtt: true });
  });

  ingressTests(() => ({ server: running.server, device, deviceId, logs: lines }));
});

describe('server start-up and shutdown', () => {
  it('fails with a plain message when the MQTT port is taken', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      await expect(startTestServer(silentLogger, { MQTT_PORT: String(port) })).rejects.toThrow(
        `MQTT port ${port} on 127.0.0.1 is already in use (another broker, e.g. Mosquitto?). ` +
          'Set MQTT_PORT to a free port, or set MQTT_URL=mqtt://host:port to use that broker instead.',
      );
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });

  it('releases its ports on stop', async () => {
    const { server, stop } = await startTestServer(silentLogger);
    const mqttPort = Number(new URL(server.mqttUrl).port);
    const httpPort = Number(new URL(server.httpUrl).port);
    await stop();
    for (const port of [mqttPort, httpPort]) {
      const probe = net.createServer();
      await new Promise<void>((resolve, reject) => {
        probe.once('error', reject);
        probe.listen(port, '127.0.0.1', resolve);
      });
      await new Promise((r) => probe.close(r));
    }
  });
});

async function answers(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

// Locally Mosquitto is optional; in CI it is part of the environment, so its absence must fail.
const mosquittoUp = await answers(1883);
const mustRunMosquitto = process.env.CI === 'true';

describe.runIf(mosquittoUp || mustRunMosquitto)(
  mosquittoUp || mustRunMosquitto
    ? `server over Mosquitto at ${MOSQUITTO_URL} (MQTT_URL set, no embedded broker)`
    : `server over Mosquitto — skipped: nothing answers on ${MOSQUITTO_URL} (CI=true makes it required)`,
  () => {
    // Mosquitto keeps retained messages across runs: a fresh device id keeps runs apart.
    const deviceId = `kiosk-test-${runId}`;
    const { logger, lines } = captureLogger();
    let running: Awaited<ReturnType<typeof startTestServer>>;
    let device: Device;

    beforeAll(async () => {
      running = await startTestServer(logger, { MQTT_URL: MOSQUITTO_URL });
      device = await connectDevice(MOSQUITTO_URL, deviceId);
    });
    afterAll(async () => {
      // Clear the retained status this run left, so Mosquitto does not collect test devices.
      await device?.client.publishAsync(topics.status(deviceId), '', { qos: 1, retain: true });
      await device?.close();
      await running?.stop();
    });

    it('uses the external broker instead of starting one', () => {
      expect(running.server.mqttUrl).toBe(MOSQUITTO_URL);
    });

    ingressTests(() => ({ server: running.server, device, deviceId, logs: lines }));
  },
);
