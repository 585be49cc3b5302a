import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger, tempDb } from '../../test/helpers.js';
import { MIGRATIONS_DIR, migrate } from '../db/migrate.js';
import type { SqliteDb } from '../db/sqlite.js';
import { aggregatesOffset, ensureReportAggregates, rebuildReportAggregates } from './aggregates.js';
import { dashboard } from './kpi.js';

/**
 * Migration 013's aggregates against plain SQL over the raw rows, written here independently of
 * both dashboard code paths (club days by date(t, offset) rather than UTC bounds; distinct members
 * by GROUP BY). Rows go in before the migration (its backfill), after it (the triggers: in time
 * order, back-dated, a second purchase the same day, a refund, a check-in), and the whole lot is
 * re-filed at another time zone's offset.
 */
const NOW = new Date('2025-06-01T08:00:00.000Z');
const DAY = 86_400_000;

function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

async function insertRows(db: SqliteDb, seed: number, prefix: string, members: number) {
  const rnd = prng(seed);
  const iso = (msAgo: number) => new Date(NOW.getTime() - msAgo).toISOString();
  await db.transaction(async () => {
    for (let i = 0; i < members; i++) {
      const id = `${prefix}${i}`;
      await db.run(
        'INSERT INTO members (id, number, display_name, created_at, referred_by) VALUES (?, ?, ?, ?, ?)',
        [
          id,
          Number(`${seed}${1000 + i}`),
          `M ${id}`,
          iso(rnd() * 400 * DAY),
          i > 5 && i % 4 === 0 ? `${prefix}${i % 5}` : null,
        ],
      );
      const k = Math.floor(rnd() * 6);
      for (let j = 0; j < k; j++) {
        const at = rnd() * 420 * DAY;
        const store = rnd() < 0.5 ? 'S1' : 'S2';
        await db.run(
          `INSERT INTO purchases (store_id, receipt_id, member_id, amount_minor, currency, lines, request_hash, points, rules_version, breakdown, created_at)
           VALUES (?, ?, ?, ?, 'IRR', '[]', 'h', 0, 0, '{}', ?)`,
          [store, `${id}-${j}`, id, 10_000 * (1 + Math.floor(rnd() * 90)), iso(at)],
        );
        // Now and then a second (and third) receipt the same club day, at either store.
        if (rnd() < 0.25) {
          for (let x = 0; x < 1 + Math.floor(rnd() * 2); x++) {
            await db.run(
              `INSERT INTO purchases (store_id, receipt_id, member_id, amount_minor, currency, lines, request_hash, points, rules_version, breakdown, created_at)
               VALUES (?, ?, ?, 50000, 'IRR', '[]', 'h', 0, 0, '{}', ?)`,
              [rnd() < 0.5 ? 'S1' : 'S2', `${id}-${j}-${x}`, id, iso(at - 60_000 * (x + 1))],
            );
          }
        }
        await db.run(
          "INSERT INTO points_ledger (member_id, kind, points, cause, created_at) VALUES (?, 'earn', ?, 'gen', ?)",
          [id, 1 + j, iso(at)],
        );
      }
      if (rnd() < 0.4) {
        const day = new Date(NOW.getTime() + 210 * 60_000 - Math.floor(rnd() * 200) * DAY)
          .toISOString()
          .slice(0, 10);
        await db.run(
          'INSERT OR IGNORE INTO checkins (member_id, device_id, day, event_id) VALUES (?, ?, ?, ?)',
          [id, rnd() < 0.5 ? 'k1' : 'k2', day, `e-${id}`],
        );
        await db.run(
          "INSERT INTO processed_events (event_id, device_id, type, status, processed_at, result) VALUES (?, ?, 'checkin', 'applied', ?, '{}')",
          [`e-${id}`, rnd() < 0.5 ? 'k1' : 'k2', `${day}T10:00:00.000Z`],
        );
      }
    }
    for (let i = 0; i < 60; i++) {
      await db.run(
        'INSERT INTO anonymous_sales (store_id, receipt_id, amount_minor, created_at) VALUES (?, ?, ?, ?)',
        [rnd() < 0.5 ? 'S1' : 'S2', `${prefix}A${i}`, 10_000 * (1 + i), iso(rnd() * 400 * DAY)],
      );
    }
  });
}

