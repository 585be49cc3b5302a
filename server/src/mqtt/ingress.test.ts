import { type Ack, type EventEnvelope, newId, PROTOCOL_VERSION, topics } from '@bashgah/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger, tempDb } from '../../test/helpers.js';
import type { Queryable } from '../db/sqlite.js';
import { SqliteDb } from '../db/sqlite.js';
import { seedDemo } from '../seed.js';
import { createIngress } from './ingress.js';

const now = new Date('2025-05-01T08:00:00.000Z');
const policy = { points: 10, timeZone: 'Asia/Tehran' };

const checkin = (deviceId: string, memberId = 'm-1001', cardUid = '04A1B2C3D4E5F6'): EventEnvelope => ({
  v: PROTOCOL_VERSION,
  id: newId(),
  deviceId,
  type: 'checkin',
  at: now.toISOString(),
  payload: { memberId, cardUid },
});

/**
 * Group commit in the ingress: events that arrive together are applied in one transaction, acked
 * only after it commits, and one failing event costs only itself an ack.
 */
describe('ingress batching', () => {
  let t: Awaited<ReturnType<typeof tempDb>>;
  /** A second connection: sees only what the ingress has committed. */
  let reader: SqliteDb;
  beforeEach(async () => {
    t = await tempDb();
    await seedDemo(t.db, now);
    reader = await SqliteDb.open(t.db.file);
  });
  afterEach(async () => {
    await reader.close();
    await t.cleanup();
  });

  const processedIds = async (db: Queryable) =>
    (await db.all<{ event_id: string }>('SELECT event_id FROM processed_events ORDER BY event_id')).map(
      (r) => r.event_id,
    );

  it('applies a burst in few transactions, each event once, acking only what is committed', async () => {
    const acks: Array<{ topic: string; ack: Ack; committed: boolean }> = [];
    const onEvent = createIngress({
      db: t.db,
      policy,
      logger: silentLogger,
      now: () => now,
      maxBatch: 50,
      publish: async (topic, message) => {
        const ack = message as Ack;
        const row = await reader.get('SELECT 1 AS ok FROM processed_events WHERE event_id = ?', [
          ack.eventId,
        ]);
        acks.push({ topic, ack, committed: row !== undefined });
      },
    });
    const events = Array.from({ length: 120 }, (_, i) =>
      checkin(
        `kiosk-${String(i % 6).padStart(2, '0')}`,
        i % 2 ? 'm-1001' : 'm-1003',
        i % 2 ? '04A1B2C3D4E5F6' : '5A3C9E12',
      ),
    );
    const send = (e: EventEnvelope) =>
      onEvent(e.deviceId, topics.events(e.deviceId), Buffer.from(JSON.stringify(e)));
    // A redelivery inside the same burst, and one from another device reusing an id.
    const copy = events[7]!;
    const thief = { ...events[8]!, deviceId: 'kiosk-99' };
    await Promise.all([...events.map(send), send(copy), send(thief)]);

    expect(onEvent.stats.batches).toBeLessThanOrEqual(4);
    expect(onEvent.stats.events).toBe(122);
    expect(acks).toHaveLength(122);
    expect(acks.every((a) => a.committed)).toBe(true);
    expect(await processedIds(reader)).toEqual(events.map((e) => e.id).sort());
    const forCopy = acks.filter((a) => a.ack.eventId === copy.id).map((a) => a.ack);
    expect(forCopy.map((a) => a.status)).toEqual(['applied', 'duplicate']);
    expect(forCopy[1]!.result).toEqual(forCopy[0]!.result);
    const stolen = acks.find((a) => a.topic === topics.acks('kiosk-99'))!.ack;
    expect(stolen).toMatchObject({ status: 'rejected', eventId: thief.id });
    // Six kiosks, two members: the first check-in per member and kiosk earns, the rest do not.
    const earned = await reader.get<{ n: number }>(
      "SELECT count(*) AS n FROM points_ledger WHERE cause = 'checkin'",
    );
    expect(earned?.n).toBe(6);
    // Replayed later, every event is a duplicate and nothing changes.
    acks.length = 0;
    await Promise.all(events.map(send));
    expect(acks.map((a) => a.ack.status)).toEqual(events.map(() => 'duplicate'));
    expect((await processedIds(reader)).length).toBe(120);
  });

  it('rolls back a batch with a failing event and applies the others one by one; the failed one is not acked', async () => {
    // A database that fails for one member only, the way a full disk or a bug would fail one event.
    let broken = true;
    const failing: Queryable = {
      run: (sql, params) => t.db.run(sql, params),
      get: (sql, params) => {
        if (broken && Array.isArray(params) && params.includes('m-1002')) {
          return Promise.reject(new Error('simulated database failure'));
        }
        return t.db.get(sql, params);
      },
      all: (sql, params) => t.db.all(sql, params),
      exec: (sql) => t.db.exec(sql),
      transaction: (fn) => t.db.transaction(fn),
    };
    const acks: Ack[] = [];
    const onEvent = createIngress({
      db: failing,
      policy,
      logger: silentLogger,
      now: () => now,
      publish: async (_topic, message) => {
        acks.push(message as Ack);
      },
    });
    const good = [checkin('kiosk-01'), checkin('kiosk-02', 'm-1003', '5A3C9E12'), checkin('kiosk-03')];
    const bad = checkin('kiosk-04', 'm-1002', '04112233445566');
    const send = (e: EventEnvelope) =>
      onEvent(e.deviceId, topics.events(e.deviceId), Buffer.from(JSON.stringify(e)));
    await Promise.all([send(good[0]!), send(bad), send(good[1]!), send(good[2]!)]);

    expect(onEvent.stats.fallbacks).toBe(1);
    expect(acks.map((a) => a.eventId).sort()).toEqual(good.map((e) => e.id).sort());
    expect(acks.every((a) => a.status === 'applied')).toBe(true);
    expect(await processedIds(reader)).toEqual(good.map((e) => e.id).sort());
    expect(await reader.get('SELECT count(*) AS n FROM checkins WHERE member_id = ?', ['m-1002'])).toEqual({
      n: 0,
    });

    // The device resends it once the fault is gone: applied, once.
    broken = false;
    await send(bad);
    expect(acks.at(-1)).toMatchObject({ eventId: bad.id, status: 'applied' });
    expect(await reader.get('SELECT count(*) AS n FROM checkins WHERE member_id = ?', ['m-1002'])).toEqual({
      n: 1,
    });
  });
});
