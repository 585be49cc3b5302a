import { activeClubSettings } from '../console/club-settings.js';
import type { Queryable } from '../db/sqlite.js';
import { bounds, type ReportRange } from './range.js';

/**
 * The KPI dashboard: one function per figure, each a few indexed queries over the range. Money is
 * in minor units (Rial), net of refunds where the figure is about revenue. Rates are 0..1, or null
 * when their denominator is 0. Figures that cannot be split by store (enrolment, referral,
 * redemption, liability, CLV) ignore the store filter and say so in `storeScoped`.
 */
export async function dashboard(db: Queryable, range: ReportRange, timeZone: string, now: Date) {
  const b = bounds(range, timeZone);
  const store = range.store;
  const pStore = store ? ' AND store_id = ?' : '';
  const pArgs = (...a: unknown[]) => (store ? [...a, store] : a);
  const settings = (await activeClubSettings(db)).settings;

  const enrolment = db.all<{ day: string; members: number }>(
    `SELECT date(created_at, ?) AS day, count(*) AS members FROM members WHERE created_at >= ? AND created_at < ? GROUP BY 1 ORDER BY 1`,
    [b.shift, b.start, b.end],
  );
  const salesPerDay = db.all<{ day: string; purchases: number; revenueMinor: number }>(
    `SELECT date(created_at, ?) AS day, count(*) AS purchases, sum(amount_minor) AS revenueMinor
     FROM purchases WHERE created_at >= ? AND created_at < ?${pStore} GROUP BY 1 ORDER BY 1`,
    pArgs(b.shift, b.start, b.end),
  );
  const active = db.get<{ n: number }>(
    `SELECT count(*) AS n FROM (
       SELECT member_id FROM purchases WHERE created_at >= ? AND created_at < ?${pStore}
       UNION
       SELECT member_id FROM checkins WHERE day >= ? AND day <= ?${store ? ' AND device_id IN (SELECT id FROM devices WHERE store = ?)' : ''})`,
    [...pArgs(b.start, b.end), range.from, range.to, ...(store ? [store] : [])],
  );
  const totalMembers = db.get<{ n: number }>('SELECT count(*) AS n FROM members WHERE created_at < ?', [
    b.end,
  ]);
  const memberSales = db.get<{ n: number; sum: number | null; repeaters: number; buyers: number }>(
    `SELECT sum(k) AS n, sum(s) AS sum, sum(k >= 2) AS repeaters, count(*) AS buyers FROM (
       SELECT member_id, count(*) AS k, sum(amount_minor) AS s FROM purchases WHERE created_at >= ? AND created_at < ?${pStore} GROUP BY member_id)`,
    pArgs(b.start, b.end),
  );
  const anonSales = db.get<{ n: number; sum: number | null }>(
    `SELECT count(*) AS n, sum(amount_minor) AS sum FROM anonymous_sales WHERE created_at >= ? AND created_at < ?${pStore}`,
    pArgs(b.start, b.end),
  );
  // Quarter-hour slots: a club day's bounds fall on slot boundaries, so the sums are exact.
  const ledger = db.all<{ kind: string; points: number }>(
    'SELECT kind, sum(points) AS points FROM ledger_slots WHERE slot >= ? AND slot < ? GROUP BY kind',
    [b.start.slice(0, 16), b.end.slice(0, 16)],
  );
  const liability = db.get<{ points: number | null; members: number }>(
    'SELECT sum(points) AS points, count(*) AS members FROM balances WHERE points > 0',
  );
  const expiring = db.get<{ points: number | null }>(
    'SELECT sum(remaining) AS points FROM point_lots WHERE remaining > 0 AND expires_at IS NOT NULL AND expires_at > ? AND expires_at <= ?',
    [now.toISOString(), new Date(now.getTime() + 30 * 86_400_000).toISOString()],
  );
  const referral = db.get<{ n: number; referred: number }>(
    'SELECT count(*) AS n, count(referred_by) AS referred FROM members WHERE created_at >= ? AND created_at < ?',
    [b.start, b.end],
  );
  // One pass over the buyers' index: CLV and the share of buyers lapsed for a year.
  const clv = db.get<{ buyers: number; avgSpend: number | null; lapsed: number | null }>(
    'SELECT count(*) AS buyers, avg(spend_minor) AS avgSpend, sum(last_purchase_at < ?) AS lapsed FROM member_stats WHERE purchases > 0',
    [new Date(now.getTime() - 365 * 86_400_000).toISOString()],
  );
  const kiosk = db.all<{ deviceId: string; store: string | null; type: string; events: number }>(
    `SELECT e.device_id AS deviceId, d.store, e.type, count(*) AS events FROM processed_events e LEFT JOIN devices d ON d.id = e.device_id
     WHERE e.processed_at >= ? AND e.processed_at < ? AND e.status = 'applied'${store ? ' AND d.store = ?' : ''}
     GROUP BY 1, 2, 3 ORDER BY 1, 3`,
    store ? [b.start, b.end, store] : [b.start, b.end],
  );

  const [enrol, sales, act, total, ms, an, led, liab, exp, ref, cl, kio] = await Promise.all([
    enrolment,
    salesPerDay,
    active,
    totalMembers,
    memberSales,
    anonSales,
    ledger,
    liability,
    expiring,
    referral,
    clv,
    kiosk,
  ]);
  const rate = (a: number, b: number) => (b > 0 ? a / b : null);
  const earned = led.filter((l) => l.kind === 'earn').reduce((s, l) => s + l.points, 0);
  const redeemed = -led.filter((l) => l.kind === 'redeem').reduce((s, l) => s + l.points, 0);
  const memberN = ms?.n ?? 0;
  const anonN = an?.n ?? 0;
  const days = Math.round((Date.parse(range.to) - Date.parse(range.from)) / 86_400_000) + 1;
  // Predictive CLV: basket × purchases a year × expected years; years from the share of buyers now
  // lapsed (no purchase in a year), floored at 5% a year so a young club does not get infinite value.
  const basket = rate(ms?.sum ?? 0, memberN);
  const perYear = rate(memberN * (365 / days), ms?.buyers ?? 0);
  const churn = Math.max(0.05, rate(cl?.lapsed ?? 0, cl?.buyers ?? 0) ?? 0);

  return {
    range,
    storeScoped: { enrolment: false, referral: false, redemption: false, liability: false, clv: false },
    enrolmentPerDay: enrol,
    salesPerDay: sales,
    activeMembers: act?.n ?? 0,
    totalMembers: total?.n ?? 0,
    participationRate: rate(memberN, memberN + anonN),
    redemption: { earned, redeemed, rate: rate(redeemed, earned) },
    liability: {
      points: liab?.points ?? 0,
      valueMinor: (liab?.points ?? 0) * settings.pointValueMinor,
      pointValueMinor: settings.pointValueMinor,
      expiring30d: exp?.points ?? 0,
    },
    basket: {
      memberAvgMinor: basket,
      nonMemberAvgMinor: rate(an?.sum ?? 0, anonN),
      memberPurchases: memberN,
      nonMemberPurchases: anonN,
    },
    repeatPurchaseRate: rate(ms?.repeaters ?? 0, ms?.buyers ?? 0),
    referralRate: rate(ref?.referred ?? 0, ref?.n ?? 0),
    clv: {
      historicalAvgMinor: cl?.avgSpend ?? null,
      predictedMinor: basket !== null && perYear !== null ? Math.round(basket * perYear * (1 / churn)) : null,
      annualChurn: churn,
    },
    kioskUsage: kio,
  };
}
export type Dashboard = Awaited<ReturnType<typeof dashboard>>;