/** Every dashboard figure over a range, from the raw rows with plain SQL. */
async function expectedFromSql(db: SqliteDb, from: string, to: string, offset: number, store?: string) {
  const d = (col: string) => `date(${col}, '${offset} minutes')`;
  const inR = (col: string) => `${d(col)} BETWEEN '${from}' AND '${to}'`;
  const st = store ? ` AND store_id = '${store}'` : '';
  const one = async (sql: string) => Object.values((await db.get<Record<string, number>>(sql))!)[0] ?? 0;
  const perMember = await db.all<{ k: number }>(
    `SELECT count(*) AS k FROM purchases WHERE ${inR('created_at')}${st} GROUP BY member_id`,
  );
  const buyers = perMember.length;
  const sales = await db.get<{ n: number; s: number | null }>(
    `SELECT count(*) AS n, sum(amount_minor) AS s FROM purchases WHERE ${inR('created_at')}${st}`,
  );
  const anon = await db.get<{ n: number; s: number | null }>(
    `SELECT count(*) AS n, sum(amount_minor) AS s FROM anonymous_sales WHERE ${inR('created_at')}${st}`,
  );
  const signups = await db.get<{ n: number; r: number }>(
    `SELECT count(*) AS n, count(referred_by) AS r FROM members WHERE ${inR('created_at')}`,
  );
  const spend = await db.all<{ s: number }>(
    'SELECT sum(amount_minor - refunded_minor) AS s FROM purchases GROUP BY member_id',
  );
  return {
    enrolmentPerDay: await db.all(
      `SELECT ${d('created_at')} AS day, count(*) AS members FROM members WHERE ${inR('created_at')} GROUP BY 1 ORDER BY 1`,
    ),
    salesPerDay: await db.all(
      `SELECT ${d('created_at')} AS day, count(*) AS purchases, sum(amount_minor) AS revenueMinor, sum(refunded_minor) AS refundedMinor
       FROM purchases WHERE ${inR('created_at')}${st} GROUP BY 1 ORDER BY 1`,
    ),
    activeMembers: await one(
      `SELECT count(DISTINCT member_id) FROM (
         SELECT member_id FROM purchases WHERE ${inR('created_at')}${st}
         UNION ALL SELECT c.member_id FROM checkins c JOIN devices v ON v.id = c.device_id
         WHERE c.day BETWEEN '${from}' AND '${to}'${store ? ` AND v.store = '${store}'` : ''})`,
    ),
    totalMembers: await one(`SELECT count(*) FROM members WHERE ${d('created_at')} <= '${to}'`),
    repeatPurchaseRate: buyers ? perMember.filter((m) => m.k >= 2).length / buyers : null,
    memberAvg: sales!.n ? sales!.s! / sales!.n : null,
    participationRate: sales!.n + anon!.n ? sales!.n / (sales!.n + anon!.n) : null,
    nonMemberAvg: anon!.n ? anon!.s! / anon!.n : null,
    referralRate: signups!.n ? signups!.r / signups!.n : null,
    liabilityPoints: await one('SELECT coalesce(sum(points), 0) FROM balances WHERE points > 0'),
    clvHistorical: spend.length ? spend.reduce((a, r) => a + r.s, 0) / spend.length : null,
    kioskUsage: await db.all(
      `SELECT e.device_id AS deviceId, v.store, e.type, count(*) AS events FROM processed_events e LEFT JOIN devices v ON v.id = e.device_id
       WHERE e.status = 'applied' AND ${inR('e.processed_at')}${store ? ` AND v.store = '${store}'` : ''} GROUP BY 1, 2, 3 ORDER BY 1, 3`,
    ),
  };
}

