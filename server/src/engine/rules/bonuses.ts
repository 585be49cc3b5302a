import type { Queryable } from '../../db/sqlite.js';
import { clubDay } from '../day.js';
import { credit, debit } from '../ledger.js';
import { DAY_MS } from '../lots.js';
import type { RuleConfig } from './config.js';

export type BonusKind = 'welcome' | 'birthday' | 'survey' | 'referral';

/**
 * Credits a flat bonus at most once per member, kind and period; returns the points awarded (0 if
 * the member already had this one, or the rule awards 0). The member_bonuses primary key is what
 * makes a replay or a race award nothing.
 */
export function awardBonus(
  db: Queryable,
  b: {
    memberId: string;
    kind: BonusKind;
    period: string;
    points: number;
    rules: RuleConfig;
    now: Date;
    eventId?: string;
  },
): Promise<number> {
  return db.transaction(async () => {
    // A bonus taken back (reversed_at set: a referral whose purchases were all refunded) may be
    // claimed again; any other existing row means it was already paid.
    const claimed = await db.run(
      `INSERT INTO member_bonuses (member_id, kind, period, points, at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (member_id, kind, period) DO UPDATE SET points = excluded.points, at = excluded.at,
         ledger_id = NULL, reversed_at = NULL
       WHERE member_bonuses.reversed_at IS NOT NULL`,
      [b.memberId, b.kind, b.period, b.points, b.now.toISOString()],
    );
    if (claimed.changes === 0 || b.points === 0) return 0;
    const { entryId } = await credit(
      db,
      {
        memberId: b.memberId,
        kind: 'earn',
        points: b.points,
        cause: b.period ? `${b.kind}:${b.period}` : b.kind,
        eventId: b.eventId,
      },
      b.now,
      { expiresAt: new Date(b.now.getTime() + b.rules.lots.lifetimeDays * DAY_MS) },
    );
    await db.run('UPDATE member_bonuses SET ledger_id = ? WHERE member_id = ? AND kind = ? AND period = ?', [
      entryId,
      b.memberId,
      b.kind,
      b.period,
    ]);
    return b.points;
  });
}

export const awardWelcome = (db: Queryable, memberId: string, rules: RuleConfig, now: Date) =>
  awardBonus(db, { memberId, kind: 'welcome', period: '', points: rules.welcome.points, rules, now });

export const awardSurvey = (
  db: Queryable,
  memberId: string,
  surveyId: string,
  rules: RuleConfig,
  now: Date,
) => awardBonus(db, { memberId, kind: 'survey', period: surveyId, points: rules.survey.points, rules, now });

/**
 * The year whose birthday window contains `today`, or undefined. Windows may cross New Year (a
 * 2 January birthday with 3 days before starts on 30 December), so the neighbouring years'
 * birthdays are checked too. A 29 February birthday falls on 28 February in other years.
 */
export function birthdayWindowYear(
  birthday: string,
  today: string,
  daysBefore: number,
  daysAfter: number,
): number | undefined {
  const [, m, d] = birthday.split('-').map(Number) as [number, number, number];
  const [ty, tm, td] = today.split('-').map(Number) as [number, number, number];
  const t = Date.UTC(ty, tm - 1, td);
  for (const year of [ty - 1, ty, ty + 1]) {
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    const day = m === 2 && d === 29 && !leap ? 28 : d;
    const b = Date.UTC(year, m - 1, day);
    if (t >= b - daysBefore * DAY_MS && t <= b + daysAfter * DAY_MS) return year;
  }
  return undefined;
}

/** Awards the birthday bonus if today (club time) is in the member's window and not yet given. */
export async function awardBirthdayIfDue(
  db: Queryable,
  member: { id: string; birthday: string | null },
  rules: RuleConfig,
  now: Date,
  timeZone: string,
): Promise<number> {
  if (!member.birthday) return 0;
  const { points, daysBefore, daysAfter } = rules.birthday;
  const year = birthdayWindowYear(member.birthday, clubDay(now, timeZone), daysBefore, daysAfter);
  if (year === undefined) return 0;
  return awardBonus(db, { memberId: member.id, kind: 'birthday', period: String(year), points, rules, now });
}

