import { newId } from '@bashgah/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDb } from '../../test/helpers.js';
import { listLedger } from '../db/repos/ledger.js';
import { seedDemo } from '../seed.js';
import { applyCheckin, type CheckinPolicy } from './checkin.js';
import { memberViewByCard, memberViewById } from './member-view.js';
import { DEFAULT_RULES } from './rules/config.js';
import { publishRules } from './rules/store.js';

const policy: CheckinPolicy = { points: 10, timeZone: 'Asia/Tehran' };
// 09:00 in Tehran (UTC+3:30) on 2025-03-10.
const morning = new Date('2025-03-10T05:30:00Z');

const checkin = (over: Partial<Parameters<typeof applyCheckin>[1]> = {}) => ({
  eventId: newId(),
  deviceId: 'kiosk-01',
  memberId: 'm-1001',
  cardUid: '04A1B2C3D4E5F6',
  at: morning.toISOString(),
  ...over,
});

describe('applyCheckin', () => {
  let t: Awaited<ReturnType<typeof tempDb>>;
  beforeEach(async () => {
    t = await tempDb();
    await seedDemo(t.db);
  });
  afterEach(() => t.cleanup());

  const earned = async () => (await listLedger(t.db, 'm-1001')).filter((r) => r.cause === 'checkin');

  it('awards the configured points once per member, device and club day; repeats award 0', async () => {
    expect(await applyCheckin(t.db, checkin(), policy, morning)).toEqual({
      status: 'applied',
      result: { pointsAwarded: 10, balance: 130 },
    });
    expect(await applyCheckin(t.db, checkin(), policy, morning)).toEqual({
      status: 'applied',
      result: { pointsAwarded: 0, balance: 130 },
    });
    // 23:59 Tehran time is still the same day, though UTC has not changed date either way.
    const lateSameDay = new Date('2025-03-10T20:29:00Z');
    expect(
      await applyCheckin(t.db, checkin({ at: lateSameDay.toISOString() }), policy, lateSameDay),
    ).toMatchObject({
      result: { pointsAwarded: 0 },
    });
    expect(await earned()).toHaveLength(1);
  });

  it('counts a new club day in the club time zone, and each device separately', async () => {
    await applyCheckin(t.db, checkin(), policy, morning);
    // 00:30 Tehran on the 11th is still the 10th in UTC: a new club day all the same.
    const afterMidnight = new Date('2025-03-10T21:00:00Z');
    expect(
      await applyCheckin(t.db, checkin({ at: afterMidnight.toISOString() }), policy, afterMidnight),
    ).toMatchObject({
      result: { pointsAwarded: 10, balance: 140 },
    });
    expect(await applyCheckin(t.db, checkin({ deviceId: 'kiosk-02' }), policy, morning)).toMatchObject({
      result: { pointsAwarded: 10, balance: 150 },
    });
    expect(await earned()).toHaveLength(3);
  });

  it('never credits a future day when the kiosk clock runs fast', async () => {
    await applyCheckin(t.db, checkin(), policy, morning);
    const tomorrow = new Date(morning.getTime() + 24 * 3600_000).toISOString();
    expect(await applyCheckin(t.db, checkin({ at: tomorrow }), policy, morning)).toMatchObject({
      result: { pointsAwarded: 0 },
    });
  });

  it('uses the configured amount', async () => {
    expect(await applyCheckin(t.db, checkin(), { ...policy, points: 25 }, morning)).toMatchObject({
      result: { pointsAwarded: 25, balance: 145 },
    });
  });

  it('follows the published rule set once there is one, and gives the points an expiry', async () => {
    await publishRules(
      t.db,
      { ...DEFAULT_RULES, checkin: { points: 15 }, lots: { lifetimeDays: 30, pendingDays: 14 } },
      'op',
    );
    expect(await applyCheckin(t.db, checkin(), policy, morning)).toMatchObject({
      result: { pointsAwarded: 15, balance: 135 },
    });
    const lot = await t.db.get<{ expires_at: string; available_at: string }>(
      "SELECT l.expires_at, l.available_at FROM point_lots l JOIN points_ledger p ON p.id = l.ledger_id WHERE p.cause = 'checkin'",
    );
    // Check-in points are spendable at once (no refund can take them back) and last 30 days.
    expect(lot).toEqual({ available_at: morning.toISOString(), expires_at: '2025-04-09T05:30:00.000Z' });
  });

  it('rejects unknown members, foreign cards and blocked cards without changing anything', async () => {
    expect(await applyCheckin(t.db, checkin({ memberId: 'm-404' }), policy, morning)).toEqual({
      status: 'rejected',
      reason: 'unknown member m-404',
    });
    expect(await applyCheckin(t.db, checkin({ cardUid: '04112233445566' }), policy, morning)).toEqual({
      status: 'rejected',
      reason: 'card 04112233445566 does not belong to member m-1001',
    });
    await t.db.run("UPDATE cards SET status = 'blocked' WHERE uid = '04A1B2C3D4E5F6'");
    expect(await applyCheckin(t.db, checkin(), policy, morning)).toEqual({
      status: 'rejected',
      reason: 'card 04A1B2C3D4E5F6 is blocked',
    });
    expect(await earned()).toEqual([]);
    expect(await t.db.get('SELECT count(*) AS n FROM checkins')).toEqual({ n: 0 });
  });
});

