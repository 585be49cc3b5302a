import type { Queryable } from '../db/sqlite.js';
import { clubDay } from './day.js';
import { EngineError } from './errors.js';
import { enqueueWebhook } from './webhooks.js';

/**
 * Velocity limits, excluded phone numbers, fraud alerts and the audit trail.
 *
 * A limit refuses the action with `velocity-limit` (nothing written). Because that refusal rolls
 * the transaction back, the alert for the console is written afterwards, by `withFraudAlerts`,
 * in a transaction of its own.
 */

export interface FraudLimits {
  /** Check-ins that earn points per member per club day, across all stores. */
  checkinsPerDay: number;
  /** Reward claims per member per club day. */
  redemptionsPerDay: number;
  /** Purchases one staff member may record for one member per club day. */
  staffPurchasesPerMemberPerDay: number;
}

export const DEFAULT_FRAUD_LIMITS: FraudLimits = {
  checkinsPerDay: 3,
  redemptionsPerDay: 5,
  staffPurchasesPerMemberPerDay: 5,
};

const dayStarts = new Map<string, string>();

/** The UTC instant the club day of `now` began (ISO), for indexed range queries. */
export function clubDayStart(now: Date, timeZone: string): string {
  const key = `${timeZone} ${clubDay(now, timeZone)}`;
  let start = dayStarts.get(key);
  if (!start) {
    start = dayStart(now, timeZone);
    if (dayStarts.size > 1000) dayStarts.clear();
    dayStarts.set(key, start);
  }
  return start;
}

function dayStart(now: Date, timeZone: string): string {
  const day = clubDay(now, timeZone);
  // Club days are at most ±14 h from UTC: search a wide window, then keep rows of this club day.
  for (let h = -14; h <= 14; h++) {
    const t = new Date(Date.parse(`${day}T00:00:00Z`) - h * 3600_000);
    if (clubDay(t, timeZone) === day && clubDay(new Date(t.getTime() - 1), timeZone) !== day)
      return t.toISOString();
  }
  return `${day}T00:00:00.000Z`;
}

function refuse(kind: string, subject: string, limit: number, what: string): never {
  throw new EngineError(
    'velocity-limit',
    `${what}: the limit is ${limit} per day; try again tomorrow, or ask head office if this is genuine`,
    { alert: { kind, subject, limit } },
  );
}

/** Purchases this staff member recorded for this member since the club day began. */
export const STAFF_PURCHASES_TODAY_SQL =
  'SELECT count(*) FROM purchases WHERE staff_id = ? AND member_id = ? AND created_at >= ?';

/** Refuses a purchase when `countToday` already reached the staff-per-member limit. */
export function assertStaffPurchaseVelocity(
  p: { staffId: string | undefined; memberId: string; countToday: number },
  limits: FraudLimits,
): void {
  if (!p.staffId || p.countToday < limits.staffPurchasesPerMemberPerDay) return;
  refuse(
    'staff-purchases',
    `staff:${p.staffId}/member:${p.memberId}`,
    limits.staffPurchasesPerMemberPerDay,
    `staff ${p.staffId} already recorded ${p.countToday} purchases for member ${p.memberId} today`,
  );
}

export async function checkRedemptionVelocity(
  db: Queryable,
  memberId: string,
  limits: FraudLimits,
  now: Date,
  timeZone: string,
): Promise<void> {
  const row = await db.get<{ n: number }>(
    "SELECT count(*) AS n FROM vouchers WHERE member_id = ? AND source = 'points' AND issued_at >= ?",
    [memberId, clubDayStart(now, timeZone)],
  );
  if ((row?.n ?? 0) >= limits.redemptionsPerDay) {
    refuse(
      'redemptions',
      `member:${memberId}`,
      limits.redemptionsPerDay,
      `member ${memberId} already claimed ${row!.n} rewards today`,
    );
  }
}

/** Check-ins at other stores the same day beyond the cap earn nothing; returns whether this one may earn. */
export async function checkinMayEarn(
  db: Queryable,
  memberId: string,
  day: string,
  limits: FraudLimits,
): Promise<boolean> {
  const row = await db.get<{ n: number }>(
    'SELECT count(*) AS n FROM checkins WHERE member_id = ? AND day = ?',
    [memberId, day],
  );
  return (row?.n ?? 0) <= limits.checkinsPerDay;
}

export async function raiseFraudAlert(
  db: Queryable,
  a: { kind: string; subject: string; details?: Record<string, unknown> },
  now: Date,
): Promise<void> {
  // The alert and its webhook deliveries commit together: a crash cannot keep one without the other.
  await db.transaction(async () => {
    const r = await db.run('INSERT INTO fraud_alerts (kind, subject, details, at) VALUES (?, ?, ?, ?)', [
      a.kind,
      a.subject,
      JSON.stringify(a.details ?? {}),
      now.toISOString(),
    ]);
    await enqueueWebhook(
      db,
      {
        id: `fraud-alert-${r.lastID}`,
        type: 'fraud.alert',
        data: {
          id: r.lastID,
          kind: a.kind,
          subject: a.subject,
          details: a.details ?? {},
          at: now.toISOString(),
        },
      },
      now,
    );
  });
}

/** Runs `fn`; if a velocity limit refused it, records the alert (after the rollback) and rethrows. */
export async function withFraudAlerts<T>(db: Queryable, now: Date, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof EngineError && err.code === 'velocity-limit') {
      const alert = err.details.alert as { kind: string; subject: string; limit: number } | undefined;
      if (alert)
        await raiseFraudAlert(
          db,
          { kind: alert.kind, subject: alert.subject, details: { limit: alert.limit, message: err.message } },
          now,
        );
    }
    throw err;
  }
}

export function openFraudAlerts(
  db: Queryable,
): Promise<Array<{ id: number; kind: string; subject: string; details: string; at: string }>> {
  return db.all(
    'SELECT id, kind, subject, details, at FROM fraud_alerts WHERE acknowledged_at IS NULL ORDER BY id DESC LIMIT 200',
  );
}

/**
 * Numbers that are not a person's: test numbers, one digit repeated, runs. Signups with them are
 * refused, since each one would otherwise farm welcome bonuses.
 */
export function isExcludedPhone(e164: string, extra: readonly string[] = []): boolean {
  if (extra.includes(e164)) return true;
  const rest = e164.slice(4); // after +989
  if (/^(\d)\1{8}$/.test(rest)) return true; // 09111111111
  if (/^\d{2}0{7}$/.test(rest)) return true; // 09120000000
  return ['123456789', '012345678', '987654321'].includes(rest);
}

/** One row per manual change: who did what to which subject, with the before/after in details. */
export async function audit(
  db: Queryable,
  e: { actor: string; action: string; subject: string; details?: Record<string, unknown> },
  now: Date,
): Promise<void> {
  await db.run('INSERT INTO audit_log (actor, action, subject, details, at) VALUES (?, ?, ?, ?, ?)', [
    e.actor,
    e.action,
    e.subject,
    JSON.stringify(e.details ?? {}),
    now.toISOString(),
  ]);
}