/**
 * Pays the referral bonus to both sides when the referred member's first purchase lands. Keyed on
 * the other member's id, so each pair is paid once whatever is replayed. "First" counts only
 * purchases not refunded in full: the bonus is owed while the referee keeps at least one purchase
 * (see reverseReferralIfNoPurchaseKept), so a buy-and-return cannot farm it.
 */
export async function awardReferralIfFirstPurchase(
  db: Queryable,
  member: { id: string; referred_by: string | null },
  rules: RuleConfig,
  now: Date,
): Promise<{ referee: number; referrer: number }> {
  if (!member.referred_by) return { referee: 0, referrer: 0 };
  const purchases = await db.get<{ n: number }>(
    'SELECT count(*) AS n FROM purchases WHERE member_id = ? AND refunded_minor < amount_minor',
    [member.id],
  );
  if ((purchases?.n ?? 0) !== 1) return { referee: 0, referrer: 0 };
  const referee = await awardBonus(db, {
    memberId: member.id,
    kind: 'referral',
    period: member.referred_by,
    points: rules.referral.refereePoints,
    rules,
    now,
  });
  const referrer = await awardBonus(db, {
    memberId: member.referred_by,
    kind: 'referral',
    period: member.id,
    points: rules.referral.referrerPoints,
    rules,
    now,
  });
  return { referee, referrer };
}

export interface ReferralReversal {
  /** Points taken back from the referee and from the referrer. */
  referee: number;
  referrer: number;
  /** Points owed back that were already spent (balances never go below zero). */
  shortfall: number;
}

/**
 * A full refund of the referee's last kept purchase undoes the referral: both sides' bonuses are
 * taken back (from the bonus's own lot first, pending or not; what was spent is a shortfall) and
 * marked reversed, so the referee's next kept purchase pays them again. While any purchase of the
 * referee stands, the bonus stands. Returns null when there was nothing to undo.
 */
export async function reverseReferralIfNoPurchaseKept(
  db: Queryable,
  memberId: string,
  cause: string,
  now: Date,
): Promise<ReferralReversal | null> {
  const row = await db.get<{ referred_by: string | null; kept: number }>(
    `SELECT referred_by,
       (SELECT count(*) FROM purchases p WHERE p.member_id = m.id AND p.refunded_minor < p.amount_minor) AS kept
     FROM members m WHERE id = ?`,
    [memberId],
  );
  if (!row?.referred_by || row.kept > 0) return null;
  const referrer = row.referred_by;
  const bonuses = await db.all<{ member_id: string; points: number; ledger_id: number | null }>(
    `SELECT member_id, points, ledger_id FROM member_bonuses
     WHERE kind = 'referral' AND reversed_at IS NULL AND ((member_id = ? AND period = ?) OR (member_id = ? AND period = ?))`,
    [memberId, referrer, referrer, memberId],
  );
  if (bonuses.length === 0) return null;
  const out: ReferralReversal = { referee: 0, referrer: 0, shortfall: 0 };
  for (const b of bonuses) {
    if (b.points > 0 && b.ledger_id !== null) {
      const lot = await db.get<{ id: number }>(
        'SELECT id FROM point_lots WHERE member_id = ? AND ledger_id = ? AND remaining > 0',
        [b.member_id, b.ledger_id],
      );
      const d = await debit(
        db,
        { memberId: b.member_id, kind: 'reverse', points: b.points, cause: `${cause}:referral` },
        now,
        { includePending: true, preferLotId: lot?.id, allowPartial: true },
      );
      if (b.member_id === memberId) out.referee += d.taken;
      else out.referrer += d.taken;
      out.shortfall += b.points - d.taken;
    }
    await db.run(
      "UPDATE member_bonuses SET reversed_at = ? WHERE member_id = ? AND kind = 'referral' AND period = ?",
      [now.toISOString(), b.member_id, b.member_id === memberId ? referrer : memberId],
    );
  }
  return out;
}
