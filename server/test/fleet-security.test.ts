import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type EnrolResponse, type EventEnvelope, newId, PROTOCOL_VERSION, topics } from '@bashgah/protocol';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeMosquittoFiles } from '../src/fleet/mosquitto.js';
import type { RunningServer } from '../src/server.js';
import {
  addOperator,
  hasMosquitto,
  operatorClient,
  startFleetServer,
  startMosquitto,
  tryConnect,
} from './fleet-helpers.js';
import { captureLogger, eventually, silentLogger, tempDb, waitFor } from './helpers.js';

const CI = process.env.CI === 'true';

interface Ctx {
  server: RunningServer;
  mqttUrl: string;
  /** Creates and enrols a device through the HTTP API, as an operator and a kiosk would. */
  enrolDevice(id: string): Promise<EnrolResponse>;
  /** Waits until the broker accepts these credentials (Mosquitto reloads its files asynchronously). */
  settle(creds: EnrolResponse): Promise<void>;
  /** Embedded Aedes closes a client that publishes outside its subtree; Mosquitto drops silently. */
  broker: 'aedes' | 'mosquitto';
}

function checkin(deviceId: string): EventEnvelope {
  return {
    v: PROTOCOL_VERSION,
    id: newId(),
    deviceId,
    type: 'checkin',
    at: new Date().toISOString(),
    payload: { memberId: 'm-1001', cardUid: '04A1B2C3D4E5F6' },
  };
}

const connectAs = (url: string, creds: EnrolResponse, clientId = `bashgah-agent-${creds.deviceId}`) =>
  tryConnect(url, { clientId, username: creds.mqtt.username, password: creds.mqtt.password, clean: true });

function collect(client: MqttClient) {
  const got: Array<{ topic: string; payload: string }> = [];
  client.on('message', (topic, payload) => got.push({ topic, payload: payload.toString() }));
  return got;
}

