import { activeClubSettings } from '../console/club-settings.js';
import type { Queryable } from '../db/sqlite.js';
import { aggregatesOffset } from './aggregates.js';
import { type Bounds, bounds, clubDayAt, clubDayStart, type ReportRange } from './range.js';

/**
 * The KPI dashboard. Money is in minor units (Rial); revenue and baskets are gross, refunds are
 * shown beside them per day. Rates are 0..1, or null when their denominator is 0. Figures that
 * cannot be split by store (enrolment, referral, redemption, liability, CLV) ignore the store
 * filter and say so in `storeScoped`.
 *
 * Normally every figure comes from the aggregates of migration 013 (per club day, kept by
 * triggers), so a year costs what a month does. A range at a UTC offset other than the one the
 * aggregates are filed at is computed from the raw rows instead.
 */
export async function dashboard(db: Queryable, range: ReportRange, timeZone: string, now: Date) {
  const b = bounds(range, timeZone);
  const parts =
    (await aggregatesOffset(db)) === b.offset
      ? await fromAggregates(db, range, b, now)
      : await fromRows(db, range, b, now);
  const settings = (await activeClubSettings(db)).settings;
  return assemble(range, parts, settings.pointValueMinor);
}
export type Dashboard = Awaited<ReturnType<typeof dashboard>>;

/** What the figures are made from; both sources produce exactly this. */
export interface DashboardParts {
  enrolmentPerDay: Array<{ day: string; members: number }>;
  salesPerDay: Array<{ day: string; purchases: number; revenueMinor: number; refundedMinor: number }>;
  activeMembers: number;
  totalMembers: number;
  /** Member purchases in the range: count, gross sum, distinct buyers, buyers with ≥ 2 purchases. */
  memberSales: { n: number; sum: number; buyers: number; repeaters: number };
  anonSales: { n: number; sum: number };
  points: { earned: number; redeemed: number };
  liabilityPoints: number;
  expiring30d: number;
  signups: { n: number; referred: number };
  /** Members who ever bought, their net spend, and how many of them bought nothing in a year. */
  buyersEver: { buyers: number; spendMinor: number; lapsed: number };
  kioskUsage: Array<{ deviceId: string; store: string | null; type: string; events: number }>;
}

function assemble(range: ReportRange, p: DashboardParts, pointValueMinor: number) {
  const rate = (a: number, b: number) => (b > 0 ? a / b : null);
  const memberN = p.memberSales.n;
  const anonN = p.anonSales.n;
  const days = Math.round((Date.parse(range.to) - Date.parse(range.from)) / 86_400_000) + 1;
  // Predictive CLV: basket × purchases a year × expected years; years from the share of buyers now
  // lapsed (no purchase in a year), floored at 5% a year so a young club does not get infinite value.
  const basket = rate(p.memberSales.sum, memberN);
  const perYear = rate(memberN * (365 / days), p.memberSales.buyers);
  const churn = Math.max(0.05, rate(p.buyersEver.lapsed, p.buyersEver.buyers) ?? 0);
  return {
    range,
    storeScoped: { enrolment: false, referral: false, redemption: false, liability: false, clv: false },
    enrolmentPerDay: p.enrolmentPerDay,
    salesPerDay: p.salesPerDay,
    activeMembers: p.activeMembers,
    totalMembers: p.totalMembers,
    participationRate: rate(memberN, memberN + anonN),
    redemption: {
      earned: p.points.earned,
      redeemed: p.points.redeemed,
      rate: rate(p.points.redeemed, p.points.earned),
    },
    liability: {
      points: p.liabilityPoints,
      valueMinor: p.liabilityPoints * pointValueMinor,
      pointValueMinor,
      expiring30d: p.expiring30d,
    },
    basket: {
      memberAvgMinor: basket,
      nonMemberAvgMinor: rate(p.anonSales.sum, anonN),
      memberPurchases: memberN,
      nonMemberPurchases: anonN,
    },
    repeatPurchaseRate: rate(p.memberSales.repeaters, p.memberSales.buyers),
    referralRate: rate(p.signups.referred, p.signups.n),
    clv: {
      historicalAvgMinor: rate(p.buyersEver.spendMinor, p.buyersEver.buyers),
      predictedMinor: basket !== null && perYear !== null ? Math.round(basket * perYear * (1 / churn)) : null,
      annualChurn: churn,
    },
    kioskUsage: p.kioskUsage,
  };
}

