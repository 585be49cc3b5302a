import { MemberView, type RewardOffer, type TierCode } from '@bashgah/protocol';
import { hasCheckedIn } from '../db/repos/checkins.js';
import type { Queryable } from '../db/sqlite.js';
import { type CheckinPolicy, checkinPoints } from './checkin.js';
import { clubDay } from './day.js';
import { expiringWithin, pointsSummary } from './lots.js';
import { maskPhone } from './phone.js';
import { punchCardProgress } from './punch-cards.js';
import { activeRules } from './rules/store.js';
import { recentActivity, surveyDue, voucherBySms } from './survey.js';
import { qualifyingTotal, tierProgress } from './tiers.js';

export interface MemberViewContext {
  policy: CheckinPolicy;
  /** The kiosk asking; without one (e.g. the HTTP API) a check-in at any device today counts. */
  deviceId?: string | undefined;
  now?: Date;
  /** How far ahead "expiring soon" looks. */
  expiringWithinDays?: number;
}

/** Reminders and the kiosk warn a month ahead by default. */
export const EXPIRING_SOON_DAYS = 30;
const AFFORDABLE_SHOWN = 5;

interface Row {
  id: string;
  number: number;
  display_name: string;
  tier: TierCode;
  phone: string | null;
  card_uid: string;
  points: number | null;
}

const SELECT = `
  SELECT m.id, m.number, m.display_name, m.tier, m.phone, c.uid AS card_uid, b.points
  FROM members m
  JOIN cards c ON c.member_id = m.id AND c.status = 'active'
  LEFT JOIN balances b ON b.member_id = m.id`;

/** The view a kiosk shows after a tap; undefined for an unknown or blocked card. */
export async function memberViewByCard(
  db: Queryable,
  cardUid: string,
  ctx: MemberViewContext,
): Promise<MemberView | undefined> {
  const row = await db.get<Row>(`${SELECT} WHERE c.uid = ?`, [cardUid]);
  return row && build(db, row, ctx);
}

/** The view for a member id, showing their newest active card; undefined if none. */
export async function memberViewById(
  db: Queryable,
  memberId: string,
  ctx: MemberViewContext,
): Promise<MemberView | undefined> {
  const row = await db.get<Row>(`${SELECT} WHERE m.id = ? ORDER BY c.issued_at DESC, c.uid LIMIT 1`, [
    memberId,
  ]);
  return row && build(db, row, ctx);
}

async function build(db: Queryable, row: Row, ctx: MemberViewContext): Promise<MemberView> {
  const now = ctx.now ?? new Date();
  const withinDays = ctx.expiringWithinDays ?? EXPIRING_SOON_DAYS;
  const rules = await activeRules(db);
  const tiers = rules.config.tiers;
  const [done, summary, expiring, total, rewards, last, punch, activity, survey, bySms] = await Promise.all([
    hasCheckedIn(db, row.id, clubDay(now, ctx.policy.timeZone), ctx.deviceId),
    pointsSummary(db, row.id, now),
    expiringWithin(db, row.id, now, withinDays),
    qualifyingTotal(db, row.id, now, tiers),
    rewardOffers(db, row.tier, now),
    // The newest row by id (rows are appended in time order): one row read, not the whole history.
    db.get<{ at: string }>(
      'SELECT created_at AS at FROM points_ledger WHERE member_id = ? ORDER BY id DESC LIMIT 1',
      [row.id],
    ),
    punchCardProgress(db, row.id, rules.config),
    recentActivity(db, row.id),
    surveyDue(db, row.id, rules.config),
    voucherBySms(db, row.id),
  ]);
  const spendable = summary.spendable;
  // Parsed, not just typed: a row that breaks the contract (say a 90-character name) must fail
  // here, loudly, rather than on every kiosk that receives it.
  return MemberView.parse({
    id: row.id,
    number: row.number,
    displayName: row.display_name,
    points: row.points ?? 0,
    tier: row.tier,
    cardUid: row.card_uid,
    checkinPointsAvailable: done ? 0 : checkinPoints(rules, ctx.policy),
    asOf: now.toISOString(),
    maskedPhone: row.phone ? maskPhone(row.phone) : null,
    pointsPending: summary.pending,
    tierProgress: tierProgress(total, row.tier, tiers),
    expiringSoon: { ...expiring, withinDays },
    rewards: {
      affordable: rewards
        .filter((r) => r.pointsCost <= spendable)
        .slice(0, AFFORDABLE_SHOWN)
        .map((r) => ({ ...r, pointsShort: 0 })),
      next: ((r) => (r ? { ...r, pointsShort: r.pointsCost - spendable } : null))(
        rewards.find((r) => r.pointsCost > spendable),
      ),
    },
    punchCards: punch,
    lastActivityAt: last?.at ?? null,
    recentActivity: activity,
    survey,
    voucherBySms: bySms,
  });
}

/** Rewards on offer to this tier, cheapest first; the caller splits affordable from next. */
async function rewardOffers(
  db: Queryable,
  tier: TierCode,
  now: Date,
): Promise<Omit<RewardOffer, 'pointsShort'>[]> {
  const at = now.toISOString();
  const rows = await db.all<{ id: string; name_fa: string; name_en: string; points_cost: number }>(
    `SELECT id, name_fa, name_en, points_cost FROM rewards
     WHERE active = 1 AND (stock IS NULL OR stock > 0)
       AND (valid_from IS NULL OR valid_from <= ?) AND (valid_to IS NULL OR valid_to > ?)
       AND (min_tier IS NULL OR
            CASE min_tier WHEN 'bronze' THEN 0 WHEN 'silver' THEN 1 WHEN 'gold' THEN 2 ELSE 3 END <=
            CASE ? WHEN 'bronze' THEN 0 WHEN 'silver' THEN 1 WHEN 'gold' THEN 2 ELSE 3 END)
     ORDER BY points_cost, id LIMIT 50`,
    [at, at, tier],
  );
  return rows.map((r) => ({ id: r.id, name: { fa: r.name_fa, en: r.name_en }, pointsCost: r.points_cost }));
}
