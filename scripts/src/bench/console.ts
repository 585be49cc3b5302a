/**
 * Operator console benchmark on the engine benchmark's 1,000,000-member club.
 *
 * Builds the engine dataset (engine-data.ts), adds what the console reads (two purchases a member
 * over the last 400 days across 20 stores, 200,000 non-member sales, the member statistics, name
 * index and ledger slots the triggers would have kept, RFM scores), then times on the server's own
 * query code and connection settings:
 *
 * - member search: by mobile, member number, card UID, part of a name;
 * - segment counts: tier + spend, RFM segment, not seen since, store, category + visits;
 * - the KPI dashboard: every query behind it, for 30 days and for a year.
 *
 * Each set is printed as p50/p95 beside a same-run baseline (a primary-key SELECT on the same
 * connection) and the ratio, so the figures hold on a shared machine where absolute times wander.
 * Targets: search and segment count p95 < 200 ms; dashboard p95 < 1 s.
 *
 * Usage: npm run build && node scripts/dist/bench/console.js [--members 1000000] [--runs 30] [--keep]
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  computeRfm,
  countMembers,
  dashboard,
  listMembers,
  migrate,
  rebuildReportAggregates,
  type SegmentFilter,
  SqliteDb,
} from '@bashgah/server';
import { generateEngineData } from './engine-data.js';
import { ms, summary } from './stats.js';

const { values } = parseArgs({
  options: {
    members: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '30' },
    keep: { type: 'boolean', default: false },
  },
});
const MEMBERS = Number(values.members);
const RUNS = Number(values.runs);
if (!Number.isInteger(MEMBERS) || MEMBERS < 1000 || MEMBERS > 5_000_000)
  throw new Error('--members must be 1000-5000000');
if (!Number.isInteger(RUNS) || RUNS < 5 || RUNS > 10_000) throw new Error('--runs must be 5-10000');
const NOW = new Date('2025-06-01T08:00:00.000Z');
const TZ = 'Asia/Tehran';
const log = (s: string) => console.log(s);
const fmt = (n: number) => n.toLocaleString('en-US');
const secs = (t0: number) => ((performance.now() - t0) / 1000).toFixed(1);

const dir = await mkdtemp(path.join(os.tmpdir(), 'bashgah-bench-console-'));
const file = path.join(dir, 'bench.db');
let db = await SqliteDb.open(file);

try {
  log(`console benchmark: ${fmt(MEMBERS)} members, in ${dir}`);
  log(
    `machine: ${os.cpus().length} cpu (${os.cpus()[0]?.model ?? '?'}), load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  await migrate(db);
  const t0 = performance.now();
  db = await generateEngineData(db, file, { members: MEMBERS, now: NOW, log });
  await addConsoleData();
  log(`generated in ${secs(t0)} s; database ${fmt(Math.round((await stat(file)).size / 2 ** 20))} MiB`);
  const ta = performance.now();
  await rebuildReportAggregates(db, 210);
  const agg = await db.get<{ marks: number; gaps: number; days: number }>(
    'SELECT (SELECT count(*) FROM activity_marks) AS marks, (SELECT count(*) FROM activity_gaps) AS gaps, (SELECT count(*) FROM daily_sales) AS days',
  );
  log(
    `report aggregates (migration 013's backfill): ${secs(ta)} s; ${fmt(agg?.days ?? 0)} day×store rows, ${fmt(agg?.marks ?? 0)} activity marks, ${fmt(agg?.gaps ?? 0)} gap rows`,
  );
  await rfmWithProbe();
  await db.exec('ANALYZE');

  const baseline = await timed(RUNS * 10, (i) =>
    db.get('SELECT * FROM members WHERE id = ?', [`m-${memberAt(i)}`]),
  );
  const b = summary(baseline);
  log(`\nbaseline primary-key SELECT: p50 ${ms(b.p50)}  p95 ${ms(b.p95)}`);
  const report = (name: string, sample: number[], target: number) => {
    const s = summary(sample);
    const ok = s.p95 < target ? 'ok' : 'OVER TARGET';
    log(
      `  ${name.padEnd(44)} p50 ${ms(s.p50).padStart(9)}  p95 ${ms(s.p95).padStart(9)}  ×${(s.p95 / b.p95).toFixed(0).padStart(5)} baseline p95  [${ok} < ${target} ms]`,
    );
    return s.p95 < target;
  };
  let pass = true;

  log('\nmember search (list page of 50 + total count, as the console asks):');
  const search = (q: (i: number) => string) => (i: number) => query({ q: q(i) });
  pass =
    report(
      'by mobile (09…)',
      await timed(
        RUNS,
        search((i) => `09${String(memberAt(i)).padStart(9, '0')}`),
      ),
      200,
    ) && pass;
  pass =
    report(
      'by member number',
      await timed(
        RUNS,
        search((i) => String(memberAt(i))),
      ),
      200,
    ) && pass;
  pass =
    report(
      'by card UID',
      await timed(
        RUNS,
        search((i) => `04${memberAt(i).toString(16).toUpperCase().padStart(12, '0')}`),
      ),
      200,
    ) && pass;
  pass =
    report(
      'by part of a name (trigram)',
      await timed(
        RUNS,
        search((i) => `ber ${memberAt(i)}`),
      ),
      200,
    ) && pass;

  log('\nsegment count:');
  const segments: Array<[string, SegmentFilter]> = [
    ['gold tier, spent ≥ 30,000,000 Rial', { tiers: ['gold'], minSpend: 30_000_000 }],
    ['RFM hibernating or lost', { rfm: ['hibernating', 'lost'] }],
    ['no visit in 180 days', { lastVisitBefore: new Date(NOW.getTime() - 180 * 86_400_000).toISOString() }],
    ['bought at store S7', { store: 'S7' }],
    ['category coffee, ≥ 2 visits', { categories: ['coffee'], minVisits: 2 }],
    ['reachable new or promising (RFM)', { rfm: ['new', 'promising'], reachable: true }],
  ];
  for (const [name, filter] of segments) {
    const n = await countMembers(db, filter);
    pass = report(`${name} (${fmt(n)})`, await timed(RUNS, () => countMembers(db, filter)), 200) && pass;
  }

  log('\nKPI dashboard (all its queries):');
  const d30 = { from: '2025-05-02', to: '2025-05-31' };
  const d365 = { from: '2024-06-01', to: '2025-05-31' };
  pass =
    report('last 30 days', await timed(Math.max(5, RUNS / 3), () => dashboard(db, d30, TZ, NOW)), 1000) &&
    pass;
  pass =
    report(
      'last 30 days, one store',
      await timed(Math.max(5, RUNS / 3), () => dashboard(db, { ...d30, store: 'S3' }, TZ, NOW)),
      1000,
    ) && pass;
  pass =
    report('last 365 days', await timed(Math.max(5, RUNS / 3), () => dashboard(db, d365, TZ, NOW)), 1000) &&
    pass;
  await purchaseTriggerCost();
  log(pass ? '\nall targets met' : '\nsome targets missed (see above)');
  process.exitCode = pass ? 0 : 1;
} finally {
  await db.close();
  if (values.keep) log(`kept ${file}`);
  else await rm(dir, { recursive: true, force: true });
}

/**
 * The nightly RFM job, with a writer beside it doing one small insert every 5 ms, as the engine
 * would: the job's longest single hold on the database, and how long those writes waited.
 */