describe('member view', () => {
  let t: Awaited<ReturnType<typeof tempDb>>;
  beforeEach(async () => {
    t = await tempDb();
    await seedDemo(t.db, new Date('2025-03-01T00:00:00.000Z'));
  });
  afterEach(() => t.cleanup());

  it('shows points, tier and today’s check-in availability at the asking device', async () => {
    const ctx = { policy, deviceId: 'kiosk-01', now: morning };
    expect(await memberViewByCard(t.db, '04A1B2C3D4E5F6', ctx)).toEqual({
      id: 'm-1001',
      number: 1001,
      displayName: 'سارا احمدی',
      points: 120,
      tier: 'silver',
      cardUid: '04A1B2C3D4E5F6',
      checkinPointsAvailable: 10,
      asOf: morning.toISOString(),
      maskedPhone: null,
      pointsPending: 0,
      // The seeded 120 are an opening adjustment, which does not count towards tiers.
      tierProgress: { measure: 'points', current: 0, nextTier: 'gold', remaining: 5000, windowDays: 365 },
      expiringSoon: { points: 0, firstExpiresAt: null, withinDays: 30 },
      rewards: { affordable: [], next: null },
      punchCards: [],
      lastActivityAt: '2025-03-01T00:00:00.000Z',
      recentActivity: [{ at: '2025-03-01T00:00:00.000Z', kind: 'adjust', points: 120 }],
      // Three visits before the survey is offered; a new member has none yet.
      survey: null,
      // The seeded member has no mobile on file, so a voucher cannot go by SMS.
      voucherBySms: false,
    });
    await applyCheckin(t.db, checkin(), policy, morning);
    expect(await memberViewByCard(t.db, '04A1B2C3D4E5F6', ctx)).toMatchObject({
      points: 130,
      checkinPointsAvailable: 0,
    });
    expect(await memberViewByCard(t.db, '04A1B2C3D4E5F6', { ...ctx, deviceId: 'kiosk-02' })).toMatchObject({
      checkinPointsAvailable: 10,
    });
    expect(await memberViewById(t.db, 'm-1001', { policy, now: morning })).toMatchObject({
      checkinPointsAvailable: 0,
    });
  });

  it('finds nothing for unknown or blocked cards', async () => {
    expect(await memberViewByCard(t.db, 'DEADBEEF', { policy })).toBeUndefined();
    await t.db.run("UPDATE cards SET status = 'blocked' WHERE uid = '5A3C9E12'");
    expect(await memberViewByCard(t.db, '5A3C9E12', { policy })).toBeUndefined();
    expect(await memberViewById(t.db, 'm-1003', { policy })).toBeUndefined();
  });
});
