import type { Queryable } from '../db/sqlite.js';

export const DAY_MS = 24 * 3600_000;

export interface PointsSummary {
  /** Sum of the ledger: spendable plus pending. */
  balance: number;
  spendable: number;
  /** Purchase points still inside their refund window. */
  pending: number;
}

/** Balance split into what can be spent now and what is still pending. */
export async function pointsSummary(db: Queryable, memberId: string, now: Date): Promise<PointsSummary> {
  const row = await db.get<{ total: number | null; pending: number | null }>(
    `SELECT sum(remaining) AS total, sum(CASE WHEN available_at > ? THEN remaining ELSE 0 END) AS pending
     FROM point_lots WHERE member_id = ? AND remaining > 0`,
    [now.toISOString(), memberId],
  );
  const balance = row?.total ?? 0;
  const pending = row?.pending ?? 0;
  return { balance, spendable: balance - pending, pending };
}

export interface ExpiringSoon {
  points: number;
  /** The first date any of those points lapse (ISO), or null when none expire within the window. */
  firstExpiresAt: string | null;
}

/** Points a member will lose within `days` unless spent. */
export async function expiringWithin(
  db: Queryable,
  memberId: string,
  now: Date,
  days: number,
): Promise<ExpiringSoon> {
  const row = await db.get<{ points: number | null; first: string | null }>(
    `SELECT sum(remaining) AS points, min(expires_at) AS first FROM point_lots
     WHERE member_id = ? AND remaining > 0 AND expires_at IS NOT NULL AND expires_at <= ?`,
    [memberId, new Date(now.getTime() + days * DAY_MS).toISOString()],
  );
  return { points: row?.points ?? 0, firstExpiresAt: row?.first ?? null };
}

export interface MemberExpiring {
  memberId: string;
  points: number;
  firstExpiresAt: string;
}

/**
 * Members with points lapsing within `days`, for the reminder job, in member-id pages: pass the
 * last id of one page as `after` to get the next.
 */
export function membersWithPointsExpiring(
  db: Queryable,
  opts: { now: Date; days: number; limit?: number; after?: string },
): Promise<MemberExpiring[]> {
  return db.all<MemberExpiring>(
    `SELECT member_id AS memberId, sum(remaining) AS points, min(expires_at) AS firstExpiresAt
     FROM point_lots
     WHERE remaining > 0 AND expires_at IS NOT NULL AND expires_at > ? AND expires_at <= ? AND member_id > ?
     GROUP BY member_id ORDER BY member_id LIMIT ?`,
    [
      opts.now.toISOString(),
      new Date(opts.now.getTime() + opts.days * DAY_MS).toISOString(),
      opts.after ?? '',
      opts.limit ?? 1000,
    ],
  );
}

export interface ExpiryRun {
  members: number;
  lots: number;
  points: number;
}

/**
 * Expires every lot whose date has passed: one 'expire' ledger row per member and chunk, the lots
 * emptied, balances lowered. Set-based SQL in chunks of `chunkLots` lots, each chunk its own
 * transaction, so a large run never holds the write lock for long and the kiosk traffic in between
 * keeps flowing. Running it twice (or two at once) is safe: a second pass finds nothing due,
 * because a lot is only picked while it still has points and is emptied in the same transaction.
 */
export async function expireDueLots(
  db: Queryable,
  now: Date,
  opts: { chunkLots?: number } = {},
): Promise<ExpiryRun> {
  const at = now.toISOString();
  const chunk = opts.chunkLots ?? 20_000;
  const total: ExpiryRun = { members: 0, lots: 0, points: 0 };
  for (;;) {
    const done = await db.transaction(async () => {
      await db.exec(
        `CREATE TEMP TABLE IF NOT EXISTS expiring (lot_id INTEGER PRIMARY KEY, member_id TEXT NOT NULL, points INTEGER NOT NULL);
         CREATE INDEX IF NOT EXISTS temp.expiring_member ON expiring (member_id);`,
      );
      await db.run('DELETE FROM temp.expiring');
      const picked = await db.run(
        `INSERT INTO temp.expiring (lot_id, member_id, points)
         SELECT id, member_id, remaining FROM point_lots
         WHERE remaining > 0 AND expires_at IS NOT NULL AND expires_at <= ? ORDER BY expires_at LIMIT ?`,
        [at, chunk],
      );
      if (picked.changes === 0) return true;
      // Rows this chunk appends all have ids above the current maximum, which lets the consumption
      // rows find their member's new 'expire' row through the (member_id, id) index.
      const before = await db.get<{ id: number | null }>('SELECT max(id) AS id FROM points_ledger');
      const members = await db.run(
        `INSERT INTO points_ledger (member_id, kind, points, cause, created_at)
         SELECT member_id, 'expire', -sum(points), ?, ? FROM temp.expiring GROUP BY member_id ORDER BY member_id`,
        [`expiry:${at}`, at],
      );
      await db.run(
        `INSERT INTO lot_consumptions (ledger_id, lot_id, points)
         SELECT l.id, e.lot_id, e.points FROM temp.expiring e
         JOIN points_ledger l ON l.member_id = e.member_id AND l.id > ? AND l.kind = 'expire'`,
        [before?.id ?? 0],
      );
      // Balances follow the 'expire' rows through the points_ledger_moves_balance trigger.
      await db.run('UPDATE point_lots SET remaining = 0 WHERE id IN (SELECT lot_id FROM temp.expiring)');
      const sum = await db.get<{ p: number }>('SELECT sum(points) AS p FROM temp.expiring');
      total.members += members.changes;
      total.lots += picked.changes;
      total.points += sum?.p ?? 0;
      return picked.changes < chunk;
    });
    if (done) return total;
  }
}
