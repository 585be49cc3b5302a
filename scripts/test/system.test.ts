/**
 * Agent and server together over a real broker: the embedded Aedes, and the machine's Mosquitto
 * on 127.0.0.1:1883 (required in CI). A tap travels reader → agent → MQTT RPC → server and back
 * to the kiosk's SSE stream; a check-in travels outbox → MQTT → exactly-once ingress → ack.
 */
import { Ack, decodeMessage, type KioskSession, topics } from '@bashgah/protocol';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEventStream, type RunningSystem, startSystem } from '../src/lib/system.js';
import { inCi, mosquittoMissing, shouldRun } from './services.js';

const brokers = [
  { name: 'embedded Aedes', url: undefined as string | undefined, missing: undefined as string | undefined },
  { name: 'Mosquitto on 127.0.0.1:1883', url: 'mqtt://127.0.0.1:1883', missing: await mosquittoMissing() },
];

const SARA = { uid: '04A1B2C3D4E5F6', memberId: 'm-1001', name: 'سارا احمدی', points: 120 };

for (const broker of brokers) {
  describe.runIf(shouldRun(`system over ${broker.name}`, broker.missing))(
    `agent + server over ${broker.name}`,
    () => {
      let sys: RunningSystem;
      let stream: Awaited<ReturnType<typeof openEventStream>>;
      let spy: mqtt.MqttClient;
      const published: Array<{ topic: string; payload: Buffer }> = [];
      // Mosquitto keeps retained status between runs: a fresh device id per run keeps them apart.
      const deviceId = `kiosk-it-${process.pid}-${Date.now().toString(36)}`;

      beforeAll(async () => {
        if (broker.missing && inCi) throw new Error(`this test must run in CI, but ${broker.missing}`);
        sys = await startSystem({ mqttUrl: broker.url, deviceId });
        stream = await openEventStream(sys.agent.apiUrl);
        spy = await mqtt.connectAsync(sys.server.mqttUrl, { clientId: `spy-${deviceId}`, clean: true });
        await spy.subscribeAsync([topics.events(deviceId), topics.acks(deviceId)], { qos: 1 });
        spy.on('message', (topic, payload) => published.push({ topic, payload }));
      });

      afterAll(async () => {
        stream?.close();
        await spy?.endAsync();
        await sys?.stop();
      });

      const tap = (uid: string) =>
        fetch(`${sys.agent.apiUrl}/sim/tap`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ uid }),
        });
      const sessionOf = (e: { event: string; data: unknown }) =>
        e.event === 'session' ? (e.data as { session: KioskSession }).session : undefined;

      it('a tap shows the member, fresh from the server', async () => {
        const from = stream.events.length;
        expect((await tap(SARA.uid)).status).toBeLessThan(300);
        const fresh = await stream.next(
          (e) => {
            const s = sessionOf(e);
            return s?.kind === 'member' && s.source === 'server';
          },
          { from },
        );
        const session = sessionOf(fresh);
        expect(session).toMatchObject({
          kind: 'member',
          member: { id: SARA.memberId, displayName: SARA.name, points: SARA.points },
        });
        const state = await (await fetch(`${sys.agent.apiUrl}/api/state`)).json();
        expect(state).toMatchObject({ deviceId, online: true, session: { kind: 'member' } });
      });

      it('applies a check-in once, even when the same event is published twice', async () => {
        const from = stream.events.length;
        const res = await fetch(`${sys.agent.apiUrl}/api/checkin`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ memberId: SARA.memberId }),
        });
        expect(res.status).toBe(202);
        const { eventId } = (await res.json()) as { eventId: string };
        const applied = await stream.next(
          (e) => e.event === 'checkin' && (e.data as { status: string }).status !== 'queued',
          { from },
        );
        expect(applied.data).toMatchObject({
          eventId,
          status: 'applied',
          pointsAwarded: 10,
          balance: SARA.points + 10,
        });

        const ledgerRows = () =>
          sys.server.db.all<{ points: number }>('SELECT points FROM points_ledger WHERE event_id = ?', [
            eventId,
          ]);
        expect(await ledgerRows()).toEqual([{ points: 10 }]);

        // Replay the exact bytes the agent sent, as a broker redelivery or a resend after a lost ack would.
        const sent = published.find(
          (m) => m.topic === topics.events(deviceId) && m.payload.toString().includes(eventId),
        );
        expect(sent, 'the spy saw the agent publish the event').toBeDefined();
        await spy.publishAsync(topics.events(deviceId), sent!.payload, { qos: 1 });
        const acksFor = () =>
          published
            .filter((m) => m.topic === topics.acks(deviceId))
            .map((m) => decodeMessage(Ack, m.payload))
            .flatMap((r) => (r.ok && r.value.eventId === eventId ? [r.value.status] : []));
        const deadline = Date.now() + 5_000;
        while (!acksFor().includes('duplicate') && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 20));
        expect(acksFor()).toEqual(['applied', 'duplicate']);
        expect(await ledgerRows()).toEqual([{ points: 10 }]);
        const balance = await sys.server.db.get<{ points: number }>(
          'SELECT points FROM balances WHERE member_id = ?',
          [SARA.memberId],
        );
        expect(balance?.points).toBe(SARA.points + 10);
        const state = (await (await fetch(`${sys.agent.apiUrl}/api/state`)).json()) as {
          outboxDepth: number;
        };
        expect(state.outboxDepth).toBe(0);
      });

      it('an unknown card shows the unknown-card screen', async () => {
        const from = stream.events.length;
        await tap('DEADBEEF');
        const unknown = await stream.next((e) => sessionOf(e)?.kind === 'unknown-card', { from });
        expect(sessionOf(unknown)).toMatchObject({ kind: 'unknown-card', cardUid: 'DEADBEEF' });
      });

      it('the server records the device online with its retained status', async () => {
        const deadline = Date.now() + 5_000;
        let row: { status: string } | undefined;
        while (Date.now() < deadline) {
          row = await sys.server.db.get<{ status: string }>('SELECT status FROM devices WHERE id = ?', [
            deviceId,
          ]);
          if (row?.status === 'online') break;
          await new Promise((r) => setTimeout(r, 50));
        }
        expect(row?.status).toBe('online');
      });
    },
  );
}
