import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addMember, memoryDb } from '../../test/engine-fixtures.js';
import type { SqliteDb } from '../db/sqlite.js';
import { credit } from './ledger.js';
import { DAY_MS } from './lots.js';
import { memberViewByCard } from './member-view.js';
import { recordPurchase } from './purchases.js';
import { claimReward, createReward } from './rewards.js';

const now = new Date('2025-05-01T08:00:00.000Z');
const day = (n: number) => new Date(now.getTime() + n * DAY_MS);
const policy = { points: 10, timeZone: 'Asia/Tehran' };

describe('member view for the kiosk', () => {
  let db: SqliteDb;
  beforeEach(async () => {
    db = await memoryDb();
    await addMember(db, { id: 'a', number: 7, card: '04A1B2C3' });
    await db.run("UPDATE members SET phone = '+989121234567' WHERE id = 'a'");
    await createReward(db, { id: 'tea', name: { fa: 'چای', en: 'Tea' }, pointsCost: 40 }, now);
    await createReward(db, { id: 'coffee', name: { fa: 'قهوه', en: 'Coffee' }, pointsCost: 100 }, now);
    await createReward(db, { id: 'mug', name: { fa: 'ماگ', en: 'Mug' }, pointsCost: 300 }, now);
    await createReward(
      db,
      { id: 'vip', name: { fa: 'ویژه', en: 'VIP' }, pointsCost: 1, minTier: 'gold' },
      now,
    );
  });
  afterEach(() => db.close());

  it('shows pending and expiring points, affordable and next rewards, tier progress and a masked phone', async () => {
    // 150 earned 340 days ago (lapse in 25 days), then a purchase of 5,000,000 Rial → 50 pending.
    await credit(db, { memberId: 'a', kind: 'earn', points: 150, cause: 'x' }, day(-340), {
      expiresAt: day(25),
    });
    await recordPurchase(
      db,
      { storeId: 's', receiptId: 'r1', memberId: 'a', amountMinor: 5_000_000, currency: 'IRR', lines: [] },
      { now, timeZone: 'Asia/Tehran' },
    );
    const view = await memberViewByCard(db, '04A1B2C3', { policy, now: day(1) });
    expect(view).toMatchObject({
      points: 200,
      pointsPending: 50,
      maskedPhone: '0912***4567',
      expiringSoon: { points: 150, firstExpiresAt: day(25).toISOString(), withinDays: 30 },
      // 150 + 50 earned within 365 days; silver needs 1,000.
      tierProgress: { measure: 'points', current: 200, nextTier: 'silver', remaining: 800 },
      lastActivityAt: now.toISOString(),
    });
    // Spendable is 150 (the 50 are pending): tea and coffee now; the mug needs 150 more.
    expect(view!.rewards.affordable.map((r) => [r.id, r.pointsShort])).toEqual([
      ['tea', 0],
      ['coffee', 0],
    ]);
    expect(view!.rewards.next).toEqual({
      id: 'mug',
      name: { fa: 'ماگ', en: 'Mug' },
      pointsCost: 300,
      pointsShort: 150,
    });
  });

  it('reflects a claim at once and hides out-of-stock rewards', async () => {
    await credit(db, { memberId: 'a', kind: 'earn', points: 100, cause: 'x' }, now);
    await claimReward(db, { memberId: 'a', rewardId: 'tea', requestKey: 'k1' }, now);
    await db.run("UPDATE rewards SET stock = 0 WHERE id = 'coffee'");
    const view = await memberViewByCard(db, '04A1B2C3', { policy, now });
    expect(view).toMatchObject({
      points: 60,
      rewards: { affordable: [{ id: 'tea' }], next: { id: 'mug', pointsShort: 240 } },
    });
  });
});
