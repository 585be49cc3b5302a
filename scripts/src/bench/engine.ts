/**
 * Club engine benchmark on a realistic database size.
 *
 * Generates, in a temp dir, 1,000,000 members with cards and 10,000,000 ledger rows (nine earns
 * and one redemption each, spread over the last 400 days, so about a tenth of the lots are past
 * their expiry), then measures on the server's own code and settings (WAL, synchronous=FULL):
 *
 * - member view: p50/p99 of the full kiosk view by card UID, one at a time as taps come;
 * - purchase recording: purchases/s with 32 in flight, as from many tills. This is the engine call
 *   (recordPurchase on the server's SqliteDb), not the HTTP POS route: the route adds its store-key
 *   and member lookups and JSON parsing in front of the same call;
 * - the expiry job: run time of the first run over the backlog, and of a second run (a no-op).
 *
 * Each figure comes with a same-run baseline on the same database and connection (a bare
 * primary-key SELECT; a one-row INSERT transaction), so the ratio holds on a shared machine where
 * absolute times wander. Generation is SQL (recursive CTEs) with secondary indexes dropped and
 * rebuilt afterwards: that is what makes ten million rows take seconds rather than an hour.
 *
 * Usage: npm run build && node scripts/dist/bench/engine.js [--members 1000000] [--views 20000]
 *        [--purchases 20000] [--concurrency 32] [--keep]
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { expireDueLots, memberViewByCard, migrate, recordPurchase, SqliteDb } from '@bashgah/server';
import { generateEngineData } from './engine-data.js';
import { percentile } from './stats.js';

const { values } = parseArgs({
  options: {
    members: { type: 'string', default: '1000000' },
    views: { type: 'string', default: '20000' },
    purchases: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '32' },
    keep: { type: 'boolean', default: false },
  },
});
const int = (name: keyof typeof values, min: number, max: number) => {
  const v = Number(values[name]);
  if (!Number.isInteger(v) || v < min || v > max) {
    console.error(`--${name} must be a whole number ${min}-${max}, got "${values[name]}"`);
    process.exit(2);
  }
  return v;
};
const MEMBERS = int('members', 1_000, 5_000_000);
const VIEWS = int('views', 100, 1_000_000);
const PURCHASES = int('purchases', 100, 1_000_000);
const CONCURRENCY = int('concurrency', 1, 1_000);
const ROWS_PER_MEMBER = 10; // nine earns (nine lots) and one redemption
const TZ = 'Asia/Tehran';
const NOW = new Date('2025-06-01T08:00:00.000Z');
const policy = { points: 10, timeZone: TZ };

const dir = await mkdtemp(path.join(os.tmpdir(), 'bashgah-bench-engine-'));
const file = path.join(dir, 'bench.db');
let db = await SqliteDb.open(file);
const secs = (t0: number) => (performance.now() - t0) / 1000;
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits });
const log = (s: string) => console.log(s);

try {
  log(`engine benchmark: ${fmt(MEMBERS)} members, ${fmt(MEMBERS * ROWS_PER_MEMBER)} ledger rows, in ${dir}`);
  log(
    `machine: ${os.cpus().length} cpu (${os.cpus()[0]?.model ?? '?'}), load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  await migrate(db);
  const tGen = performance.now();
  db = await generateEngineData(db, file, { members: MEMBERS, now: NOW, log });
  const size = (await stat(file)).size;
  log(`generated in ${secs(tGen).toFixed(1)} s; database ${fmt(size / 2 ** 20)} MiB`);
  const counts = await db.get<{ m: number; l: number; lots: number }>(
    'SELECT (SELECT count(*) FROM members) AS m, (SELECT count(*) FROM points_ledger) AS l, (SELECT count(*) FROM point_lots) AS lots',
  );
  log(`rows: ${fmt(counts!.m)} members, ${fmt(counts!.l)} ledger rows, ${fmt(counts!.lots)} lots`);

  await benchMemberView();
  await benchPurchases();
  await benchExpiry();
} finally {
  await db.close();
  if (values.keep) log(`kept ${file}`);
  else await rm(dir, { recursive: true, force: true });
}

/** Deterministic spread over all members (a fixed-step walk modulo a prime-ish stride). */
function memberAt(i: number): number {
  return 1 + ((i * 7_919 + 13) % MEMBERS);
}
function cardOf(n: number): string {
  return `04${n.toString(16).toUpperCase().padStart(12, '0')}`;
}

async function timed(n: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn(i);
    out.push(performance.now() - t0);
  }
  return out;
}

