import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addMember, books, memoryDb } from '../../../test/engine-fixtures.js';
import { findMember } from '../../db/repos/members.js';
import type { SqliteDb } from '../../db/sqlite.js';
import { recordPurchase } from '../purchases.js';
import { awardBirthdayIfDue, awardSurvey, awardWelcome, birthdayWindowYear } from './bonuses.js';
import { DEFAULT_RULES } from './config.js';

// Rule text: welcome 100, birthday 200 from 3 days before to 7 days after, referral 300 to the
// referrer and 100 to the new member on their first purchase, survey answer 20.
const rules = DEFAULT_RULES;
const TZ = 'Asia/Tehran';

describe('birthday window', () => {
  it.each([
    ['1990-03-15', '2025-03-12', 2025], // 3 days before: first day of the window
    ['1990-03-15', '2025-03-11', undefined], // 4 days before
    ['1990-03-15', '2025-03-22', 2025], // 7 days after: last day
    ['1990-03-15', '2025-03-23', undefined],
    ['1990-01-02', '2024-12-30', 2025], // the window opens in the old year for next year's birthday
    ['1990-12-30', '2025-01-05', 2024], // ... and stays open into the new year for last year's
    ['1992-02-29', '2025-02-25', 2025], // 29 Feb falls on 28 Feb in 2025: 3 days before
    ['1992-02-29', '2024-03-07', 2024], // in a leap year it is the 29th: 7 days after
    ['1992-02-29', '2024-03-08', undefined],
  ])('birthday %s on %s → %s', (birthday, today, year) => {
    expect(birthdayWindowYear(birthday, today, 3, 7)).toBe(year);
  });
});

describe('flat bonuses', () => {
  let db: SqliteDb;
  beforeEach(async () => {
    db = await memoryDb();
    await addMember(db, { id: 'a', number: 1, birthday: '1990-03-15' });
    await addMember(db, { id: 'b', number: 2, referredBy: 'a' });
  });
  afterEach(() => db.close());
  const now = new Date('2025-03-14T08:00:00Z');
  const balance = async (id: string) => (await books(db)).find((b) => b.member_id === id)!.balance;

  it('welcome: 100 once', async () => {
    expect(await awardWelcome(db, 'a', rules, now)).toBe(100);
    expect(await awardWelcome(db, 'a', rules, now)).toBe(0);
    expect(await balance('a')).toBe(100);
  });

  it('survey: 20 once per survey', async () => {
    expect(await awardSurvey(db, 'a', 'nps-2025-03', rules, now)).toBe(20);
    expect(await awardSurvey(db, 'a', 'nps-2025-03', rules, now)).toBe(0);
    expect(await awardSurvey(db, 'a', 'nps-2025-04', rules, now)).toBe(20);
    expect(await balance('a')).toBe(40);
  });

  it('birthday: 200 once a year, only inside the window', async () => {
    const a = (await findMember(db, 'a'))!;
    expect(await awardBirthdayIfDue(db, a, rules, new Date('2025-03-01T08:00:00Z'), TZ)).toBe(0);
    expect(await awardBirthdayIfDue(db, a, rules, now, TZ)).toBe(200);
    expect(await awardBirthdayIfDue(db, a, rules, new Date('2025-03-20T08:00:00Z'), TZ)).toBe(0);
    expect(await awardBirthdayIfDue(db, a, rules, new Date('2026-03-15T08:00:00Z'), TZ)).toBe(200);
    expect(await balance('a')).toBe(400);
  });

  it('referral: 300 to the referrer and 100 to the new member when the first purchase lands, once', async () => {
    const purchase = (receiptId: string) =>
      recordPurchase(
        db,
        { storeId: 's', receiptId, memberId: 'b', amountMinor: 1_000_000, currency: 'IRR', lines: [] },
        { now: new Date('2025-05-01T08:00:00Z'), timeZone: TZ },
      );
    expect((await purchase('r1')).bonuses.referral).toBe(100);
    expect((await purchase('r2')).bonuses.referral).toBe(0);
    // b: 10 + 10 purchase points + 100 referral; a: 300.
    expect(await balance('b')).toBe(120);
    expect(await balance('a')).toBe(300);
  });

  it('a purchase in the birthday window brings the birthday bonus with it', async () => {
    const r = await recordPurchase(
      db,
      { storeId: 's', receiptId: 'r1', memberId: 'a', amountMinor: 500_000, currency: 'IRR', lines: [] },
      { now, timeZone: TZ },
    );
    expect(r).toMatchObject({ points: 5, bonuses: { birthday: 200, referral: 0 }, balance: 205 });
  });
});