const RANGES = [
  { from: '2025-05-02', to: '2025-05-31' },
  { from: '2024-06-01', to: '2025-05-31' },
  { from: '2024-11-10', to: '2024-12-24' },
  { from: '2025-05-31', to: '2025-05-31' },
];

async function expectDashboardMatches(db: SqliteDb, timeZone: string, offset: number) {
  let checked = 0;
  for (const r of RANGES) {
    for (const store of [undefined, 'S1', 'S2']) {
      const got = await dashboard(db, { ...r, ...(store ? { store } : {}) }, timeZone, NOW);
      const e = await expectedFromSql(db, r.from, r.to, offset, store);
      const where = `${r.from}..${r.to} ${store ?? 'all stores'}`;
      expect(got.salesPerDay, where).toEqual(e.salesPerDay);
      expect(got.activeMembers, where).toBe(e.activeMembers);
      expect(got.repeatPurchaseRate, where).toBe(e.repeatPurchaseRate);
      expect(got.basket.memberAvgMinor, where).toBe(e.memberAvg);
      expect(got.basket.nonMemberAvgMinor, where).toBe(e.nonMemberAvg);
      expect(got.participationRate, where).toBe(e.participationRate);
      expect(got.kioskUsage, where).toEqual(e.kioskUsage);
      if (!store) {
        expect(got.enrolmentPerDay, where).toEqual(e.enrolmentPerDay);
        expect(got.totalMembers, where).toBe(e.totalMembers);
        expect(got.referralRate, where).toBe(e.referralRate);
        expect(got.liability.points, where).toBe(e.liabilityPoints);
        expect(got.clv.historicalAvgMinor, where).toBeCloseTo(e.clvHistorical!, 9);
      }
      checked += e.activeMembers;
    }
  }
  // The ranges hold enough activity for the comparison to mean something.
  expect(checked).toBeGreaterThan(200);
}

async function aggregateSnapshot(db: SqliteDb) {
  return {
    sales: await db.all('SELECT * FROM daily_sales ORDER BY day, store_id'),
    signups: await db.all('SELECT * FROM daily_signups WHERE members > 0 ORDER BY day'),
    kiosk: await db.all('SELECT * FROM daily_kiosk ORDER BY day, device_id, type'),
    marks: await db.all('SELECT * FROM activity_marks ORDER BY member_id, store_id, kind, pos'),
    gaps: await db.all('SELECT * FROM activity_gaps WHERE n <> 0 ORDER BY store_id, kind, day, prev_day'),
  };
}