/** Figures every source reads the same way: already aggregated, or bounded by time. */
function sharedParts(db: Queryable, b: Bounds, now: Date) {
  // Quarter-hour slots: a club day's bounds fall on slot boundaries, so the sums are exact.
  const points = db
    .all<{ kind: string; points: number }>(
      'SELECT kind, sum(points) AS points FROM ledger_slots WHERE slot >= ? AND slot < ? GROUP BY kind',
      [b.start.slice(0, 16), b.end.slice(0, 16)],
    )
    .then((led) => ({
      earned: led.filter((l) => l.kind === 'earn').reduce((s, l) => s + l.points, 0),
      redeemed: -led.filter((l) => l.kind === 'redeem').reduce((s, l) => s + l.points, 0),
    }));
  // Balances move only by ledger rows (trigger of migration 008) and never go below zero, so the
  // points outstanding are the sum of every ledger row: a few thousand slots, not a million balances.
  const liability = db
    .get<{ points: number | null }>('SELECT sum(points) AS points FROM ledger_slots')
    .then((r) => r?.points ?? 0);
  const expiring = db
    .get<{ points: number | null }>(
      'SELECT sum(remaining) AS points FROM point_lots WHERE remaining > 0 AND expires_at IS NOT NULL AND expires_at > ? AND expires_at <= ?',
      [now.toISOString(), new Date(now.getTime() + 30 * 86_400_000).toISOString()],
    )
    .then((r) => r?.points ?? 0);
  return { points, liability, expiring };
}

/**
 * From migration 013's aggregates. Distinct members (active, buyers, repeaters) come from
 * activity_gaps: each member counts once, at their first mark in the range (see the migration).
 */
async function fromAggregates(
  db: Queryable,
  range: ReportRange,
  b: Bounds,
  now: Date,
): Promise<DashboardParts> {
  const store = range.store;
  const sStore = store ? ' AND store_id = ?' : '';
  const sArgs = (...a: unknown[]) => (store ? [...a, store] : a);
  const { from, to } = range;
  const shared = sharedParts(db, b, now);
  const yearAgo = clubDayAt(new Date(now.getTime() - 365 * 86_400_000), b.offset);

  const [enrol, sales, totals, gaps, total, signups, ever, kiosk, points, liability, expiring] =
    await Promise.all([
      db.all<{ day: string; members: number }>(
        'SELECT day, members FROM daily_signups WHERE day >= ? AND day <= ? AND members > 0 ORDER BY day',
        [from, to],
      ),
      db.all<{ day: string; purchases: number; revenueMinor: number; refundedMinor: number }>(
        `SELECT day, sum(purchases) AS purchases, sum(amount_minor) AS revenueMinor, sum(refunded_minor) AS refundedMinor
         FROM daily_sales WHERE day >= ? AND day <= ?${sStore} GROUP BY day HAVING sum(purchases) > 0 ORDER BY day`,
        sArgs(from, to),
      ),
      db.get<{ n: number | null; sum: number | null; anonN: number | null; anonSum: number | null }>(
        `SELECT sum(purchases) AS n, sum(amount_minor) AS sum, sum(anon_sales) AS anonN, sum(anon_amount_minor) AS anonSum
         FROM daily_sales WHERE day >= ? AND day <= ?${sStore}`,
        sArgs(from, to),
      ),
      db.all<{ kind: string; n: number }>(
        `SELECT kind, sum(n) AS n FROM activity_gaps
         WHERE store_id = ? AND kind IN ('a', 'p', 'p2') AND day >= ? AND day <= ? AND prev_day < ? GROUP BY kind`,
        [store ?? '', from, to, from],
      ),
      db.get<{ n: number | null }>('SELECT sum(members) AS n FROM daily_signups WHERE day <= ?', [to]),
      db.get<{ n: number | null; referred: number | null }>(
        'SELECT sum(members) AS n, sum(referred) AS referred FROM daily_signups WHERE day >= ? AND day <= ?',
        [from, to],
      ),
      // Buyers ever (first purchase mark), and those of them with a purchase in the last year.
      db.get<{ buyers: number | null; recent: number | null; spend: number | null }>(
        `SELECT sum(n) FILTER (WHERE prev_day = '') AS buyers, sum(n) FILTER (WHERE day >= ? AND prev_day < ?) AS recent,
           (SELECT sum(amount_minor - refunded_minor) FROM daily_sales) AS spend
         FROM activity_gaps WHERE store_id = '' AND kind = 'p'`,
        [yearAgo, yearAgo],
      ),
      db.all<{ deviceId: string; store: string | null; type: string; events: number }>(
        `SELECT k.device_id AS deviceId, d.store, k.type, sum(k.events) AS events FROM daily_kiosk k LEFT JOIN devices d ON d.id = k.device_id
         WHERE k.day >= ? AND k.day <= ?${store ? ' AND d.store = ?' : ''}
         GROUP BY 1, 2, 3 ORDER BY 1, 3`,
        store ? [from, to, store] : [from, to],
      ),
      shared.points,
      shared.liability,
      shared.expiring,
    ]);
  const g = (k: string) => gaps.find((x) => x.kind === k)?.n ?? 0;
  const buyers = g('p');
  const buyersEver = ever?.buyers ?? 0;
  return {
    enrolmentPerDay: enrol,
    salesPerDay: sales,
    activeMembers: g('a'),
    totalMembers: total?.n ?? 0,
    memberSales: { n: totals?.n ?? 0, sum: totals?.sum ?? 0, buyers, repeaters: g('p2') - buyers },
    anonSales: { n: totals?.anonN ?? 0, sum: totals?.anonSum ?? 0 },
    points,
    liabilityPoints: liability,
    expiring30d: expiring,
    signups: { n: signups?.n ?? 0, referred: signups?.referred ?? 0 },
    buyersEver: {
      buyers: buyersEver,
      spendMinor: ever?.spend ?? 0,
      lapsed: buyersEver - (ever?.recent ?? 0),
    },
    kioskUsage: kiosk,
  };
}

