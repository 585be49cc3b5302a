import { Hono } from 'hono';
import { activeClubSettings } from '../../console/club-settings.js';
import { toCsv } from '../../console/csv.js';
import { dashboard } from '../../reports/kpi.js';
import { ReportRange } from '../../reports/range.js';
import { computeRfm, rfmSummary } from '../../reports/rfm.js';
import { HttpError } from '../errors.js';
import type { OperatorEnv } from '../middleware/operator-auth.js';
import { parseInput } from '../validation.js';
import type { ConsoleDeps } from './console-deps.js';

/** Every table behind a chart, as CSV: the same figures the dashboard shows. */
const TABLES: Record<
  string,
  (d: Awaited<ReturnType<typeof dashboard>>) => { columns: string[]; rows: Array<Record<string, unknown>> }
> = {
  enrolment: (d) => ({ columns: ['day', 'members'], rows: d.enrolmentPerDay }),
  sales: (d) => ({ columns: ['day', 'purchases', 'revenueMinor', 'refundedMinor'], rows: d.salesPerDay }),
  kiosks: (d) => ({ columns: ['deviceId', 'store', 'type', 'events'], rows: d.kioskUsage }),
  summary: (d) => ({
    columns: ['figure', 'value'],
    rows: [
      ['activeMembers', d.activeMembers],
      ['totalMembers', d.totalMembers],
      ['participationRate', d.participationRate],
      ['pointsEarned', d.redemption.earned],
      ['pointsRedeemed', d.redemption.redeemed],
      ['redemptionRate', d.redemption.rate],
      ['liabilityPoints', d.liability.points],
      ['liabilityValueMinor', d.liability.valueMinor],
      ['expiring30dPoints', d.liability.expiring30d],
      ['memberBasketMinor', d.basket.memberAvgMinor],
      ['nonMemberBasketMinor', d.basket.nonMemberAvgMinor],
      ['repeatPurchaseRate', d.repeatPurchaseRate],
      ['referralRate', d.referralRate],
      ['clvHistoricalMinor', d.clv.historicalAvgMinor],
      ['clvPredictedMinor', d.clv.predictedMinor],
    ].map(([figure, value]) => ({ figure, value })),
  }),
};

export function consoleReportRoutes(deps: ConsoleDeps) {
  const app = new Hono<OperatorEnv>();
  const { viewer, operator } = deps.roles;

  const range = (q: Record<string, string>) =>
    parseInput(ReportRange, { from: q.from, to: q.to, ...(q.store ? { store: q.store } : {}) }, 'range');

  app.get('/reports/dashboard', viewer, async (c) =>
    c.json(await dashboard(deps.db, range(c.req.query()), deps.timeZone, deps.now())),
  );

  app.get('/reports/:table{[a-z]+\\.csv}', viewer, async (c) => {
    const name = c.req.param('table').replace(/\.csv$/, '');
    let table: { columns: string[]; rows: Array<Record<string, unknown>> };
    if (name === 'rfm') {
      table = {
        columns: ['segment', 'members', 'avgChurnRisk', 'spendMinor'],
        rows: await rfmSummary(deps.db),
      };
    } else {
      const make = TABLES[name];
      if (!make)
        throw new HttpError(404, 'no-such-table', `tables: ${[...Object.keys(TABLES), 'rfm'].join(', ')}`);
      table = make(await dashboard(deps.db, range(c.req.query()), deps.timeZone, deps.now()));
    }
    c.header('content-disposition', `attachment; filename="${name}.csv"`);
    return c.body(`\uFEFF${toCsv(table.columns, table.rows)}`, 200, {
      'content-type': 'text/csv; charset=utf-8',
    });
  });

  app.get('/reports/rfm', viewer, async (c) => {
    const last = await deps.db.get<{ at: string | null }>('SELECT max(rfm_at) AS at FROM member_stats');
    return c.json({ segments: await rfmSummary(deps.db), computedAt: last?.at ?? null });
  });

  app.post('/reports/rfm/run', operator, async (c) => {
    const { settings } = await activeClubSettings(deps.db);
    const t0 = performance.now();
    const r = await computeRfm(deps.db, { now: deps.now(), windowDays: settings.rfmWindowDays });
    deps.logger.info({ ...r, ms: Math.round(performance.now() - t0) }, 'RFM scores computed');
    return c.json({ ...r, segments: await rfmSummary(deps.db) });
  });

  app.get('/stores', viewer, async (c) => {
    const stores = await deps.db.all(
      `SELECT id, name FROM stores UNION SELECT DISTINCT store, store FROM devices WHERE store IS NOT NULL AND store NOT IN (SELECT id FROM stores) ORDER BY 1`,
    );
    return c.json({ stores });
  });

  return app;
}
