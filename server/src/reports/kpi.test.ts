import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleHarness } from '../../test/console-helpers.js';
import { aggregatesOffset } from './aggregates.js';
import { computeRfm, segmentOf } from './rfm.js';

/**
 * KPI and RFM figures against a generated dataset. The data is generated in JS, written to the
 * database through plain INSERTs (the triggers keep the statistics), and every expected figure is
 * computed here in JS from the generated rows themselves, never from the database.
 */
const NOW = new Date('2025-06-01T08:00:00.000Z');
const TZ_SHIFT = 210 * 60_000; // Tehran, +03:30
const DAY = 86_400_000;

function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
const localDay = (iso: string) => new Date(Date.parse(iso) + TZ_SHIFT).toISOString().slice(0, 10);

interface M {
  id: string;
  number: number;
  createdAt: string;
  referredBy: string | null;
}
interface P {
  member: string;
  store: string;
  amount: number;
  at: string;
  receipt: string;
}
interface L {
  member: string;
  kind: 'earn' | 'redeem';
  points: number;
  at: string;
}

function generate() {
  const rnd = prng(42);
  const members: M[] = [];
  const purchases: P[] = [];
  const ledger: L[] = [];
  const anon: Array<{ store: string; amount: number; at: string; receipt: string }> = [];
  const checkins: Array<{ member: string; device: string; day: string }> = [];
  for (let i = 0; i < 400; i++) {
    const number = 1001 + i;
    const createdAt = new Date(NOW.getTime() - Math.floor(rnd() * 90 * DAY)).toISOString();
    members.push({
      id: `m-${number}`,
      number,
      createdAt,
      referredBy: i > 10 && i % 7 === 0 ? `m-${1001 + (i % 10)}` : null,
    });
    const k = Math.floor(rnd() * 7);
    for (let j = 0; j < k; j++) {
      const at = new Date(NOW.getTime() - Math.floor(rnd() * 420 * DAY) - 60_000).toISOString();
      const amount = 10_000 * (1 + Math.floor(rnd() * 500));
      purchases.push({
        member: `m-${number}`,
        store: rnd() < 0.6 ? 'S1' : 'S2',
        amount,
        at,
        receipt: `R${i}-${j}`,
      });
      ledger.push({ member: `m-${number}`, kind: 'earn', points: Math.floor(amount / 100_000) + 1, at });
    }
    if (k > 2)
      ledger.push({
        member: `m-${number}`,
        kind: 'redeem',
        points: -1,
        at: new Date(NOW.getTime() - Math.floor(rnd() * 40 * DAY)).toISOString(),
      });
    if (rnd() < 0.3)
      checkins.push({
        member: `m-${number}`,
        device: rnd() < 0.5 ? 'k1' : 'k2',
        day: localDay(new Date(NOW.getTime() - Math.floor(rnd() * 60 * DAY)).toISOString()),
      });
  }
  for (let i = 0; i < 150; i++) {
    anon.push({
      store: rnd() < 0.5 ? 'S1' : 'S2',
      amount: 10_000 * (1 + Math.floor(rnd() * 300)),
      at: new Date(NOW.getTime() - Math.floor(rnd() * 60 * DAY)).toISOString(),
      receipt: `A${i}`,
    });
  }
  return { members, purchases, ledger, anon, checkins };
}

