import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addMember, books, memoryDb } from '../../test/engine-fixtures.js';
import { listLots } from '../db/repos/lots.js';
import type { SqliteDb } from '../db/sqlite.js';
import { EngineError } from './errors.js';
import { credit, debit } from './ledger.js';
import { DAY_MS, expireDueLots, expiringWithin, membersWithPointsExpiring, pointsSummary } from './lots.js';

const t0 = new Date('2025-06-01T08:00:00.000Z');
const at = (days: number) => new Date(t0.getTime() + days * DAY_MS);

describe('points lots', () => {
  let db: SqliteDb;
  beforeEach(async () => {
    db = await memoryDb();
    await addMember(db, { id: 'a', number: 1 });
    await addMember(db, { id: 'b', number: 2 });
  });
  afterEach(() => db.close());

  const earn = (memberId: string, points: number, when: Date, terms: Parameters<typeof credit>[3] = {}) =>
    credit(db, { memberId, kind: 'earn', points, cause: 'test' }, when, terms);
  const redeem = (memberId: string, points: number, when: Date) =>
    debit(db, { memberId, kind: 'redeem', points, cause: 'test' }, when);

  it('spends the oldest lot first and records which lots a debit drew on', async () => {
    const first = await earn('a', 10, at(0));
    const second = await earn('a', 20, at(1));
    const r = await redeem('a', 15, at(2));
    expect(r).toMatchObject({ taken: 15, balance: 15 });
    expect((await listLots(db, 'a')).map((l) => [l.id, l.remaining])).toEqual([
      [first.lotId, 0],
      [second.lotId, 15],
    ]);
    expect(
      await db.all('SELECT lot_id, points FROM lot_consumptions WHERE ledger_id = ?', [r.entryId]),
    ).toEqual([
      { lot_id: first.lotId, points: 10 },
      { lot_id: second.lotId, points: 5 },
    ]);
  });

  it('keeps pending points out of reach until their window ends, and says so', async () => {
    await earn('a', 5, at(0));
    await earn('a', 50, at(0), { availableAt: at(14) });
    expect(await pointsSummary(db, 'a', at(1))).toEqual({ balance: 55, spendable: 5, pending: 50 });
    const refused = await redeem('a', 20, at(1)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(EngineError);
    expect(refused).toMatchObject({
      code: 'insufficient-points',
      details: { needed: 20, spendable: 5, pending: 50 },
    });
    expect((refused as Error).message).toMatch(/5 spendable points, 20 needed \(50 more are pending/);
    expect(await db.get('SELECT count(*) AS n FROM points_ledger')).toEqual({ n: 2 });
    expect(await redeem('a', 20, at(14))).toMatchObject({ taken: 20, balance: 35 });
  });

  it('expires what is due, once, however often the job runs', async () => {
    await earn('a', 10, at(0), { expiresAt: at(30) });
    await earn('a', 20, at(5), { expiresAt: at(35) });
    await earn('b', 7, at(0), { expiresAt: at(30) });
    await earn('b', 3, at(0));
    await redeem('a', 4, at(10));
    expect(await expireDueLots(db, at(29))).toEqual({ members: 0, lots: 0, points: 0 });
    expect(await expireDueLots(db, at(30))).toEqual({ members: 2, lots: 2, points: 13 });
    expect(await expireDueLots(db, at(30))).toEqual({ members: 0, lots: 0, points: 0 });
    expect(await books(db)).toEqual([
      { member_id: 'a', balance: 20, ledger: 20, lots: 20 },
      { member_id: 'b', balance: 3, ledger: 3, lots: 3 },
    ]);
    const expiries = await db.all(
      "SELECT member_id, points FROM points_ledger WHERE kind = 'expire' ORDER BY member_id",
    );
    expect(expiries).toEqual([
      { member_id: 'a', points: -6 },
      { member_id: 'b', points: -7 },
    ]);
  });

  it('works through a large backlog in chunks with the same result', async () => {
    for (let i = 0; i < 7; i++) await earn(i % 2 ? 'a' : 'b', 1 + i, at(i), { expiresAt: at(i + 1) });
    expect(await expireDueLots(db, at(100), { chunkLots: 3 })).toMatchObject({ lots: 7, points: 28 });
    expect((await books(db)).map((b) => b.balance)).toEqual([0, 0]);
    expect(await db.get('SELECT sum(points) AS p FROM lot_consumptions')).toEqual({ p: 28 });
  });

  it('answers which points expire within N days, per member and across members', async () => {
    await earn('a', 10, at(0), { expiresAt: at(20) });
    await earn('a', 30, at(0), { expiresAt: at(40) });
    await earn('b', 5, at(0), { expiresAt: at(25) });
    await earn('b', 50, at(0));
    expect(await expiringWithin(db, 'a', at(0), 30)).toEqual({
      points: 10,
      firstExpiresAt: at(20).toISOString(),
    });
    expect(await expiringWithin(db, 'b', at(0), 10)).toEqual({ points: 0, firstExpiresAt: null });
    expect(await membersWithPointsExpiring(db, { now: at(0), days: 30 })).toEqual([
      { memberId: 'a', points: 10, firstExpiresAt: at(20).toISOString() },
      { memberId: 'b', points: 5, firstExpiresAt: at(25).toISOString() },
    ]);
    expect(await membersWithPointsExpiring(db, { now: at(0), days: 30, after: 'a', limit: 5 })).toHaveLength(
      1,
    );
    expect(await membersWithPointsExpiring(db, { now: at(0), days: 50 })).toContainEqual({
      memberId: 'a',
      points: 40,
      firstExpiresAt: at(20).toISOString(),
    });
  });

  it('takes only what there is when asked for a partial debit', async () => {
    await earn('a', 8, at(0), { availableAt: at(5) });
    expect(
      await debit(db, { memberId: 'a', kind: 'reverse', points: 20, cause: 'x' }, at(1), {
        allowPartial: true,
      }),
    ).toMatchObject({ taken: 0, entryId: undefined, balance: 8 });
    expect(
      await debit(db, { memberId: 'a', kind: 'reverse', points: 20, cause: 'x' }, at(1), {
        allowPartial: true,
        includePending: true,
      }),
    ).toMatchObject({ taken: 8, balance: 0 });
  });
});
