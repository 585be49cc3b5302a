import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addMember, memoryDb } from '../../test/engine-fixtures.js';
import type { SqliteDb } from '../db/sqlite.js';
import { cashbackFor, creditBalance, moveCredit, spendCredit } from './credit.js';
import { recordPurchase, refundPurchase } from './purchases.js';
import { DEFAULT_RULES } from './rules/config.js';
import { publishRules } from './rules/store.js';

const now = new Date('2025-05-01T08:00:00Z');
const clock = { now, timeZone: 'Asia/Tehran' };

describe('store credit', () => {
  let db: SqliteDb;
  beforeEach(async () => {
    db = await memoryDb();
    await addMember(db, { id: 'a', number: 1 });
    // 10% cashback: a 2,000,000 Rial (200,000 Toman) purchase earns 200,000 Rial of credit.
    await publishRules(db, { ...DEFAULT_RULES, cashback: { basisPoints: 1_000 } }, 'test');
  });
  afterEach(() => db.close());

  it('works out cashback in basis points, rounded down', () => {
    expect(cashbackFor(2_000_000, 1_000)).toBe(200_000);
    expect(cashbackFor(999, 1_000)).toBe(99);
    expect(cashbackFor(1_000_000, 0)).toBe(0);
  });

  it('earns on purchase, spends once per spend id, never below zero', async () => {
    const p = await recordPurchase(
      db,
      { storeId: 's', receiptId: 'R1', memberId: 'a', amountMinor: 2_000_000, currency: 'IRR', lines: [] },
      clock,
    );
    expect(p.credit).toEqual({ earnedMinor: 200_000, balanceMinor: 200_000, currency: 'IRR' });
    const spend = { storeId: 's', spendId: 'S1', memberId: 'a', amountMinor: 150_000, currency: 'IRR' };
    expect(await spendCredit(db, spend, now)).toMatchObject({ balance: 50_000, replay: false });
    expect(await spendCredit(db, spend, now)).toMatchObject({ balance: 50_000, replay: true });
    await expect(spendCredit(db, { ...spend, amountMinor: 1 }, now)).rejects.toMatchObject({
      code: 'spend-conflict',
    });
    await expect(
      spendCredit(db, { ...spend, spendId: 'S2', amountMinor: 50_001 }, now),
    ).rejects.toMatchObject({
      code: 'insufficient-credit',
    });
    expect(await creditBalance(db, 'a', 'IRR')).toBe(50_000);
  });

  it('a refund takes back the refunded share of cashback, as far as it is still there', async () => {
    await recordPurchase(
      db,
      { storeId: 's', receiptId: 'R1', memberId: 'a', amountMinor: 2_000_000, currency: 'IRR', lines: [] },
      clock,
    );
    // Half refunded: 100,000 of the 200,000 credit goes back.
    expect(
      await refundPurchase(
        db,
        { storeId: 's', refundId: 'F1', receiptId: 'R1', amountMinor: 1_000_000 },
        clock,
      ),
    ).toMatchObject({ creditReversedMinor: 100_000, creditShortfallMinor: 0 });
    await spendCredit(
      db,
      { storeId: 's', spendId: 'S1', memberId: 'a', amountMinor: 60_000, currency: 'IRR' },
      now,
    );
    // The other half: 100,000 owed, only 40,000 left.
    expect(await refundPurchase(db, { storeId: 's', refundId: 'F2', receiptId: 'R1' }, clock)).toMatchObject({
      creditReversedMinor: 40_000,
      creditShortfallMinor: 60_000,
    });
    expect(await creditBalance(db, 'a', 'IRR')).toBe(0);
  });

  it('keeps the credit ledger append-only', async () => {
    await moveCredit(
      db,
      { memberId: 'a', kind: 'adjust', amountMinor: 5, currency: 'IRR', cause: 'op' },
      now,
    );
    await expect(db.run('UPDATE credit_ledger SET amount_minor = 500')).rejects.toThrow(/append-only/);
    await expect(db.run('DELETE FROM credit_ledger')).rejects.toThrow(/append-only/);
  });
});