describe('KPI dashboard and RFM against a generated dataset', () => {
  let h: Awaited<ReturnType<typeof consoleHarness>>;
  const data = generate();
  const range = { from: '2025-05-01', to: '2025-05-31' };
  const start = new Date(Date.parse(`${range.from}T00:00:00Z`) - TZ_SHIFT).toISOString();
  const end = new Date(Date.parse(`${range.to}T00:00:00Z`) + DAY - TZ_SHIFT).toISOString();
  const inRange = (at: string) => at >= start && at < end;

  beforeAll(async () => {
    h = await consoleHarness({ now: () => NOW });
    const db = h.db;
    await db.transaction(async () => {
      await db.run(
        "INSERT INTO devices (id, status, store) VALUES ('k1', 'online', 'S1'), ('k2', 'online', 'S2')",
      );
      for (const m of data.members) {
        await db.run(
          'INSERT INTO members (id, number, display_name, tier, created_at, referred_by) VALUES (?, ?, ?, ?, ?, ?)',
          [m.id, m.number, `Member ${m.number}`, 'bronze', m.createdAt, m.referredBy],
        );
      }
      for (const p of data.purchases) {
        await db.run(
          `INSERT INTO purchases (store_id, receipt_id, member_id, amount_minor, currency, lines, request_hash, points, rules_version, breakdown, created_at)
           VALUES (?, ?, ?, ?, 'IRR', '[]', 'h', 0, 0, '{}', ?)`,
          [p.store, p.receipt, p.member, p.amount, p.at],
        );
      }
      for (const l of data.ledger) {
        await db.run(
          'INSERT INTO points_ledger (member_id, kind, points, cause, created_at) VALUES (?, ?, ?, ?, ?)',
          [l.member, l.kind, l.points, 'gen', l.at],
        );
      }
      for (const a of data.anon) {
        await db.run(
          'INSERT INTO anonymous_sales (store_id, receipt_id, amount_minor, created_at) VALUES (?, ?, ?, ?)',
          [a.store, a.receipt, a.amount, a.at],
        );
      }
      for (const c of data.checkins) {
        await db.run(
          'INSERT OR IGNORE INTO checkins (member_id, device_id, day, event_id) VALUES (?, ?, ?, ?)',
          [c.member, c.device, c.day, `e-${c.member}-${c.day}`],
        );
      }
    });
  });
  afterAll(() => h.cleanup());

  function expected(store?: string) {
    const ps = data.purchases.filter((p) => inRange(p.at) && (!store || p.store === store));
    const an = data.anon.filter((a) => inRange(a.at) && (!store || a.store === store));
    const devStore: Record<string, string> = { k1: 'S1', k2: 'S2' };
    const active = new Set([
      ...ps.map((p) => p.member),
      ...data.checkins
        .filter((c) => c.day >= range.from && c.day <= range.to && (!store || devStore[c.device] === store))
        .map((c) => c.member),
    ]);
    const perMember = new Map<string, number>();
    for (const p of ps) perMember.set(p.member, (perMember.get(p.member) ?? 0) + 1);
    const enrolled = data.members.filter((m) => inRange(m.createdAt));
    const enrolPerDay = new Map<string, number>();
    for (const m of enrolled)
      enrolPerDay.set(localDay(m.createdAt), (enrolPerDay.get(localDay(m.createdAt)) ?? 0) + 1);
    const lr = data.ledger.filter((l) => inRange(l.at));
    const earned = lr.filter((l) => l.kind === 'earn').reduce((s, l) => s + l.points, 0);
    const redeemed = -lr.filter((l) => l.kind === 'redeem').reduce((s, l) => s + l.points, 0);
    const balances = new Map<string, number>();
    for (const l of data.ledger) balances.set(l.member, (balances.get(l.member) ?? 0) + l.points);
    const spend = new Map<string, number>();
    for (const p of data.purchases) spend.set(p.member, (spend.get(p.member) ?? 0) + p.amount);
    return {
      enrolmentPerDay: [...enrolPerDay].sort().map(([day, members]) => ({ day, members })),
      activeMembers: active.size,
      participationRate: ps.length / (ps.length + an.length),
      repeatPurchaseRate: [...perMember.values()].filter((k) => k >= 2).length / perMember.size,
      memberAvg: ps.reduce((s, p) => s + p.amount, 0) / ps.length,
      nonMemberAvg: an.reduce((s, a) => s + a.amount, 0) / an.length,
      referralRate: enrolled.filter((m) => m.referredBy).length / enrolled.length,
      redemption: { earned, redeemed, rate: redeemed / earned },
      liabilityPoints: [...balances.values()].filter((b) => b > 0).reduce((s, b) => s + b, 0),
      clvHistorical: [...spend.values()].reduce((s, v) => s + v, 0) / spend.size,
    };
  }

  for (const store of [undefined, 'S1']) {
    it(`matches the dashboard${store ? ` for store ${store}` : ''}`, async () => {
      // Tehran's offset is the one the aggregates are filed at: the dashboard reads them, not the rows.
      expect(await aggregatesOffset(h.db)).toBe(210);
      const q = new URLSearchParams({ ...range, ...(store ? { store } : {}) });
      const r = await h.viewer('GET', `/reports/dashboard?${q}`);
      expect(r.status, r.text).toBe(200);
      const d = r.json;
      const e = expected(store);
      expect(e.activeMembers).toBeGreaterThan(20);
      expect(d.activeMembers).toBe(e.activeMembers);
      expect(d.participationRate).toBeCloseTo(e.participationRate, 12);
      expect(d.repeatPurchaseRate).toBeCloseTo(e.repeatPurchaseRate, 12);
      expect(d.basket.memberAvgMinor).toBeCloseTo(e.memberAvg, 6);
      expect(d.basket.nonMemberAvgMinor).toBeCloseTo(e.nonMemberAvg, 6);
      if (!store) {
        expect(d.enrolmentPerDay).toEqual(e.enrolmentPerDay);
        expect(d.referralRate).toBeCloseTo(e.referralRate, 12);
        expect(d.redemption).toEqual(e.redemption);
        expect(d.liability.points).toBe(e.liabilityPoints);
        expect(d.liability.valueMinor).toBe(e.liabilityPoints * 1000);
        expect(d.clv.historicalAvgMinor).toBeCloseTo(e.clvHistorical, 6);
      }
    });
  }

  it('exports the tables behind the charts as CSV', async () => {
    const r = await h.viewer('GET', `/reports/enrolment.csv?${new URLSearchParams(range)}`);
    expect(r.status).toBe(200);
    const lines = r.text
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe('day,members');
    expect(lines.slice(1)).toEqual(expected().enrolmentPerDay.map((x) => `${x.day},${x.members}`));
    expect((await h.viewer('GET', `/reports/summary.csv?${new URLSearchParams(range)}`)).text).toContain(
      'activeMembers,',
    );
    expect((await h.viewer('GET', '/reports/nope.csv?from=2025-05-01&to=2025-05-31')).status).toBe(404);
    expect((await h.viewer('GET', '/reports/dashboard?from=2025-06-01&to=2025-05-01')).status).toBe(400);
  });

  it('scores RFM like an independent JS computation, and segments filter members', async () => {
    expect((await h.viewer('POST', '/reports/rfm/run')).status).toBe(403);
    const run = await h.operator('POST', '/reports/rfm/run');
    expect(run.status, run.text).toBe(200);
    const since = new Date(NOW.getTime() - 365 * DAY).toISOString();
    const base = new Map<string, { f: number; m: number; last: string }>();
    for (const p of data.purchases.filter((x) => x.at >= since)) {
      const b = base.get(p.member) ?? { f: 0, m: 0, last: '' };
      base.set(p.member, { f: b.f + 1, m: b.m + p.amount, last: p.at > b.last ? p.at : b.last });
    }
    const n = base.size;
    const score = (values: number[], v: number) =>
      1 + Math.floor((5 * values.filter((x) => x < v).length) / n);
    const lasts = [...base.values()].map((b) => Date.parse(b.last));
    const fs = [...base.values()].map((b) => b.f);
    const ms = [...base.values()].map((b) => b.m);
    const rows = await h.db.all<{
      member_id: string;
      rfm_r: number;
      rfm_f: number;
      rfm_m: number;
      rfm_segment: string | null;
      churn_risk: number | null;
    }>('SELECT member_id, rfm_r, rfm_f, rfm_m, rfm_segment, churn_risk FROM member_stats');
    const everBought = new Set(data.purchases.map((p) => p.member));
    const segCounts = new Map<string, number>();
    for (const row of rows) {
      const b = base.get(row.member_id);
      if (!b) {
        expect(row.rfm_segment).toBe(everBought.has(row.member_id) ? 'lost' : null);
        continue;
      }
      const r = score(lasts, Date.parse(b.last));
      const f = score(fs, b.f);
      const m = score(ms, b.m);
      expect([row.rfm_r, row.rfm_f, row.rfm_m]).toEqual([r, f, m]);
      expect(row.rfm_segment).toBe(segmentOf(r, f, m));
      const risk = Math.min(1, (NOW.getTime() - Date.parse(b.last)) / DAY / ((3 * 365) / b.f));
      expect(row.churn_risk).toBeCloseTo(risk, 3);
      segCounts.set(row.rfm_segment!, (segCounts.get(row.rfm_segment!) ?? 0) + 1);
    }
    expect(segCounts.size).toBeGreaterThan(4);
    const champions = segCounts.get('champions') ?? 0;
    expect((await h.viewer('POST', '/members/query', { filter: { rfm: ['champions'] } })).json.count).toBe(
      champions,
    );
    const summary = (await h.viewer('GET', '/reports/rfm')).json.segments as Array<{
      segment: string;
      members: number;
    }>;
    expect(summary.find((s) => s.segment === 'champions')?.members).toBe(champions);
  });

  it('scores the same in small batches, and other writes get in while it runs', async () => {
    const snapshot = () =>
      h.db.all(
        'SELECT member_id, rfm_r, rfm_f, rfm_m, rfm_segment, churn_risk FROM member_stats ORDER BY member_id',
      );
    await computeRfm(h.db, { now: NOW, windowDays: 365 });
    const whole = await snapshot();
    await h.db.run('UPDATE member_stats SET rfm_segment = NULL, rfm_r = NULL');
    const order: string[] = [];
    const run = computeRfm(h.db, { now: NOW, windowDays: 365, batchSize: 37 }).then((r) => {
      order.push('rfm');
      return r;
    });
    // Issued after the run started; with one long statement it would wait for all of it.
    await new Promise((resolve) => setImmediate(resolve));
    const write = h.db
      .run(
        "INSERT INTO saved_segments (name, filter, created_by, created_at) VALUES ('during rfm', '{}', 't', 'now')",
      )
      .then(() => order.push('write'));
    const [r] = await Promise.all([run, write]);
    expect(order).toEqual(['write', 'rfm']);
    expect(r.batches).toBe(Math.ceil(data.members.length / 37));
    expect(r.longestBlockMs).toBeGreaterThan(0);
    expect(await snapshot()).toEqual(whole);
  });

  it('the statistics the triggers keep equal a recount from the raw rows', async () => {
    const spend = new Map<string, number>();
    for (const p of data.purchases) spend.set(p.member, (spend.get(p.member) ?? 0) + p.amount);
    const rows = await h.db.all<{ member_id: string; spend_minor: number; purchases: number }>(
      'SELECT member_id, spend_minor, purchases FROM member_stats WHERE purchases > 0',
    );
    expect(new Map(rows.map((r) => [r.member_id, r.spend_minor]))).toEqual(spend);
  });
});