describe('report aggregates (migration 013) against plain SQL over the raw rows', () => {
  let t: Awaited<ReturnType<typeof tempDb>>;
  let oldDir: string;

  beforeAll(async () => {
    // A database at migration 012 with a club's history in it, then migrated: the backfill's case.
    oldDir = await mkdtemp(path.join(os.tmpdir(), 'bashgah-migrations-'));
    for (const f of await readdir(MIGRATIONS_DIR)) {
      if (/^\d{3}_/.test(f) && Number(f.slice(0, 3)) < 13)
        await copyFile(path.join(MIGRATIONS_DIR, f), path.join(oldDir, f));
    }
    t = await tempDb({ migrated: false });
    await migrate(t.db, { dir: oldDir });
    await t.db.run(
      "INSERT INTO devices (id, status, store) VALUES ('k1', 'online', 'S1'), ('k2', 'online', 'S2')",
    );
    await insertRows(t.db, 7, 'old-', 250);
    expect(await t.db.get("SELECT 1 FROM sqlite_master WHERE name = 'activity_gaps'")).toBeUndefined();
    await migrate(t.db);
  });
  afterAll(async () => {
    await t.cleanup();
    await rm(oldDir, { recursive: true, force: true });
  });

  it('backfills history written before the migration', async () => {
    expect(await aggregatesOffset(t.db)).toBe(210);
    await expectDashboardMatches(t.db, 'Asia/Tehran', 210);
  });

  it('keeps the figures through the triggers: new, back-dated, same-day, refunded and check-in rows', async () => {
    const before = await dashboard(t.db, RANGES[0]!, 'Asia/Tehran', NOW);
    await insertRows(t.db, 11, 'new-', 150);
    // An old member buys twice today and once, back-dated, in the middle of their history; one of
    // their purchases is partly refunded (the engine's refund writes refunded_minor and a reversal).
    const m = (await t.db.get<{ member_id: string }>(
      'SELECT member_id FROM purchases GROUP BY member_id HAVING count(*) >= 3 LIMIT 1',
    ))!.member_id;
    for (const [receipt, at] of [
      ['late-1', '2025-05-31T19:00:00.000Z'],
      ['late-2', '2025-05-31T20:10:00.000Z'],
      ['late-3', '2024-12-01T12:00:00.000Z'],
    ] as const) {
      await t.db.run(
        `INSERT INTO purchases (store_id, receipt_id, member_id, amount_minor, currency, lines, request_hash, points, rules_version, breakdown, created_at)
         VALUES ('S2', ?, ?, 70000, 'IRR', '[]', 'h', 0, 0, '{}', ?)`,
        [receipt, m, at],
      );
    }
    await t.db.run("UPDATE purchases SET refunded_minor = 20000 WHERE receipt_id = 'late-1'");
    await t.db.run(
      "INSERT INTO points_ledger (member_id, kind, points, cause, created_at) VALUES (?, 'earn', 5, 'gen', '2025-05-31T19:00:00.000Z'), (?, 'reverse', -2, 'refund', '2025-05-31T19:30:00.000Z')",
      [m, m],
    );
    await t.db.run(
      "INSERT INTO checkins (member_id, device_id, day, event_id) VALUES (?, 'k1', '2025-05-20', 'e-late')",
      [m],
    );
    const after = await dashboard(t.db, RANGES[0]!, 'Asia/Tehran', NOW);
    expect(after.basket.memberPurchases).toBeGreaterThan(before.basket.memberPurchases);
    const lastDay = after.salesPerDay.find((d) => d.day === '2025-05-31');
    expect(lastDay?.refundedMinor).toBeGreaterThanOrEqual(20000);
    await expectDashboardMatches(t.db, 'Asia/Tehran', 210);
  });

  it('re-filing from scratch gives exactly what the triggers kept', async () => {
    const kept = await aggregateSnapshot(t.db);
    await rebuildReportAggregates(t.db, 210);
    expect(await aggregateSnapshot(t.db)).toEqual(kept);
    // The triggers came back: a new purchase still lands.
    await t.db.run(
      `INSERT INTO purchases (store_id, receipt_id, member_id, amount_minor, currency, lines, request_hash, points, rules_version, breakdown, created_at)
       VALUES ('S1', 'after-rebuild', 'new-1', 10000, 'IRR', '[]', 'h', 0, 0, '{}', '2025-05-30T10:00:00.000Z')`,
    );
    await expectDashboardMatches(t.db, 'Asia/Tehran', 210);
  });

  it('re-files at another zone at start, and computes from rows at an offset it is not filed at', async () => {
    await ensureReportAggregates(t.db, 'Asia/Kolkata', silentLogger, NOW);
    expect(await aggregatesOffset(t.db)).toBe(330);
    await expectDashboardMatches(t.db, 'Asia/Kolkata', 330);
    // Tehran's ranges now go to the raw rows; same answers.
    await expectDashboardMatches(t.db, 'Asia/Tehran', 210);
    await ensureReportAggregates(t.db, 'Asia/Tehran', silentLogger, NOW);
    expect(await aggregatesOffset(t.db)).toBe(210);
  });
});
