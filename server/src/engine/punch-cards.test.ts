import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addMember, memoryDb } from '../../test/engine-fixtures.js';
import type { SqliteDb } from '../db/sqlite.js';
import { memberViewByCard } from './member-view.js';
import { recordPurchase } from './purchases.js';
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

  it('refuses a punch card whose reward is not in the catalog', async () => {
    await expect(
      publishRules(db, { ...rules, punchCards: [{ ...rules.punchCards[0]!, rewardId: 'ghost' }] }, 'test'),
    ).rejects.toMatchObject({ code: 'invalid-rules' });
  });
});