async function benchMemberView(): Promise<void> {
  // Warm both paths the same way, so neither pays for the other's first page reads.
  await timed(500, (i) => memberViewByCard(db, cardOf(memberAt(i + VIEWS)), { policy, now: NOW }));
  await timed(500, (i) => db.get('SELECT * FROM members WHERE id = ?', [`m-${memberAt(i + VIEWS)}`]));
  const base = await timed(VIEWS, (i) => db.get('SELECT * FROM members WHERE id = ?', [`m-${memberAt(i)}`]));
  let missing = 0;
  const view = await timed(VIEWS, async (i) => {
    const v = await memberViewByCard(db, cardOf(memberAt(i)), { policy, deviceId: 'kiosk-01', now: NOW });
    if (!v) missing++;
  });
  if (missing) throw new Error(`${missing} member views came back empty: the generated cards do not match`);
  const p = (s: number[], q: number) => percentile(s, q);
  log(`member view (${fmt(VIEWS)} taps, one at a time):`);
  log(
    `  full view        p50 ${p(view, 50).toFixed(2)} ms   p99 ${p(view, 99).toFixed(2)} ms   (target p99 < 5 ms)`,
  );
  log(`  bare PK SELECT   p50 ${p(base, 50).toFixed(2)} ms   p99 ${p(base, 99).toFixed(2)} ms`);
  log(
    `  ratio view / PK  p50 ×${(p(view, 50) / p(base, 50)).toFixed(1)}   p99 ×${(p(view, 99) / p(base, 99)).toFixed(1)}`,
  );
}

/**
 * Runs `total` jobs with `concurrency` in flight; returns jobs per second, and the process's CPU
 * time per job in µs (user + system, the sqlite3 worker threads included). On a shared machine the
 * rate follows the load others put on it; CPU per job much less so.
 */
async function throughput(
  total: number,
  concurrency: number,
  job: (i: number) => Promise<unknown>,
): Promise<{ rate: number; cpuUs: number }> {
  let next = 0;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < total; i = next++) await job(i);
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  return { rate: total / secs(t0), cpuUs: (cpu.user + cpu.system) / total };
}

async function benchPurchases(): Promise<void> {
  await db.exec('CREATE TABLE bench_baseline (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
  const stats0 = { ...db.stats };
  const bare = await throughput(PURCHASES, CONCURRENCY, (i) =>
    db.transaction(() => db.run('INSERT INTO bench_baseline (v) VALUES (?)', [`r${i}`])),
  );
  const bareGroup = (db.stats.transactions - stats0.transactions) / (db.stats.commits - stats0.commits);
  const stats1 = { ...db.stats };
  const purchases = await throughput(PURCHASES, CONCURRENCY, (i) =>
    recordPurchase(
      db,
      {
        storeId: `store-${i % 50}`,
        receiptId: `R-${i}`,
        memberId: `m-${memberAt(i * 3 + 1)}`,
        amountMinor: 1_250_000 + (i % 10) * 10_000,
        currency: 'IRR',
        lines: [
          { category: 'coffee', amountMinor: 250_000, quantity: 2 },
          { category: 'general', amountMinor: 1_000_000 + (i % 10) * 10_000, quantity: 1 },
        ],
        staffId: `staff-${i % 200}`,
      },
      { now: NOW, timeZone: TZ },
    ),
  );
  const group = (db.stats.transactions - stats1.transactions) / (db.stats.commits - stats1.commits);
  log(`purchases (${fmt(PURCHASES)}, ${CONCURRENCY} in flight, synchronous=FULL, group commit):`);
  log(
    `  recordPurchase   ${fmt(purchases.rate)} /s, ${fmt(purchases.cpuUs)} µs CPU each   (target ≥ 2,000 /s; ${group.toFixed(1)} purchases per COMMIT)`,
  );
  log(
    `  bare 1-row tx    ${fmt(bare.rate)} /s, ${fmt(bare.cpuUs)} µs CPU each   (${bareGroup.toFixed(1)} per COMMIT)`,
  );
  log(`  ratio            purchase costs ×${(bare.rate / purchases.rate).toFixed(1)} a bare transaction`);
}

async function benchExpiry(): Promise<void> {
  const due = await db.get<{ lots: number; points: number }>(
    'SELECT count(*) AS lots, coalesce(sum(remaining), 0) AS points FROM point_lots WHERE remaining > 0 AND expires_at <= ?',
    [NOW.toISOString()],
  );
  let t0 = performance.now();
  const first = await expireDueLots(db, NOW);
  const firstSecs = secs(t0);
  t0 = performance.now();
  const second = await expireDueLots(db, NOW);
  const secondSecs = secs(t0);
  if (first.lots !== due!.lots || first.points !== due!.points) {
    throw new Error(
      `expiry took ${first.lots} lots / ${first.points} points, expected ${due!.lots} / ${due!.points}`,
    );
  }
  // Spot-check the books of a sample of the members the job touched (all of them would take longer
  // than the job itself).
  const check = await db.get<{ bad: number; n: number }>(
    `WITH touched AS (SELECT member_id FROM points_ledger WHERE kind = 'expire' ORDER BY id DESC LIMIT 5000)
     SELECT count(*) AS n, sum(b.points <> (SELECT coalesce(sum(remaining), 0) FROM point_lots l
                                          WHERE l.member_id = b.member_id AND l.remaining > 0)) AS bad
     FROM balances b JOIN touched t ON t.member_id = b.member_id`,
  );
  log('expiry job:');
  log(
    `  first run        ${firstSecs.toFixed(1)} s for ${fmt(first.lots)} lots, ${fmt(first.points)} points (${fmt(first.lots / firstSecs)} lots/s)`,
  );
  log(`  second run       ${(secondSecs * 1000).toFixed(1)} ms, ${second.lots} lots (safe to run twice)`);
  log(
    `  balances = lots  ${check!.bad === 0 ? 'yes' : `NO: ${check!.bad} members differ`} (${fmt(check!.n)} members checked)`,
  );
}