/**
 * The same figures from the raw rows, for a range at a UTC offset the aggregates are not filed at
 * (a zone with daylight saving, or CLUB_TIMEZONE changed since the server last re-filed them).
 * Right, but seconds for a year at a million members.
 */
export async function fromRows(
  db: Queryable,
  range: ReportRange,
  b: Bounds,
  now: Date,
): Promise<DashboardParts> {
  const store = range.store;
  const pStore = store ? ' AND store_id = ?' : '';
  const pArgs = (...a: unknown[]) => (store ? [...a, store] : a);
  const shared = sharedParts(db, b, now);
  const [enrol, sales, act, total, ms, an, ref, cl, kiosk, points, liability, expiring] = await Promise.all([
    db.all<{ day: string; members: number }>(
      `SELECT date(created_at, ?) AS day, count(*) AS members FROM members WHERE created_at >= ? AND created_at < ? GROUP BY 1 ORDER BY 1`,
      [b.shift, b.start, b.end],
    ),
    db.all<{ day: string; purchases: number; revenueMinor: number; refundedMinor: number }>(
      `SELECT date(created_at, ?) AS day, count(*) AS purchases, sum(amount_minor) AS revenueMinor, sum(refunded_minor) AS refundedMinor
       FROM purchases WHERE created_at >= ? AND created_at < ?${pStore} GROUP BY 1 ORDER BY 1`,
      pArgs(b.shift, b.start, b.end),
    ),
    db.get<{ n: number }>(
      `SELECT count(*) AS n FROM (
         SELECT member_id FROM purchases WHERE created_at >= ? AND created_at < ?${pStore}
         UNION
         SELECT member_id FROM checkins WHERE day >= ? AND day <= ?${store ? ' AND device_id IN (SELECT id FROM devices WHERE store = ?)' : ''})`,
      [...pArgs(b.start, b.end), range.from, range.to, ...(store ? [store] : [])],
    ),
    db.get<{ n: number }>('SELECT count(*) AS n FROM members WHERE created_at < ?', [b.end]),
    db.get<{ n: number | null; sum: number | null; repeaters: number | null; buyers: number }>(
      `SELECT sum(k) AS n, sum(s) AS sum, sum(k >= 2) AS repeaters, count(*) AS buyers FROM (
         SELECT member_id, count(*) AS k, sum(amount_minor) AS s FROM purchases WHERE created_at >= ? AND created_at < ?${pStore} GROUP BY member_id)`,
      pArgs(b.start, b.end),
    ),
    db.get<{ n: number; sum: number | null }>(
      `SELECT count(*) AS n, sum(amount_minor) AS sum FROM anonymous_sales WHERE created_at >= ? AND created_at < ?${pStore}`,
      pArgs(b.start, b.end),
    ),
    db.get<{ n: number; referred: number }>(
      'SELECT count(*) AS n, count(referred_by) AS referred FROM members WHERE created_at >= ? AND created_at < ?',
      [b.start, b.end],
    ),
    db.get<{ buyers: number; spend: number | null; lapsed: number | null }>(
      'SELECT count(*) AS buyers, sum(spend_minor) AS spend, sum(last_purchase_at < ?) AS lapsed FROM member_stats WHERE purchases > 0',
      [clubDayStart(clubDayAt(new Date(now.getTime() - 365 * 86_400_000), b.offset), b.offset)],
    ),
    db.all<{ deviceId: string; store: string | null; type: string; events: number }>(
      `SELECT e.device_id AS deviceId, d.store, e.type, count(*) AS events FROM processed_events e LEFT JOIN devices d ON d.id = e.device_id
       WHERE e.processed_at >= ? AND e.processed_at < ? AND e.status = 'applied'${store ? ' AND d.store = ?' : ''}
       GROUP BY 1, 2, 3 ORDER BY 1, 3`,
      store ? [b.start, b.end, store] : [b.start, b.end],
    ),
    shared.points,
    shared.liability,
    shared.expiring,
  ]);
  return {
    enrolmentPerDay: enrol,
    salesPerDay: sales,
    activeMembers: act?.n ?? 0,
    totalMembers: total?.n ?? 0,
    memberSales: { n: ms?.n ?? 0, sum: ms?.sum ?? 0, buyers: ms?.buyers ?? 0, repeaters: ms?.repeaters ?? 0 },
    anonSales: { n: an?.n ?? 0, sum: an?.sum ?? 0 },
    points,
    liabilityPoints: liability,
    expiring30d: expiring,
    signups: { n: ref?.n ?? 0, referred: ref?.referred ?? 0 },
    buyersEver: { buyers: cl?.buyers ?? 0, spendMinor: cl?.spend ?? 0, lapsed: cl?.lapsed ?? 0 },
    kioskUsage: kiosk,
  };
}
