import { join } from 'node:path';
import { type KioskEvent, KioskState, topics } from '@bashgah/protocol';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningAgent, startAgent } from '../src/agent.js';
import { loadAgentConfig } from '../src/config.js';
import { FakeServer, startBroker, type TestBroker, watchStatus } from './broker.js';
import { sampleMember, tempDir, waitFor } from './fixtures.js';

const DEVICE = 'kiosk-test';

describe('agent ↔ real MQTT broker', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
  });

  it('looks members up, drains check-ins on ack, survives a broker outage without loss, and reports status', async () => {
    const server = new FakeServer();
    const member = sampleMember({ points: 100 });
    server.members.set(member.cardUid, member);
    let broker: TestBroker = await startBroker(0, server);
    cleanups.push(() => broker.close());
    const dir = await tempDir('link');
    cleanups.push(dir.remove);
    const status = await watchStatus(broker.url, DEVICE);
    cleanups.push(status.close);

    const config = loadAgentConfig({
      DEVICE_ID: DEVICE,
      MQTT_URL: broker.url,
      API_PORT: '0',
      DATA_DIR: join(dir.path, 'data'),
      READER: 'sim',
      KIOSK_UI_DIR: join(dir.path, 'no-ui'),
      RPC_TIMEOUT_MS: '1500',
      // This test drives check-in through POST /api/checkin.
      AUTO_CHECKIN: 'false',
    });
    const warnings: Array<{ msg: string; topic?: string; error?: string }> = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line)) });
    const agent: RunningAgent = await startAgent(config, {
      logger,
      timing: { reconnectMinMs: 100, reconnectMaxMs: 400, resendAfterMs: 1000 },
    });
    cleanups.push(() => agent.stop());
    const checkins: KioskEvent[] = [];
    agent.bus.on('checkin', (e) => {
      checkins.push(e);
    });

    const state = async () => KioskState.parse(await (await fetch(`${agent.apiUrl}/api/state`)).json());
    const checkin = () =>
      fetch(`${agent.apiUrl}/api/checkin`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ memberId: member.id }),
      });

    await waitFor(async () => (await state()).online, 'the agent to come online');
    await waitFor(() => status.seen.includes('online'), 'the retained online status');

    // Garbage on the agent's own topics is dropped with a structured warning and changes nothing.
    await broker.inject(topics.acks(DEVICE), '{"v":1,"eventId":"nope","status":"applied"}');
    await broker.inject(topics.rpcResponse(DEVICE), 'not json');
    await waitFor(
      () => warnings.filter((w) => w.msg === 'dropped invalid MQTT message').length === 2,
      'drop logs',
    );
    expect(warnings.find((w) => w.topic === topics.acks(DEVICE))?.error).toMatch(/eventId/);

    // Tap → server lookup → session shows the member from the server.
    agent.simulator!.tap(member.cardUid);
    const s1 = await waitFor(async () => {
      const s = (await state()).session;
      return s.kind === 'member' && s.source === 'server' ? s : undefined;
    }, 'the member from the server');
    expect(s1.member.displayName).toBe(member.displayName);

    // Check-in → outbox row → ack → row gone, points shown.
    const res = await checkin();
    expect(res.status).toBe(202);
    const { eventId } = (await res.json()) as { eventId: string };
    await waitFor(async () => (await state()).outboxDepth === 0, 'the outbox to drain');
    await waitFor(
      () => checkins.find((e) => e.type === 'checkin' && e.status === 'applied'),
      'the applied ack',
    );
    expect(checkins.at(-1)).toMatchObject({ eventId, status: 'applied', pointsAwarded: 10, balance: 110 });
    expect((await state()).session).toMatchObject({ member: { points: 110, checkinPointsAvailable: 0 } });

    // Broker down: check-ins still answer 202 and queue durably.
    const port = broker.port;
    await broker.close();
    await waitFor(async () => !(await state()).online, 'the agent to notice the broker is gone');
    const queued: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await checkin();
      expect(r.status).toBe(202);
      queued.push(((await r.json()) as { eventId: string }).eventId);
    }
    expect((await state()).outboxDepth).toBe(3);

    // Broker back on the same port: everything drains, in order, each applied exactly once.
    broker = await startBroker(port, server);
    await waitFor(async () => (await state()).outboxDepth === 0, 'the backlog to drain', 15_000);
    expect(server.applied).toEqual([eventId, ...queued]);
    expect(new Set(server.applied).size).toBe(server.applied.length);
    const acked = checkins
      .filter((e) => e.type === 'checkin' && e.status !== 'queued')
      .map((e) => (e.type === 'checkin' ? e.eventId : ''));
    expect(acked).toEqual([eventId, ...queued]);

    // The agent's socket dies without a DISCONNECT: the broker publishes the offline will, and the
    // agent reconnects and says online again.
    await waitFor(() => status.seen.at(-1) === 'online', 'online after the broker restart');
    const before = status.seen.length;
    broker.clients.get(`bashgah-agent-${DEVICE}`)?.conn.destroy();
    await waitFor(() => status.seen.slice(before).includes('offline'), 'the last will');
    await waitFor(() => status.seen.at(-1) === 'online' && status.seen.length > before + 1, 'online again');

    // A clean stop says offline itself.
    await agent.stop();
    await waitFor(() => status.seen.at(-1) === 'offline', 'offline on stop');
  });
});
