/**
 * The device page's recent events: what the kiosk sent over MQTT, as the server applied it, through
 * GET /api/fleet/devices/:id and /events (type, time, outcome; no voucher token).
 */
import { type Ack, newId, PROTOCOL_VERSION, topics } from '@bashgah/protocol';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addOperator, operatorClient, startFleetServer } from './fleet-helpers.js';
import { silentLogger, waitFor } from './helpers.js';

describe('recent events of a device', () => {
  let s: Awaited<ReturnType<typeof startFleetServer>>;
  let device: MqttClient;
  const acks: Ack[] = [];
  const deviceId = 'kiosk-events-01';

  beforeAll(async () => {
    s = await startFleetServer(silentLogger);
    const { code } = await s.server.fleet.registry.create({ id: deviceId, store: 'tehran' }, 'test');
    const creds = await s.server.fleet.registry.enrol(code, {});
    device = await mqtt.connectAsync(s.server.mqttUrl, {
      clientId: `bashgah-agent-${deviceId}`,
      username: creds.mqtt.username,
      password: creds.mqtt.password,
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    device.on('message', (_t, payload) => acks.push(JSON.parse(payload.toString()) as Ack));
    await device.subscribeAsync(topics.acks(deviceId), { qos: 1 });
    await addOperator(s.server, 'watcher', 'watcher-password-1', 'viewer');
  });
  afterAll(async () => {
    await device?.endAsync(true);
    await s?.stop();
  });

  it('lists type, time and result, newest first, for viewers', async () => {
    const send = async (memberId: string, cardUid: string) => {
      const id = newId();
      await device.publishAsync(
        topics.events(deviceId),
        JSON.stringify({
          v: PROTOCOL_VERSION,
          id,
          deviceId,
          type: 'checkin',
          at: new Date().toISOString(),
          payload: { memberId, cardUid },
        }),
        { qos: 1 },
      );
      await waitFor(() => acks.find((a) => a.eventId === id), `ack of ${id}`);
      return id;
    };
    const applied = await send('m-1001', '04A1B2C3D4E5F6');
    const rejected = await send('m-9999', '04A1B2C3D4E5F6');

    const { call } = await operatorClient(s.server.httpUrl, 'watcher', 'watcher-password-1');
    const detail = await call('GET', `/api/fleet/devices/${deviceId}`);
    expect(detail.status).toBe(200);
    expect(detail.body.events).toHaveLength(2);
    expect(detail.body.events[0]).toMatchObject({
      eventId: rejected,
      type: 'checkin',
      status: 'rejected',
      reason: expect.stringContaining('m-9999'),
    });
    expect(detail.body.events[1]).toMatchObject({
      eventId: applied,
      type: 'checkin',
      status: 'applied',
      pointsAwarded: s.config.checkinPoints,
    });
    expect(Date.parse(detail.body.events[1].processedAt)).toBeGreaterThan(Date.now() - 60_000);

    const page = await call('GET', `/api/fleet/devices/${deviceId}/events?limit=1`);
    expect(page.body.events.map((e: { eventId: string }) => e.eventId)).toEqual([rejected]);
    expect((await call('GET', `/api/fleet/devices/${deviceId}/events?limit=0`)).status).toBe(400);
    // Another device's page does not show these.
    expect((await call('GET', '/api/fleet/devices/kiosk-other/events')).body.events).toEqual([]);
  });

  it('is refused without a login', async () => {
    const r = await fetch(`${s.server.httpUrl}/api/fleet/devices/${deviceId}/events`);
    expect(r.status).toBe(401);
  });
});