function aclTests(ctx: () => Ctx) {
  let a: EnrolResponse;
  let b: EnrolResponse;
  const suffix = newId().slice(-6).toLowerCase();

  beforeAll(async () => {
    a = await ctx().enrolDevice(`acl-a-${suffix}`);
    b = await ctx().enrolDevice(`acl-b-${suffix}`);
    await ctx().settle(a);
    await ctx().settle(b);
  });

  it('refuses anonymous clients, wrong passwords and unknown users', async () => {
    const { mqttUrl } = ctx();
    await expect(tryConnect(mqttUrl, { clientId: `anon-${suffix}` })).rejects.toThrow();
    await expect(
      tryConnect(mqttUrl, {
        clientId: `bashgah-agent-${a.deviceId}`,
        username: a.deviceId,
        password: 'wrong-password-123',
      }),
    ).rejects.toThrow();
    await expect(
      tryConnect(mqttUrl, {
        clientId: 'bashgah-agent-nobody',
        username: 'nobody',
        password: a.mqtt.password,
      }),
    ).rejects.toThrow();
  });

  it("lets a device use its own subtree but not read another device's topics", async () => {
    const { mqttUrl, server } = ctx();
    const ca = await connectAs(mqttUrl, a);
    const cb = await connectAs(mqttUrl, b);
    try {
      const gotA = collect(ca);
      const gotB = collect(cb);
      const own = await ca.subscribeAsync(topics.acks(a.deviceId), { qos: 1 });
      expect(own[0]?.qos).toBe(1);
      const foreign = await ca
        .subscribeAsync([topics.acks(b.deviceId), topics.command(b.deviceId)], { qos: 1 })
        .then(
          (granted) => granted.map((g) => g.qos),
          (err: Error) => err.message,
        );
      // Aedes answers 0x80 (mqtt.js rejects); Mosquitto may grant and deliver nothing: either way
      // A must never see B's traffic, which is what is asserted below.
      if (ctx().broker === 'aedes') expect(foreign).toMatch(/Subscribe error/);
      await cb.subscribeAsync(topics.acks(b.deviceId), { qos: 1 });

      // Positive control: B's own event is applied and acked to B only.
      const event = checkin(b.deviceId);
      await cb.publishAsync(topics.events(b.deviceId), JSON.stringify(event), { qos: 1 });
      await waitFor(() => gotB.find((m) => m.payload.includes(event.id)), "B's ack");
      await new Promise((r) => setTimeout(r, 200));
      expect(gotA.filter((m) => m.topic.includes(b.deviceId))).toEqual([]);
      expect(
        await server.db.get('SELECT 1 AS x FROM processed_events WHERE event_id = ?', [event.id]),
      ).toEqual({ x: 1 });
    } finally {
      await ca.endAsync(true).catch(() => {});
      await cb.endAsync(true).catch(() => {});
    }
  });

  it('does not let a device publish as another device', async () => {
    const { mqttUrl, server } = ctx();
    const ca = await connectAs(mqttUrl, a);
    // On B's topic: refused by the broker (Aedes closes the connection, Mosquitto drops it).
    const spoofed = checkin(b.deviceId);
    ca.publish(topics.events(b.deviceId), JSON.stringify(spoofed), { qos: 1 }, () => {});
    await new Promise((r) => setTimeout(r, 300));
    ca.end(true);
    // On its own topic but naming B: refused by the server's ingress.
    const named = checkin(b.deviceId);
    const again = await connectAs(mqttUrl, a);
    await again.publishAsync(topics.events(a.deviceId), JSON.stringify(named), { qos: 1 });
    await new Promise((r) => setTimeout(r, 400));
    await again.endAsync(true);
    const rows = await server.db.all('SELECT event_id FROM processed_events WHERE event_id IN (?, ?)', [
      spoofed.id,
      named.id,
    ]);
    expect(rows).toEqual([]);
  });

  it('revoking a device drops its live connection and refuses it from then on', async () => {
    const { mqttUrl, server } = ctx();
    const c = await connectAs(mqttUrl, a);
    const closed = new Promise<void>((r) => c.once('close', () => r()));
    await server.fleet.registry.revoke(a.deviceId, 'test');
    await Promise.race([
      closed,
      new Promise((_, rej) =>
        setTimeout(() => rej(new Error('revoked client still connected after 5 s')), 5000),
      ),
    ]);
    c.end(true);
    await expect(connectAs(mqttUrl, a)).rejects.toThrow();
    // B is unaffected.
    const cb = await connectAs(mqttUrl, b);
    await cb.endAsync(true);
  });
}

async function enrolVia(
  httpUrl: string,
  call: Awaited<ReturnType<typeof operatorClient>>['call'],
  id: string,
) {
  const created = await call('POST', '/api/fleet/devices', { id, name: id, store: 'test-store' });
  expect(created.status).toBe(201);
  const res = await fetch(`${httpUrl}/api/enrol`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code: created.body.code }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as EnrolResponse;
}

