import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addMember, memoryDb } from '../../test/engine-fixtures.js';
import type { SqliteDb } from '../db/sqlite.js';
import { memberViewByCard } from './member-view.js';
import { recordPurchase, refundPurchase } from './purchases.js';
import { cancelVoucher, createReward, useVoucher } from './rewards.js';
import { DEFAULT_RULES, type RuleConfig } from './rules/config.js';
import { publishRules } from './rules/store.js';

// Rule text: "Buy 5 coffees, get 1 free" (۵ خرید، ۱ هدیه): every coffee item is a stamp; each 5
// stamps give a voucher for a free coffee; extra stamps carry over.
const rules: RuleConfig = {
  ...DEFAULT_RULES,
  categories: { general: 100, coffee: 100 },
  punchCards: [
    {
      id: 'coffee-5',
      name: { fa: 'کارت مهر قهوه', en: 'Coffee card' },
      category: 'coffee',
      required: 5,
      rewardId: 'free-coffee',
    },
  ],
};
const now = new Date('2025-05-01T08:00:00.000Z');

describe('punch cards', () => {
  let db: SqliteDb;
  let receipt = 0;
  beforeEach(async () => {
    db = await memoryDb();
    await addMember(db, { id: 'a', number: 1, card: '04A1B2C3' });
    await createReward(
      db,
      { id: 'free-coffee', name: { fa: 'قهوه رایگان', en: 'Free coffee' }, pointsCost: 100 },
      now,
    );
    await publishRules(db, rules, 'test');
  });
  afterEach(() => db.close());

  const buy = (coffees: number, other = 0, receiptId = `r${++receipt}`) =>
    recordPurchase(
      db,
      {
        storeId: 's',
        receiptId,
        memberId: 'a',
        amountMinor: 100_000 * (coffees + other) || 1,
        currency: 'IRR',
        lines: [
          ...(coffees ? [{ category: 'coffee', amountMinor: 100_000 * coffees, quantity: coffees }] : []),
          ...(other ? [{ category: 'general', amountMinor: 100_000 * other, quantity: other }] : []),
        ],
      },
      { now, timeZone: 'Asia/Tehran' },
    );

  it.each([
    ['3 coffees → 3 stamps, no voucher', [3], 3, 0],
    ['3 then 4 → 7 = one card (5) + 2 carried over', [3, 4], 2, 1],
    ['12 at once → two cards, 2 carried over', [12], 2, 2],
    ['exactly 5 → one card, 0 left', [5], 0, 1],
  ])('%s', async (_name, purchases, stamps, vouchers) => {
    for (const n of purchases) await buy(n);
    const view = await memberViewByCard(db, '04A1B2C3', {
      policy: { points: 10, timeZone: 'Asia/Tehran' },
      now,
    });
    expect(view!.punchCards).toEqual([
      { id: 'coffee-5', name: rules.punchCards[0]!.name, stamps, required: 5 },
    ]);
    expect(
      await db.get("SELECT count(*) AS n FROM vouchers WHERE source = 'punch-card' AND points = 0"),
    ).toEqual({ n: vouchers });
  });

  it('ignores other categories and replays', async () => {
    const first = await buy(2, 3, 'same');
    expect(first.punchCards).toEqual([{ cardId: 'coffee-5', stampsAdded: 2, stamps: 2, vouchers: [] }]);
    expect((await buy(2, 3, 'same')).replay).toBe(true);
    expect(await db.get('SELECT stamps FROM punch_progress')).toEqual({ stamps: 2 });
  });

  it('gives a free-item voucher that is used once and costs no points when cancelled', async () => {
    const r = await buy(5);
    const [v] = r.punchCards[0]!.vouchers;
    expect(v).toMatchObject({ rewardId: 'free-coffee' });
    const balance = r.balance;
    expect(await useVoucher(db, { codeOrToken: v!.token, storeId: 's' }, now)).toMatchObject({
      rewardId: 'free-coffee',
    });
    const v2 = (await buy(5)).punchCards[0]!.vouchers[0]!;
    expect(await cancelVoucher(db, { code: v2.code, memberId: 'a' }, now)).toMatchObject({
      pointsReturned: 0,
    });
    expect((await buy(0, 1)).balance).toBe(balance + 5 + 1);
  });

  describe('refunds take stamps back', () => {
    let refund = 0;
    const refundOf = (receiptId: string, amountMinor?: number) =>
      refundPurchase(
        db,
        { storeId: 's', refundId: `f${++refund}`, receiptId, amountMinor },
        { now, timeZone: 'Asia/Tehran' },
      );
    const progress = () => db.get('SELECT stamps, completions FROM punch_progress');
    const voucherStatus = () =>
      db
        .all("SELECT status FROM vouchers WHERE source = 'punch-card' ORDER BY id")
        .then((r) => r.map((v) => (v as { status: string }).status));

    // Worked out from the rule text: the refunded share of the amount, of the stamps, rounded down.
    it.each([
      ['a full refund of 3 coffees: 3 back, 0 left', [3], undefined, 3, 0],
      ['half of 4 coffees (by amount): 2 back, 2 left', [4], 200_000, 2, 2],
      ['a third of 2 coffees + 1 other: floor(2 × 1/3) = 0 back', [2, 1], 100_000, 0, 2],
    ])('%s', async (_name, [coffees, other], amount, back, left) => {
      await buy(coffees!, other ?? 0, 'r-x');
      const r = await refundOf('r-x', amount);
      // A refund lists only the cards it took stamps back from.
      expect(r.stamps).toEqual(
        back > 0 ? [{ cardId: 'coffee-5', stampsReversed: back, shortfall: 0, vouchersVoided: [] }] : [],
      );
      expect(await progress()).toEqual({ stamps: left, completions: 0 });
    });

    it('partial refunds add up to the whole: 4 coffees refunded in quarters give back 1 stamp each', async () => {
      await buy(4, 0, 'r-q');
      for (let i = 0; i < 4; i++) {
        expect((await refundOf('r-q', 100_000)).stamps[0]!.stampsReversed).toBe(1);
      }
      expect(await progress()).toEqual({ stamps: 0, completions: 0 });
    });

    it('voids the unused voucher the refunded stamps completed and restores the stamps before it', async () => {
      await buy(4);
      const r = await buy(2, 0, 'r-done');
      expect(r.punchCards[0]).toMatchObject({ stamps: 1, vouchers: [expect.anything()] });
      const back = await refundOf('r-done');
      expect(back.stamps).toEqual([
        {
          cardId: 'coffee-5',
          stampsReversed: 2,
          shortfall: 0,
          vouchersVoided: [r.punchCards[0]!.vouchers[0]!.code],
        },
      ]);
      expect(await progress()).toEqual({ stamps: 4, completions: 0 });
      expect(await voucherStatus()).toEqual(['cancelled']);
      await expect(
        useVoucher(db, { codeOrToken: r.punchCards[0]!.vouchers[0]!.code, storeId: 's' }, now),
      ).rejects.toMatchObject({ code: 'voucher-cancelled' });
      // A replay of the refund answers the same and changes nothing.
      const again = await refundPurchase(
        db,
        { storeId: 's', refundId: `f${refund}`, receiptId: 'r-done' },
        { now, timeZone: 'Asia/Tehran' },
      );
      expect(again).toMatchObject({ replay: true, stamps: back.stamps });
      expect(await progress()).toEqual({ stamps: 4, completions: 0 });
    });

    it('cannot take back stamps a used voucher consumed: progress stops at 0 and the rest is a shortfall', async () => {
      const r = await buy(6, 0, 'r-used');
      await useVoucher(db, { codeOrToken: r.punchCards[0]!.vouchers[0]!.code, storeId: 's' }, now);
      const back = await refundOf('r-used');
      expect(back.stamps).toEqual([
        { cardId: 'coffee-5', stampsReversed: 1, shortfall: 5, vouchersVoided: [] },
      ]);
      expect(await progress()).toEqual({ stamps: 0, completions: 1 });
      expect(await voucherStatus()).toEqual(['used']);
    });
  });

  it('refuses a punch card whose reward is not in the catalog', async () => {
    await expect(
      publishRules(db, { ...rules, punchCards: [{ ...rules.punchCards[0]!, rewardId: 'ghost' }] }, 'test'),
    ).rejects.toMatchObject({ code: 'invalid-rules' });
  });
});