async function rfmWithProbe() {
  await db.exec('CREATE TABLE IF NOT EXISTS bench_probe (id INTEGER PRIMARY KEY, at TEXT NOT NULL)');
  const waits: number[] = [];
  let done = false;
  const probe = (async () => {
    while (!done) {
      const t = performance.now();
      await db.run('INSERT INTO bench_probe (at) VALUES (?)', [new Date().toISOString()]);
      waits.push(performance.now() - t);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  const tr = performance.now();
  const rfm = await computeRfm(db, { now: NOW, windowDays: 365 });
  done = true;
  await probe;
  const w = summary(waits);
  log(
    `RFM scoring (the nightly job): ${fmt(rfm.scored)} members scored in ${secs(tr)} s, ${fmt(rfm.batches)} batches; longest single DB block ${ms(rfm.longestBlockMs)}`,
  );
  log(
    `  writes alongside it: ${fmt(waits.length)}, waited p50 ${ms(w.p50)}  p95 ${ms(w.p95)}  max ${ms(Math.max(...waits))}`,
  );
}

/**
 * What migration 013's triggers add to recording a purchase: single-row inserts, each its own
 * transaction, with the report triggers and then without them (restored afterwards).
 */
async function purchaseTriggerCost() {
  const N = 2000;
  const insert = (tag: string, i: number) =>
    db.transaction(() =>
      db.run(
        `INSERT INTO purchases (store_id, receipt_id, member_id, amount_minor, currency, lines, request_hash, points, rules_version, breakdown, created_at)
         VALUES (?, ?, ?, 100000, 'IRR', '[]', 'h', 0, 1, '{}', ?)`,
        [
          `S${i % 20}`,
          `bench-${tag}-${i}`,
          `m-${memberAt(i * 31 + (tag === 'a' ? 0 : 1))}`,
          new Date(NOW.getTime() + i * 1000).toISOString(),
        ],
      ),
    );
  const rate = async (tag: string) => {
    const t = performance.now();
    await Promise.all(Array.from({ length: N }, (_, i) => insert(tag, i)));
    return N / ((performance.now() - t) / 1000);
  };
  const with013 = await rate('a');
  const triggers = await db.all<{ name: string; sql: string }>(
    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN ('report_purchase', 'activity_marks_count', 'activity_marks_reorder')",
  );
  for (const t of triggers) await db.exec(`DROP TRIGGER ${t.name}`);
  const without = await rate('b');
  for (const t of triggers) await db.exec(t.sql);
  log(
    `\npurchase rows inserted/s (each its own transaction, ${fmt(N)} concurrent): ${fmt(Math.round(with013))} with the report triggers, ${fmt(Math.round(without))} without (${(((without - with013) / without) * 100).toFixed(0)}% cost)`,
  );
}

async function query(filter: SegmentFilter) {
  const [rows, n] = await Promise.all([listMembers(db, filter, { limit: 50 }), countMembers(db, filter)]);
  if (rows.length === 0 || n === 0)
    throw new Error(`search ${JSON.stringify(filter)} found nothing: the generated data does not match`);
  return n;
}

function memberAt(i: number): number {
  return 1 + ((i * 7_919 + 13) % MEMBERS);
}

async function timed(n: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < 3; i++) await fn(n + i); // warm the statement cache
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    out.push(performance.now() - t);
  }
  return out;
}

/**
 * What the console reads beyond the engine data: purchases, non-member sales, and the tables the
 * triggers keep (filled set-based here, the same way migration 010 backfills them). Store, day and
 * the gap between a member's two purchases vary independently (n / 7, n / 13), so every store sees
 * every day and the report aggregates hold as many distinct gaps as a real club's would.
 */
async function addConsoleData() {
  const M = MEMBERS;
  const step = async (what: string, sql: string, params: unknown[] = []) => {
    const t = performance.now();
    const r = await db.run(sql, params);
    log(`  ${what}: ${fmt(r.changes)} rows in ${secs(t)} s`);
  };
  await db.exec(
    'PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -1000000; PRAGMA temp_store = MEMORY;',
  );
  const tables = ['purchases', 'anonymous_sales'];
  const schema = await db.all<{ type: string; name: string; sql: string }>(
    `SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND sql IS NOT NULL AND tbl_name IN ('purchases', 'anonymous_sales')`,
  );
  for (const i of schema) await db.exec(`DROP ${i.type.toUpperCase()} ${i.name}`);
  void tables;
  const seq = `WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < ${M})`;
  const base = NOW.toISOString();
  await db.exec('BEGIN');
  for (const k of [1, 2]) {
    await step(
      `purchases ${k}/2`,
      `${seq} INSERT INTO purchases (store_id, receipt_id, member_id, amount_minor, currency, lines, request_hash, points, rules_version, breakdown, created_at)
       SELECT 'S' || ((n / 7 + n * k) % 20), 'R' || k || '-' || n, 'm-' || n, 100000 * (1 + (n * 7919 * k) % 500), 'IRR',
         CASE WHEN n % 3 = 0 THEN '[{"category":"coffee","amountMinor":0,"quantity":1}]' ELSE '[]' END, 'h', 0, 1, '{}',
         strftime('%Y-%m-%dT%H:%M:%fZ', ?, '-' || (((n * 31 + k * 977 + k * (n / 13) * 7) % 400) * 86400 + n % 86400) || ' seconds')
       FROM s, (SELECT ? AS k)`,
      [base, k],
    );
  }
  await step(
    'non-member sales',
    `WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 200000)
     INSERT INTO anonymous_sales (store_id, receipt_id, amount_minor, created_at)
     SELECT 'S' || (n % 20), 'A' || n, 100000 * (1 + n % 300), strftime('%Y-%m-%dT%H:%M:%fZ', ?, '-' || ((n % 400) * 86400 + n % 86400) || ' seconds') FROM s`,
    [base],
  );
  await step(
    'member statistics',
    "INSERT OR IGNORE INTO member_stats (member_id, tier, reachable, last_visit_at) SELECT id, tier, number % 4 = 0, '' FROM members",
  );
  await step(
    'member statistics from purchases',
    `UPDATE member_stats SET purchases = p.k, visits = p.k, spend_minor = p.spend, first_purchase_at = p.first, last_purchase_at = p.last, last_visit_at = p.last
     FROM (SELECT member_id, count(*) AS k, sum(amount_minor) AS spend, min(created_at) AS first, max(created_at) AS last FROM purchases GROUP BY member_id) p
     WHERE p.member_id = member_stats.member_id`,
  );
  await step(
    'member stores',
    'INSERT OR IGNORE INTO member_stores (store_id, member_id) SELECT store_id, member_id FROM purchases',
  );
  await step(
    'member categories',
    `INSERT OR IGNORE INTO member_categories (category, member_id)
     SELECT CASE WHEN lines = '[]' THEN 'general' ELSE 'coffee' END, member_id FROM purchases`,
  );
  await step(
    'ledger slots',
    `INSERT INTO ledger_slots (slot, kind, points, n)
     SELECT substr(created_at, 1, 14) || printf('%02d', CAST(substr(created_at, 15, 2) AS INTEGER) / 15 * 15), kind, sum(points), count(*)
     FROM points_ledger GROUP BY 1, 2`,
  );
  await step('name index', "INSERT INTO members_fts (members_fts) VALUES ('rebuild')");
  await db.exec('COMMIT');
  for (const i of schema) await db.exec(i.sql);
  await db.close();
  db = await SqliteDb.open(file);
}