describe('device security on the embedded Aedes broker (MQTT_AUTH=devices)', () => {
  let s: Awaited<ReturnType<typeof startFleetServer>>;
  let call: Awaited<ReturnType<typeof operatorClient>>['call'];
  beforeAll(async () => {
    s = await startFleetServer(captureLogger().logger);
    await addOperator(s.server, 'root', 'root-password-1', 'admin');
    ({ call } = await operatorClient(s.server.httpUrl, 'root', 'root-password-1'));
  });
  afterAll(() => s?.stop());

  aclTests(() => ({
    server: s.server,
    mqttUrl: s.server.mqttUrl,
    enrolDevice: (id) => enrolVia(s.server.httpUrl, call, id),
    settle: async () => {},
    broker: 'aedes',
  }));

  it("refuses a device's credentials under another device's client id (session takeover)", async () => {
    const a = await enrolVia(s.server.httpUrl, call, `takeover-a-${newId().slice(-5).toLowerCase()}`);
    await expect(connectAs(s.server.mqttUrl, a, 'bashgah-agent-some-other-kiosk')).rejects.toThrow();
    const ok = await connectAs(s.server.mqttUrl, a);
    await ok.endAsync(true);
  });

  it('an enrolment code works once, and an expired or unknown code is refused the same way', async () => {
    const created = await call('POST', '/api/fleet/devices', {
      id: `once-${newId().slice(-5).toLowerCase()}`,
    });
    const enrol = (code: string) =>
      fetch(`${s.server.httpUrl}/api/enrol`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code }),
      });
    expect((await enrol(created.body.code)).status).toBe(200);
    const again = await enrol(created.body.code);
    expect(again.status).toBe(403);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe('enrolment-refused');
    expect((await enrol('ABCD-EFGH-JKMN-PQRS')).status).toBe(403);
    expect((await enrol('not a code')).status).toBe(400);
    // Expiry: move the stored expiry into the past.
    const fresh = await call('POST', `/api/fleet/devices/${created.body.device.id}/enrolment-code`);
    await s.server.db.run(
      "UPDATE device_enrolments SET expires_at = '2000-01-01T00:00:00.000Z' WHERE used_at IS NULL",
    );
    expect((await enrol(fresh.body.code)).status).toBe(403);
  });
});

describe.skipIf(!hasMosquitto && !CI)(
  'device security on a real Mosquitto with generated password and ACL files',
  () => {
    let s: Awaited<ReturnType<typeof startFleetServer>>;
    let mosq: Awaited<ReturnType<typeof startMosquitto>>;
    let dir: string;
    let call: Awaited<ReturnType<typeof operatorClient>>['call'];
    const service = { username: 'bashgah-server', password: `svc-${newId()}` };

    beforeAll(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'bashgah-mosq-'));
      const files = { passwordFile: path.join(dir, 'passwd'), aclFile: path.join(dir, 'acl'), dir };
      // Mosquitto needs the service account before the server can connect: files from an empty fleet.
      const empty = await tempDb();
      await writeMosquittoFiles(empty.db, { ...files, service });
      await empty.cleanup();
      mosq = await startMosquitto(files);
      s = await startFleetServer(silentLogger, {
        MQTT_URL: mosq.url,
        MQTT_USERNAME: service.username,
        MQTT_PASSWORD: service.password,
        MOSQUITTO_PASSWORD_FILE: files.passwordFile,
        MOSQUITTO_ACL_FILE: files.aclFile,
        MOSQUITTO_PID_FILE: mosq.pidFile,
      });
      await addOperator(s.server, 'root', 'root-password-1', 'admin');
      ({ call } = await operatorClient(s.server.httpUrl, 'root', 'root-password-1'));
    });
    afterAll(async () => {
      await s?.stop();
      await mosq?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('writes a 0600 password file in Mosquitto $7$ format and a %u pattern ACL', async () => {
      const mode = (await stat(path.join(dir, 'passwd'))).mode & 0o777;
      expect(mode).toBe(0o600);
      expect(await readFile(path.join(dir, 'passwd'), 'utf8')).toMatch(/^bashgah-server:\$7\$\d+\$/);
      expect(await readFile(path.join(dir, 'acl'), 'utf8')).toContain(
        'pattern readwrite club/v1/devices/%u/#',
      );
    });

    aclTests(() => ({
      server: s.server,
      mqttUrl: mosq.url,
      enrolDevice: (id) => enrolVia(s.server.httpUrl, call, id),
      settle: async (creds) => {
        await eventually(
          () =>
            connectAs(mosq.url, creds).then(
              (c) => c.endAsync(true).then(() => true),
              () => undefined,
            ),
          `mosquitto to accept ${creds.deviceId} after reloading its password file`,
        );
      },
      broker: 'mosquitto',
    }));
  },
);
