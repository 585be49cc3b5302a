import { join } from 'node:path';
import { type EventEnvelope, newId, topics } from '@bashgah/protocol';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir, waitFor } from '../../test/fixtures.js';
import type { AgentEvents } from '../agent-events.js';
import { EventBus } from '../event-bus.js';
import { Outbox } from '../store/outbox.js';
import { Sqlite } from '../store/sqlite.js';
import type { Link } from './mqtt-link.js';
import { Sync } from './sync.js';

/** Records publishes; the real MqttLink is exercised with a broker in test/link.test.ts. */
class RecordingLink implements Link {
  isOnline = false;
  sent: Array<{ topic: string; id: string }> = [];
  online() {
    return this.isOnline;
  }
  async publish(topic: string, message: unknown) {
    this.sent.push({ topic, id: (message as EventEnvelope).id });
  }
}

const envelope = (): EventEnvelope => ({
  v: 1,
  id: newId(),
  deviceId: 'kiosk-01',
  type: 'checkin',
  at: new Date().toISOString(),
  payload: { memberId: 'm1', cardUid: '04A1B2C3' },
});

async function setup() {
  const dir = await tempDir('sync');
  const db = await Sqlite.open(join(dir.path, 'agent.db'));
  const outbox = await Outbox.open(db);
  const bus = new EventBus<AgentEvents>((_e, err) => {
    throw err;
  });
  const link = new RecordingLink();
  const sync = new Sync({
    deviceId: 'kiosk-01',
    outbox,
    link,
    bus,
    logger: pino({ level: 'silent' }),
    resendAfterMs: 300,
  });
  const close = async () => {
    await sync.stop();
    await db.close();
    await dir.remove();
  };
  return { outbox, bus, link, sync, close };
}

describe('Sync', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => close?.());

  it('sends nothing offline, then everything in order once online, and resends unacked rows', async () => {
    const t = await setup();
    close = t.close;
    const rows = [envelope(), envelope(), envelope()];
    for (const r of rows) await t.outbox.add(r);
    t.sync.start();
    await t.sync.idle();
    expect(t.link.sent).toEqual([]);

    t.link.isOnline = true;
    t.bus.emit('link.online', true);
    await waitFor(() => t.link.sent.length >= 3, 'the first send');
    expect(t.link.sent.slice(0, 3)).toEqual(
      rows.map((r) => ({ topic: topics.events('kiosk-01'), id: r.id })),
    );

    // Only the first is acked; the others come round again after resendAfterMs, still in order.
    t.bus.emit('link.ack', { v: 1, eventId: rows[0]!.id, status: 'applied' });
    await waitFor(() => t.link.sent.length >= 5, 'the resend');
    expect(t.link.sent.slice(3, 5).map((s) => s.id)).toEqual([rows[1]!.id, rows[2]!.id]);
    expect(await t.outbox.depth()).toBe(2);
  });

  it('deletes a row on any final ack, rejected included, and emits each ack once', async () => {
    const t = await setup();
    close = t.close;
    const [a, b] = [envelope(), envelope()];
    await t.outbox.add(a);
    await t.outbox.add(b);
    const acked: string[] = [];
    t.bus.on('sync.acked', ({ ack }) => {
      acked.push(`${ack.eventId}:${ack.status}`);
    });
    t.bus.emit('link.ack', { v: 1, eventId: a.id, status: 'rejected', reason: 'unknown member' });
    t.bus.emit('link.ack', { v: 1, eventId: b.id, status: 'duplicate' });
    t.bus.emit('link.ack', { v: 1, eventId: b.id, status: 'duplicate' });
    await waitFor(async () => (await t.outbox.depth()) === 0, 'the rows to go');
    await new Promise((r) => setTimeout(r, 50));
    expect(acked).toEqual([`${a.id}:rejected`, `${b.id}:duplicate`]);
  });

  it('falls back to the default resend time when the agent passes undefined, and re-sends a row sent before a reconnect', async () => {
    // The agent hands its optional timings straight through; unset ones arrive as undefined.
    const dir = await tempDir('sync-defaults');
    const db = await Sqlite.open(join(dir.path, 'agent.db'));
    let now = 1_000_000;
    const outbox = await Outbox.open(db, { now: () => now });
    const bus = new EventBus<AgentEvents>((_e, err) => {
      throw err;
    });
    const link = new RecordingLink();
    const sync = new Sync({
      deviceId: 'kiosk-01',
      outbox,
      link,
      bus,
      logger: pino({ level: 'silent' }),
      resendAfterMs: undefined,
      now: () => now,
    });
    close = async () => {
      await sync.stop();
      await db.close();
      await dir.remove();
    };
    const row = envelope();
    await outbox.add(row);
    link.isOnline = true;
    bus.emit('link.online', true);
    sync.start();
    await waitFor(() => link.sent.length === 1, 'the first send');
    // 29 s later, same connection: not yet due again.
    now += 29_000;
    sync.trigger();
    await sync.idle();
    expect(link.sent).toHaveLength(1);
    // The connection drops and comes back: anything sent on the old socket goes again.
    link.isOnline = false;
    bus.emit('link.online', false);
    now += 1_000;
    link.isOnline = true;
    bus.emit('link.online', true);
    await waitFor(() => link.sent.length === 2, 'the resend after the reconnect');
    expect(link.sent.map((s) => s.id)).toEqual([row.id, row.id]);
  });

  it('sends once more, shortly after a reconnect, what it sent since and is still unacked', async () => {
    // A broker that has just restarted drops events until the server has subscribed again.
    const dir = await tempDir('sync-settle');
    const db = await Sqlite.open(join(dir.path, 'agent.db'));
    const outbox = await Outbox.open(db);
    const bus = new EventBus<AgentEvents>((_e, err) => {
      throw err;
    });
    const link = new RecordingLink();
    const sync = new Sync({
      deviceId: 'kiosk-01',
      outbox,
      link,
      bus,
      logger: pino({ level: 'silent' }),
      settleResendMs: 1_500,
    });
    close = async () => {
      await sync.stop();
      await db.close();
      await dir.remove();
    };
    const [lost, acked] = [envelope(), envelope()];
    await outbox.add(lost);
    await outbox.add(acked);
    sync.start();
    link.isOnline = true;
    bus.emit('link.online', true);
    await waitFor(() => link.sent.length === 2, 'the first send');
    bus.emit('link.ack', { v: 1, eventId: acked.id, status: 'applied' });
    await waitFor(() => link.sent.length === 3, 'the settle resend', 4_000);
    expect(link.sent[2]!.id).toBe(lost.id);
    // Once: the regular resend (30 s) takes over from there.
    await new Promise((r) => setTimeout(r, 1_800));
    expect(link.sent).toHaveLength(3);
  });
});
