import { TIER_CODES, type TierCode } from '@bashgah/protocol';
import type { Queryable } from '../db/sqlite.js';
import { DAY_MS } from './lots.js';
import type { RuleConfig } from './rules/config.js';

/**
 * Tiers follow a rolling window: points earned (or money spent, net of refunds) in the last
 * `windowDays`. Reaching a threshold upgrades at once, so the member sees it at the till; falling
 * below one only counts at the periodic requalification, so a quiet month never costs a tier
 * mid-period.
 */

type Tiers = RuleConfig['tiers'];

const rank = (t: TierCode) => TIER_CODES.indexOf(t);

export function tierFor(total: number, tiers: Tiers): TierCode {
  let best: TierCode = 'bronze';
  for (const t of TIER_CODES) if (total >= tiers.levels[t].threshold) best = t;
  return best;
}

const windowStart = (now: Date, tiers: Tiers) =>
  new Date(now.getTime() - tiers.windowDays * DAY_MS).toISOString();

/** Points earned minus points reversed, or amount spent minus refunded, inside the window. */
export async function qualifyingTotal(
  db: Queryable,
  memberId: string,
  now: Date,
  tiers: Tiers,
): Promise<number> {
  const since = windowStart(now, tiers);
  const row =
    tiers.measure === 'points'
      ? await db.get<{ total: number | null }>(
          `SELECT sum(points) AS total FROM points_ledger
           WHERE member_id = ? AND kind IN ('earn', 'reverse') AND created_at > ?`,
          [memberId, since],
        )
      : await db.get<{ total: number | null }>(
          'SELECT sum(amount_minor - refunded_minor) AS total FROM purchases WHERE member_id = ? AND created_at > ?',
          [memberId, since],
        );
  return Math.max(0, row?.total ?? 0);
}

/**
 * The qualifying-total subquery for one member (`?` = member id, then window start), for callers
 * that fold it into a read they make anyway; `qualifyingTotal` is the same as a query of its own.
 */
export function qualifyingTotalSql(tiers: Tiers): string {
  return tiers.measure === 'points'
    ? "SELECT coalesce(sum(points), 0) FROM points_ledger WHERE member_id = ? AND kind IN ('earn', 'reverse') AND created_at > ?"
    : 'SELECT coalesce(sum(amount_minor - refunded_minor), 0) FROM purchases WHERE member_id = ? AND created_at > ?';
}

export { windowStart as tierWindowStart };

/** Moves a member up if they now qualify for a higher tier; never down. Returns the tier held. */
export async function upgradeIfQualified(
  db: Queryable,
  member: { id: string; tier: TierCode },
  now: Date,
  tiers: Tiers,
): Promise<TierCode> {
  // Nothing above the top tier: spare the window query on every purchase of a platinum member.
  if (rank(member.tier) === TIER_CODES.length - 1) return member.tier;
  return upgradeForTotal(db, member, await qualifyingTotal(db, member.id, now, tiers), now, tiers);
}

/** As upgradeIfQualified, for a caller that already knows the member's qualifying total. */
export async function upgradeForTotal(
  db: Queryable,
  member: { id: string; tier: TierCode },
  total: number,
  now: Date,
  tiers: Tiers,
): Promise<TierCode> {
  const earned = tierFor(total, tiers);
  if (rank(earned) <= rank(member.tier)) return member.tier;
  await setTier(db, member.id, member.tier, earned, 'upgrade', total, now);
  return earned;
}

async function setTier(
  db: Queryable,
  memberId: string,
  from: TierCode,
  to: TierCode,
  reason: 'upgrade' | 'requalify',
  total: number,
  now: Date,
): Promise<void> {
  await db.run('UPDATE members SET tier = ? WHERE id = ?', [to, memberId]);
  await db.run(
    'INSERT INTO tier_changes (member_id, from_tier, to_tier, reason, total, at) VALUES (?, ?, ?, ?, ?, ?)',
    [memberId, from, to, reason, total, now.toISOString()],
  );
}

/**
 * The periodic review: every member gets the tier their window earns, up or down. One transaction
 * per page of members, so the till keeps working during a long run.
 */
export async function requalifyAll(
  db: Queryable,
  now: Date,
  tiers: Tiers,
  opts: { pageSize?: number } = {},
): Promise<{ checked: number; upgraded: number; downgraded: number }> {
  const stats = { checked: 0, upgraded: 0, downgraded: 0 };
  let after = '';
  for (;;) {
    const page = await db.all<{ id: string; tier: TierCode }>(
      'SELECT id, tier FROM members WHERE id > ? ORDER BY id LIMIT ?',
      [after, opts.pageSize ?? 500],
    );
    if (page.length === 0) return stats;
    await db.transaction(async () => {
      for (const m of page) {
        const total = await qualifyingTotal(db, m.id, now, tiers);
        const earned = tierFor(total, tiers);
        stats.checked++;
        if (earned === m.tier) continue;
        if (rank(earned) > rank(m.tier)) stats.upgraded++;
        else stats.downgraded++;
        await setTier(db, m.id, m.tier, earned, 'requalify', total, now);
      }
    });
    after = page[page.length - 1]!.id;
  }
}

export interface TierProgress {
  measure: 'points' | 'spend';
  /** Qualifying total in the window so far. */
  current: number;
  nextTier: TierCode | null;
  /** How much more is needed for the next tier; 0 at the top. */
  remaining: number;
  windowDays: number;
}

export function tierProgress(current: number, tier: TierCode, tiers: Tiers): TierProgress {
  const next = TIER_CODES[rank(tier) + 1] ?? null;
  return {
    measure: tiers.measure,
    current,
    nextTier: next,
    remaining: next ? Math.max(0, tiers.levels[next].threshold - current) : 0,
    windowDays: tiers.windowDays,
  };
}
