import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { MIGRATIONS_DIR } from '../db/migrate.js';
import type { Queryable } from '../db/sqlite.js';
import { offsetMinutes } from './range.js';

/** The UTC offset (minutes) migration 013's aggregates are filed at; undefined before it ran. */
export async function aggregatesOffset(db: Queryable): Promise<number | undefined> {
  const row = await db.get<{ offset_minutes: number }>(
    'SELECT offset_minutes FROM report_clock WHERE id = 1',
  );
  return row?.offset_minutes;
}

const AGGREGATE_TABLES = ['daily_sales', 'daily_signups', 'daily_kiosk', 'activity_marks', 'activity_gaps'];

/** The backfill statements of migration 013: one source for the migration and for re-filing. */
async function backfillSql(): Promise<string> {
  const file = path.join(MIGRATIONS_DIR, '013_report_aggregates.sql');
  const text = await readFile(file, 'utf8');
  const m = /-- BACKFILL BEGIN\n([\s\S]*?)-- BACKFILL END/.exec(text);
  if (!m?.[1]) throw new Error(`${file} has no BACKFILL BEGIN/END section; restore it from git`);
  return m[1];
}

/**
 * Re-files every aggregate at a UTC offset, in one transaction. The mark triggers are lifted for
 * the bulk insert (the backfill computes the gaps in one set-based pass) and restored after.
 */
export async function rebuildReportAggregates(db: Queryable, offset: number): Promise<void> {
  const sql = await backfillSql();
  await db.transaction(async () => {
    const triggers = await db.all<{ name: string; sql: string }>(
      "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'activity_marks'",
    );
    for (const t of triggers) await db.exec(`DROP TRIGGER ${t.name}`);
    for (const table of AGGREGATE_TABLES) await db.exec(`DELETE FROM ${table}`);
    await db.run('UPDATE report_clock SET offset_minutes = ? WHERE id = 1', [offset]);
    await db.exec(sql);
    for (const t of triggers) await db.exec(t.sql);
  });
}

/**
 * At start: when CLUB_TIMEZONE's offset now is not the one the aggregates are filed at (another
 * zone configured, or a zone whose offset changed), re-file them so the dashboard reads them.
 */
export async function ensureReportAggregates(
  db: Queryable,
  timeZone: string,
  logger: Logger,
  now = new Date(),
): Promise<void> {
  const want = offsetMinutes(timeZone, now);
  const have = await aggregatesOffset(db);
  if (have === undefined || have === want) return;
  const t0 = performance.now();
  await rebuildReportAggregates(db, want);
  logger.info(
    { timeZone, fromOffset: have, toOffset: want, ms: Math.round(performance.now() - t0) },
    'report aggregates re-filed for the club time zone',
  );
}
