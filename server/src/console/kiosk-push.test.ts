import {
  type CommandRequest,
  CommandRequest as CommandRequestSchema,
  PROTOCOL_VERSION,
  topics,
} from '@bashgah/protocol';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addOperator, operatorClient, startFleetServer, tryConnect } from '../../test/fleet-helpers.js';
import { eventually, silentLogger, waitFor } from '../../test/helpers.js';
import { createReward } from '../engine/rewards.js';
import { buildCatalog } from './kiosk-push.js';

/**
 * A kiosk that was offline when the catalog went out, for longer than the command lives, gets the
 * current catalog when it comes back: the real server, its embedded broker, and an MQTT client in
 * the kiosk's place (clean session, so nothing the broker queued survives, as after a long outage).
 */
describe('catalog push to a kiosk back from a long outage', () => {
  let srv: Awaited<ReturnType<typeof startFleetServer>>;
  let api: Awaited<ReturnType<typeof operatorClient>>;
  const DEVICE = 'kiosk-away';
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    srv = await startFleetServer(silentLogger, { MQTT_AUTH: 'open' });
    await addOperator(srv.server, 'otto', 'otto-password-1', 'operator');
    api = await operatorClient(srv.server.httpUrl, 'otto', 'otto-password-1');
  });
  afterAll(async () => {
    for (const c of clients) await c.endAsync(true);
    await srv.stop();
  });

  /** The kiosk: answers every command as the agent does and records what it got. */
  async function kioskOnline(received: CommandRequest[]) {
    const c = await tryConnect(srv.server.mqttUrl, { clientId: DEVICE, clean: true });
    clients.push(c);
    c.on('message', (topic, payload) => {
      if (topic !== topics.command(DEVICE)) return;
      const cmd = CommandRequestSchema.parse(JSON.parse(payload.toString()));
      received.push(cmd);
      const result =
        cmd.command === 'push-catalog'
          ? { version: cmd.params.catalog.version, items: cmd.params.catalog.items.length }
          : {};
      void c.publishAsync(
        topics.commandResult(DEVICE),
        JSON.stringify({
          v: PROTOCOL_VERSION,
          id: cmd.id,
          command: cmd.command,
          status: 'ok',
          at: new Date().toISOString(),
          result,
        }),
        { qos: 1 },
      );
    });
    await c.subscribeAsync(topics.command(DEVICE), { qos: 1 });
    await c.publishAsync(
      topics.status(DEVICE),
      JSON.stringify({ v: PROTOCOL_VERSION, state: 'online', at: new Date().toISOString() }),
      { qos: 1, retain: true },
    );
    return c;
  }

  async function kioskOffline(c: MqttClient) {
    await c.publishAsync(
      topics.status(DEVICE),
      JSON.stringify({ v: PROTOCOL_VERSION, state: 'offline', at: new Date().toISOString() }),
      { qos: 1, retain: true },
    );
    await c.endAsync();
    await eventually(
      async () =>
        (await srv.server.db.get<{ status: string }>('SELECT status FROM devices WHERE id = ?', [DEVICE]))
          ?.status === 'offline'
          ? true
          : undefined,
      'the kiosk to be offline',
    );
  }

  it('sends the current catalog when it is back, and nothing when it already has it', async () => {
    const db = srv.server.db;
    await createReward(db, { id: 'mug', name: { fa: 'لیوان', en: 'Mug' }, pointsCost: 100, minTier: null });
    const first: CommandRequest[] = [];
    let kiosk = await kioskOnline(first);
    await eventually(
      async () =>
        (await db.get('SELECT 1 AS x FROM devices WHERE id = ? AND status = ?', [DEVICE, 'online']))
          ? true
          : undefined,
      'the kiosk to be online',
    );
    // The club has never pushed: coming online asks for nothing.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(first).toEqual([]);
    expect((await api.call('POST', '/api/console/programme/push')).status).toBe(200);
    await waitFor(
      () => (first.some((c) => c.command === 'push-catalog') ? true : undefined),
      'the first push',
    );
    await eventually(
      async () =>
        (await db.get("SELECT 1 AS x FROM device_commands WHERE device_id = ? AND status = 'pending'", [
          DEVICE,
        ]))
          ? undefined
          : true,
      'the kiosk to answer the first push',
    );
    await kioskOffline(kiosk);

    // While it is away: a new reward and a push it cannot receive, which then outlives its day.
    await createReward(db, { id: 'tote', name: { fa: 'کیف', en: 'Tote' }, pointsCost: 300, minTier: null });
    const push = await api.call('POST', '/api/console/programme/push');
    expect(push.status).toBe(200);
    await db.run(
      "UPDATE device_commands SET expires_at = '2000-01-01T00:00:00.000Z' WHERE device_id = ? AND status = 'pending'",
      [DEVICE],
    );
    expect(await srv.server.fleet.commands.expire()).toBeGreaterThan(0);

    const back: CommandRequest[] = [];
    kiosk = await kioskOnline(back);
    const current = await buildCatalog(db, new Date());
    const got = await waitFor(
      () => back.find((c) => c.command === 'push-catalog'),
      'the current catalog after coming back',
    );
    expect(got.command === 'push-catalog' && got.params.catalog.version).toBe(current.version);
    expect(got.command === 'push-catalog' && got.params.catalog.items.map((i) => i.id).sort()).toEqual([
      'mug',
      'tote',
    ]);
    expect(Date.parse(got.expiresAt)).toBeGreaterThan(Date.now());
    await eventually(
      async () =>
        (await db.get("SELECT 1 AS x FROM device_commands WHERE device_id = ? AND status = 'pending'", [
          DEVICE,
        ]))
          ? undefined
          : true,
      'the kiosk to answer',
    );

    // Up to date now: another outage and return sends nothing.
    await kioskOffline(kiosk);
    const again: CommandRequest[] = [];
    kiosk = await kioskOnline(again);
    await eventually(
      async () =>
        (await db.get('SELECT 1 AS x FROM devices WHERE id = ? AND status = ?', [DEVICE, 'online']))
          ? true
          : undefined,
      'the kiosk to be online again',
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(again).toEqual([]);
  });
});
