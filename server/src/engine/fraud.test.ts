import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addMember, memoryDb } from '../../test/engine-fixtures.js';
import type { SqliteDb } from '../db/sqlite.js';
import { applyCheckin } from './checkin.js';
import { isExcludedPhone, openFraudAlerts, withFraudAlerts } from './fraud.js';
import { credit } from './ledger.js';
import { recordPurchase } from './purchases.js';
import { claimReward, createReward } from './rewards.js';

const now = new Date('2025-05-01T08:00:00.000Z');
const TZ = 'Asia/Tehran';
const limits = { checkinsPerDay: 2, redemptionsPerDay: 2, staffPurchasesPerMemberPerDay: 3 };

describe('fraud controls', () => {
  let db: SqliteDb;
  beforeEach(async () => {
    db = await memoryDb();
    await addMember(db, { id: 'a', number: 1, card: '04A1B2C3' });
  });
  afterEach(() => db.close());

  it('stops one staff member recording a fourth purchase for the same member today, and alerts', async () => {
    const buy = (receiptId: string, staffId = 'staff-7') =>
      withFraudAlerts(db, now, () =>
        recordPurchase(
          db,
          {
            storeId: 's',
            receiptId,
            memberId: 'a',
            amountMinor: 100_000,
            currency: 'IRR',
            lines: [],
            staffId,
          },
          { now, timeZone: TZ },
          limits,
        ),
      );
    for (const r of ['r1', 'r2', 'r3']) await buy(r);
    await expect(buy('r4')).rejects.toMatchObject({ code: 'velocity-limit' });
    await expect(buy('r4', 'staff-8')).resolves.toMatchObject({ points: 1 });
    expect(await db.get('SELECT count(*) AS n FROM purchases')).toEqual({ n: 4 });
    expect(await openFraudAlerts(db)).toMatchObject([
      { kind: 'staff-purchases', subject: 'staff:staff-7/member:a' },
    ]);
  });

  it('caps reward claims per member per day', async () => {
    await credit(db, { memberId: 'a', kind: 'earn', points: 100, cause: 'x' }, now);
    await createReward(db, { id: 'tea', name: { fa: 'چای', en: 'Tea' }, pointsCost: 10 }, now);
    const claim = (k: string, at = now) =>
      claimReward(db, { memberId: 'a', rewardId: 'tea', requestKey: k }, at, { limits, timeZone: TZ });
    await claim('k1');
    await claim('k2');
    await expect(claim('k3')).rejects.toMatchObject({ code: 'velocity-limit' });
    // Next club day (Tehran midnight is 20:30 UTC).
    await expect(claim('k3', new Date('2025-05-01T20:31:00.000Z'))).resolves.toMatchObject({ points: 10 });
  });

  it('lets check-ins beyond the daily cap across stores count as visits but earn nothing', async () => {
    const checkin = (deviceId: string) =>
      applyCheckin(
        db,
        { eventId: deviceId, deviceId, memberId: 'a', cardUid: '04A1B2C3', at: now.toISOString() },
        { points: 10, timeZone: TZ, limits },
        now,
      );
    expect(await checkin('kiosk-1')).toMatchObject({ result: { pointsAwarded: 10 } });
    expect(await checkin('kiosk-2')).toMatchObject({ result: { pointsAwarded: 10 } });
    expect(await checkin('kiosk-3')).toMatchObject({ result: { pointsAwarded: 0, balance: 20 } });
    expect(await openFraudAlerts(db)).toMatchObject([{ kind: 'checkins', subject: 'member:a' }]);
  });

  it.each([
    ['+989111111111', true],
    ['+989120000000', true],
    ['+989123456789', true],
    ['+989121234567', false],
    ['+989351112233', false],
  ])('treats %s as a placeholder: %s', (phone, excluded) => {
    expect(isExcludedPhone(phone)).toBe(excluded);
  });
});
