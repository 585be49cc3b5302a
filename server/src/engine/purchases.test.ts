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
    const replay = await recordPurchase(db, { lines: [], currency: 'IRR', ...sale() }, clock(1));
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

  it('refuses an unknown member and writes nothing', async () => {
    await expect(recordPurchase(db, sale({ memberId: 'ghost' }), clock())).rejects.toMatchObject({
      code: 'member-not-found',
    });
    expect(await db.get('SELECT count(*) AS n FROM purchases')).toEqual({ n: 0 });
  });
});
