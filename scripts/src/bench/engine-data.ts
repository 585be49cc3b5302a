/**
 * The engine benchmark's dataset, shared by every benchmark that needs a club of realistic size
 * (engine.ts, console.ts): members with cards and ten ledger rows each (nine earns, one redemption)
 * over the last 400 days, thirty rewards and a published rule set.
 *
 * Ledger rows go in time-interleaved order (all members' first earn, then all second earns …) so
 * one member's rows are far apart on disk, as years of real traffic leave them; generating member
 * by member would flatter every per-member query. Secondary indexes and triggers come off for the
 * bulk load and go back on afterwards. Tables kept by triggers on these (members_fts, member_stats,
 * ledger_slots) are NOT filled here: a benchmark that reads them fills them itself.
 */
import { createReward, DEFAULT_RULES, publishRules, SqliteDb } from '@bashgah/server';

export interface EngineDataOptions {
  members: number;
  now: Date;
  log: (line: string) => void;
}

/** Fills a migrated database; closes and reopens it with the server's settings and returns the new handle. */
export async function generateEngineData(
  db0: SqliteDb,
  file: string,
  o: EngineDataOptions,
): Promise<SqliteDb> {
  let db = db0;
  const MEMBERS = o.members;
  const NOW = o.now;
  const log = o.log;
  const secs = (t0: number) => (performance.now() - t0) / 1000;
  const fmt = (n: number) => n.toLocaleString('en-US');

  await db.exec(
    'PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -1000000; PRAGMA temp_store = MEMORY;',
  );
  const tables = ['members', 'cards', 'points_ledger', 'point_lots', 'balances', 'lot_consumptions'];
  // Secondary indexes and triggers (the balance trigger among them) come off for the bulk load and
  // go back on afterwards; balances are then written in one set-based pass.
  const schema = await db.all<{ type: 'index' | 'trigger'; name: string; sql: string }>(
    `SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND sql IS NOT NULL
     AND tbl_name IN (${tables.map(() => '?').join(',')})`,
    tables,
  );
  for (const i of schema) await db.exec(`DROP ${i.type.toUpperCase()} ${i.name}`);
  const M = MEMBERS;
  const base = NOW.toISOString();
  const step = async (what: string, sql: string, params: unknown[] = []) => {
    const t0 = performance.now();
    const r = await db.run(sql, params);
    log(`  ${what}: ${fmt(r.changes)} rows in ${secs(t0).toFixed(1)} s`);
  };
  const seq = `WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < ${M})`;
  await db.exec('BEGIN');
  await step(
    'members',
    `${seq} INSERT INTO members (id, number, display_name, phone, tier, created_at)
     SELECT 'm-' || n, n, 'Member ' || n, '+989' || printf('%09d', n),
       CASE WHEN n % 20 < 12 THEN 'bronze' WHEN n % 20 < 17 THEN 'silver' WHEN n % 20 < 19 THEN 'gold' ELSE 'platinum' END,
       ?
     FROM s`,
    ['2024-01-01T00:00:00.000Z'],
  );
  await step(
    'cards',
    `${seq} INSERT INTO cards (uid, member_id, status, issued_at) SELECT printf('04%012X', n), 'm-' || n, 'active', ? FROM s`,
    ['2024-01-01T00:00:00.000Z'],
  );
  // Earn k (1..9) of member n happened `age` days ago; ids come out as (k-1)*M + n.
  const age = `(((n * 37 + k * 101) % 400) + (n % 1000) / 1000.0)`;
  for (let k = 1; k <= 9; k++) {
    await step(
      `ledger earn ${k}/9`,
      `${seq}, kk(k) AS (SELECT ${k})
       INSERT INTO points_ledger (member_id, kind, points, cause, created_at)
       SELECT 'm-' || n, 'earn', 5 + (n * k) % 50, 'bench:' || k,
         strftime('%Y-%m-%dT%H:%M:%fZ', ?, '-' || (${age} * 86400) || ' seconds')
       FROM s, kk`,
      [base],
    );
  }
  // The redemption took the member's first lot whole, a day after it was earned.
  await step(
    'ledger redeem',
    `INSERT INTO points_ledger (member_id, kind, points, cause, created_at)
     SELECT member_id, 'redeem', -points, 'bench:redeem', strftime('%Y-%m-%dT%H:%M:%fZ', created_at, '+1 day')
     FROM points_ledger WHERE id <= ? ORDER BY id`,
    [M],
  );
  await step(
    'lots',
    `INSERT INTO point_lots (id, member_id, ledger_id, points, remaining, earned_at, available_at, expires_at)
     SELECT id, member_id, id, points, CASE WHEN id <= ? THEN 0 ELSE points END, created_at,
       strftime('%Y-%m-%dT%H:%M:%fZ', created_at, '+14 days'), strftime('%Y-%m-%dT%H:%M:%fZ', created_at, '+365 days')
     FROM points_ledger WHERE kind = 'earn' ORDER BY id`,
    [M],
  );
  await step(
    'lot consumptions',
    `INSERT INTO lot_consumptions (ledger_id, lot_id, points) SELECT id, id - ?, -points FROM points_ledger WHERE kind = 'redeem'`,
    [9 * M],
  );
  await step(
    'balances',
    `INSERT INTO balances (member_id, points, updated_at)
     SELECT member_id, sum(remaining), ? FROM point_lots GROUP BY member_id`,
    [base],
  );
  await db.exec('COMMIT');
  for (const i of schema) {
    const t0 = performance.now();
    await db.exec(i.sql);
    log(`  ${i.type} ${i.name}: ${secs(t0).toFixed(1)} s`);
  }
  await db.exec('ANALYZE');
  // Back to the server's own settings (SqliteDb.open's) for every measurement.
  await db.close();
  db = await SqliteDb.open(file);
  for (let i = 0; i < 30; i++) {
    await createReward(
      db,
      {
        id: `reward-${i}`,
        name: { fa: `جایزه ${i}`, en: `Reward ${i}` },
        pointsCost: 50 + i * 100,
        minTier: i % 10 === 9 ? 'gold' : null,
      },
      NOW,
    );
  }
  await publishRules(db, { ...DEFAULT_RULES, categories: { general: 100, coffee: 200 } }, 'bench', NOW);
  return db;
}
