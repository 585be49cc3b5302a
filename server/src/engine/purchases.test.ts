import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addMember, books, memoryDb } from '../../test/engine-fixtures.js';
import type { SqliteDb } from '../db/sqlite.js';
import { EngineError } from './errors.js';
import { debit } from './ledger.js';
import { DAY_MS } from './lots.js';
import { type PurchaseInput, recordPurchase, refundPurchase } from './purchases.js';

// Default rules: 1 point per 100,000 Rial, purchase points pending 14 days, lapsing after 365.
const TZ = 'Asia/Tehran';
const t0 = new Date('2025-05-01T08:00:00.000Z');
const clock = (days = 0) => ({ now: new Date(t0.getTime() + days * DAY_MS), timeZone: TZ });
const sale = (over: Partial<PurchaseInput> = {}): PurchaseInput => ({
  storeId: 's1',
  receiptId: 'R-1',
  memberId: 'a',
  amountMinor: 2_000_000,
  currency: 'IRR',
  lines: [],
  ...over,
});

describe('purchases and refunds', () => {
  let db: SqliteDb;
  beforeEach(async () => {
    db = await memoryDb();
    await addMember(db, { id: 'a', number: 1 });
  });
  afterEach(() => db.close());

  it('earns pending points that become spendable after the refund window', async () => {
    expect(await recordPurchase(db, sale(), clock())).toEqual({
      receiptId: 'R-1',
      memberId: 'a',
      points: 20,
      pendingUntil: '2025-05-15T08:00:00.000Z',
      bonuses: { birthday: 0, referral: 0 },
      credit: { earnedMinor: 0, balanceMinor: 0, currency: 'IRR' },
      rulesVersion: 0,
      tier: 'bronze',
      punchCards: [],
      balance: 20,
      replay: false,
    });
    const spend = (days: number) =>
      debit(db, { memberId: 'a', kind: 'redeem', points: 20, cause: 'reward' }, clock(days).now);
    await expect(spend(13)).rejects.toMatchObject({ code: 'insufficient-points' });
    await expect(spend(14)).resolves.toMatchObject({ taken: 20, balance: 0 });
  });

  it('answers a replay with the first result and refuses a reused receipt id with other details', async () => {
    await recordPurchase(db, sale(), clock());
    // Same body with keys in another order is the same request.
    const { lines, currency, ...rest } = sale();
    const replay = await recordPurchase(db, { lines, currency, ...rest }, clock(1));
    expect(replay).toMatchObject({ points: 20, replay: true, balance: 20 });
    const err = await recordPurchase(db, sale({ amountMinor: 3_000_000 }), clock()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect(err).toMatchObject({ code: 'receipt-conflict' });
    expect(await db.get('SELECT count(*) AS n FROM points_ledger')).toEqual({ n: 1 });
    // Receipt ids are per store: another store may use the same one.
    expect(await recordPurchase(db, sale({ storeId: 's2' }), clock())).toMatchObject({
      replay: false,
      balance: 40,
    });
  });

  it('reverses the refunded share: 25% then the rest of a 20-point purchase is 5 then 15', async () => {
    await recordPurchase(db, sale(), clock());
    expect(
      await refundPurchase(
        db,
        { storeId: 's1', refundId: 'F-1', receiptId: 'R-1', amountMinor: 500_000 },
        clock(1),
      ),
    ).toMatchObject({ pointsReversed: 5, shortfall: 0, balance: 15, replay: false });
    expect(
      await refundPurchase(db, { storeId: 's1', refundId: 'F-2', receiptId: 'R-1' }, clock(2)),
    ).toMatchObject({
      amountMinor: 1_500_000,
      pointsReversed: 15,
      balance: 0,
    });
    await expect(
      refundPurchase(db, { storeId: 's1', refundId: 'F-3', receiptId: 'R-1', amountMinor: 1 }, clock(2)),
    ).rejects.toMatchObject({ code: 'refund-exceeds-purchase' });
    expect(
      (
        await refundPurchase(
          db,
          { storeId: 's1', refundId: 'F-1', receiptId: 'R-1', amountMinor: 500_000 },
          clock(3),
        )
      ).replay,
    ).toBe(true);
    await expect(
      refundPurchase(
        db,
        { storeId: 's1', refundId: 'F-1', receiptId: 'R-1', amountMinor: 400_000 },
        clock(3),
      ),
    ).rejects.toMatchObject({ code: 'refund-conflict' });
    await expect(
      refundPurchase(db, { storeId: 's1', refundId: 'F-9', receiptId: 'R-404' }, clock(3)),
    ).rejects.toMatchObject({ code: 'purchase-not-found' });
  });

  it('after the window, a refund of spent points empties the balance and records the shortfall', async () => {
    await recordPurchase(db, sale(), clock());
    await debit(db, { memberId: 'a', kind: 'redeem', points: 12, cause: 'reward' }, clock(20).now);
    expect(
      await refundPurchase(db, { storeId: 's1', refundId: 'F-1', receiptId: 'R-1' }, clock(21)),
    ).toMatchObject({
      pointsReversed: 8,
      shortfall: 12,
      balance: 0,
    });
    expect(await books(db)).toEqual([{ member_id: 'a', balance: 0, ledger: 0, lots: 0 }]);
  });

  it('links each purchase to its own earn ledger row and lot, and a purchase earning nothing to neither', async () => {
    // Other rows first, so ledger, lot and purchase ids no longer line up by accident.
    await addMember(db, { id: 'b', number: 2 });
    await recordPurchase(db, sale({ memberId: 'b', receiptId: 'R-0', amountMinor: 300_000 }), clock());
    await debit(db, { memberId: 'b', kind: 'redeem', points: 1, cause: 'x' }, clock(15).now);
    await recordPurchase(db, sale(), clock());
    await recordPurchase(db, sale({ receiptId: 'R-small', amountMinor: 50_000 }), clock());
    expect(
      await db.all(
        `SELECT p.receipt_id, p.points, l.cause, l.points AS ledger_points, t.ledger_id = p.ledger_id AS same_ledger,
           t.points AS lot_points, t.available_at
         FROM purchases p LEFT JOIN points_ledger l ON l.id = p.ledger_id LEFT JOIN point_lots t ON t.id = p.lot_id
         WHERE p.member_id = 'a' ORDER BY p.id`,
      ),
    ).toEqual([
      {
        receipt_id: 'R-1',
        points: 20,
        cause: 'purchase:s1/R-1',
        ledger_points: 20,
        same_ledger: 1,
        lot_points: 20,
        available_at: '2025-05-15T08:00:00.000Z',
      },
      {
        receipt_id: 'R-small',
        points: 0,
        cause: null,
        ledger_points: null,
        same_ledger: null,
        lot_points: null,
        available_at: null,
      },
    ]);
    expect(await books(db)).toEqual([
      { member_id: 'a', balance: 20, ledger: 20, lots: 20 },
      { member_id: 'b', balance: 2, ledger: 2, lots: 2 },
    ]);
  });

  it('refuses an unknown member and writes nothing', async () => {
    await expect(recordPurchase(db, sale({ memberId: 'ghost' }), clock())).rejects.toMatchObject({
      code: 'member-not-found',
    });
    expect(await db.get('SELECT count(*) AS n FROM purchases')).toEqual({ n: 0 });
  });
});

// Default rules: referral pays 300 to the referrer and 100 to the referee on the referee's first
// purchase. The bonus is owed while the referee keeps at least one purchase not refunded in full.
describe('refunds and the referral bonus', () => {
  let db: SqliteDb;
  beforeEach(async () => {
    db = await memoryDb();
    await addMember(db, { id: 'a', number: 1 });
    await addMember(db, { id: 'b', number: 2, referredBy: 'a' });
  });
  afterEach(() => db.close());
  const buy = (receiptId: string, days = 0) =>
    recordPurchase(db, sale({ memberId: 'b', receiptId, amountMinor: 1_000_000 }), clock(days));
  const refund = (refundId: string, receiptId: string, days = 0, amountMinor?: number) =>
    refundPurchase(db, { storeId: 's1', refundId, receiptId, amountMinor }, clock(days));
  const balances = async () => Object.fromEntries((await books(db)).map((b) => [b.member_id, b.balance]));

  it('a full refund of the only purchase takes the referral back from both sides, and the next purchase pays it again', async () => {
    expect((await buy('R-1')).bonuses.referral).toBe(100);
    expect(await balances()).toEqual({ a: 300, b: 110 });
    const r = await refund('F-1', 'R-1');
    expect(r).toMatchObject({
      pointsReversed: 10,
      referral: { referee: 100, referrer: 300, shortfall: 0 },
      balance: 0,
    });
    expect(await balances()).toEqual({ a: 0, b: 0 });
    // A replay changes nothing and answers the same.
    expect(await refund('F-1', 'R-1')).toMatchObject({ replay: true, referral: r.referral });
    expect(await balances()).toEqual({ a: 0, b: 0 });
    // The referee's next kept purchase is their first again: both sides are paid once more.
    expect((await buy('R-2')).bonuses.referral).toBe(100);
    expect(await balances()).toEqual({ a: 300, b: 110 });
    for (const b of await books(db)) expect(b.balance).toBe(b.ledger);
  });

  it('a partial refund, or a full refund while another purchase stands, leaves the referral alone', async () => {
    await buy('R-1');
    await buy('R-2');
    expect((await refund('F-1', 'R-1', 0, 400_000)).referral).toBeNull();
    expect((await refund('F-2', 'R-1')).referral).toBeNull();
    expect(await balances()).toEqual({ a: 300, b: 110 });
    // Refunding the last kept purchase undoes it.
    expect((await refund('F-3', 'R-2')).referral).toEqual({ referee: 100, referrer: 300, shortfall: 0 });
    expect(await balances()).toEqual({ a: 0, b: 0 });
  });

  it('takes back only what is left when the referrer already spent the bonus', async () => {
    await buy('R-1');
    await debit(db, { memberId: 'a', kind: 'redeem', points: 250, cause: 'reward' }, clock(1).now);
    const r = await refund('F-1', 'R-1', 2);
    expect(r.referral).toEqual({ referee: 100, referrer: 50, shortfall: 250 });
    expect(await balances()).toEqual({ a: 0, b: 0 });
    expect(
      await db.all(
        "SELECT member_id FROM member_bonuses WHERE kind = 'referral' AND reversed_at IS NOT NULL ORDER BY member_id",
      ),
    ).toEqual([{ member_id: 'a' }, { member_id: 'b' }]);
  });
});
