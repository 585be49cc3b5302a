import { getBalance, insertLedgerRow, type LedgerKind } from '../db/repos/ledger.js';
import { insertLot, openLots, takeFromLot } from '../db/repos/lots.js';
import type { Queryable } from '../db/sqlite.js';
import { EngineError } from './errors.js';

export interface LedgerEntry {
  memberId: string;
  kind: LedgerKind;
  points: number;
  /** Why the points moved, e.g. 'checkin', 'seed', 'purchase:S1/R-77'; shown in the member's history. */
  cause: string;
  eventId?: string | undefined;
  deviceId?: string | undefined;
}

/** When a credit's points may be spent and when they lapse. */
export interface LotTerms {
  /** Until then the points are pending: counted in the balance, not spendable. Default: at once. */
  availableAt?: Date | undefined;
  /** null or absent: never expires. */
  expiresAt?: Date | null | undefined;
}

export interface DebitOptions {
  /**
   * Corrections (refund reversals) may take pending points; a member's own spending may not,
   * because pending points can still be taken back by a refund.
   */
  includePending?: boolean;
  /** Take from this lot first (a refund takes back the points of its own purchase first). */
  preferLotId?: number | undefined;
  /** Take what there is rather than refusing; the row then records only what was taken. */
  allowPartial?: boolean;
}

function assertWhole(points: number): void {
  if (!Number.isSafeInteger(points)) throw new Error(`ledger points must be a whole number, got ${points}`);
}

/**
 * Adds points: one ledger row (whose trigger moves the balance) and one lot holding exactly those
 * points, in one transaction, so the balance always equals both the sum of the ledger and the sum
 * of open lots.
 */
export async function credit(
  db: Queryable,
  entry: LedgerEntry,
  now: Date,
  terms: LotTerms = {},
): Promise<{ entryId: number; lotId: number; balance: number }> {
  return db.transaction(() => creditWithinTransaction(db, entry, now, terms));
}

/**
 * `credit` without a savepoint of its own, for a caller that already holds a transaction and never
 * catches an error from it (so a failure halfway rolls the caller back as a whole). (Purchases post
 * their credit with the purchase row in one statement instead: repos/purchases.ts postPurchase.)
 */
export async function creditWithinTransaction(
  db: Queryable,
  entry: LedgerEntry,
  now: Date,
  terms: LotTerms = {},
  /** The balance before this credit, if the caller has just read it: spares reading it again. */
  balanceBefore?: number,
): Promise<{ entryId: number; lotId: number; balance: number }> {
  assertWhole(entry.points);
  if (entry.points <= 0) throw new Error(`a credit must add points, got ${entry.points}`);
  const at = now.toISOString();
  const entryId = await insertLedgerRow(db, { ...entry, createdAt: at });
  const lotId = await insertLot(db, {
    memberId: entry.memberId,
    ledgerId: entryId,
    points: entry.points,
    earnedAt: at,
    availableAt: (terms.availableAt ?? now).toISOString(),
    expiresAt: terms.expiresAt ? terms.expiresAt.toISOString() : null,
  });
  const balance =
    balanceBefore === undefined ? await getBalance(db, entry.memberId) : balanceBefore + entry.points;
  return { entryId, lotId, balance };
}

/**
 * Takes `entry.points` (a positive number) out of the member's lots, oldest first, and records one
 * negative ledger row plus which lots it drew on. Refuses with `insufficient-points` (writing
 * nothing) when the spendable points do not cover it, unless `allowPartial`.
 */
export async function debit(
  db: Queryable,
  entry: LedgerEntry,
  now: Date,
  opts: DebitOptions = {},
): Promise<{ entryId: number | undefined; taken: number; balance: number }> {
  assertWhole(entry.points);
  if (entry.points <= 0)
    throw new Error(`a debit must take a positive number of points, got ${entry.points}`);
  const at = now.toISOString();
  return db.transaction(async () => {
    const lots = await openLots(db, entry.memberId);
    const usable = lots.filter((l) => opts.includePending || l.available_at <= at);
    if (opts.preferLotId !== undefined) {
      const i = usable.findIndex((l) => l.id === opts.preferLotId);
      if (i > 0) usable.unshift(...usable.splice(i, 1));
    }
    const spendable = usable.reduce((s, l) => s + l.remaining, 0);
    const taken = Math.min(entry.points, spendable);
    if (taken < entry.points && !opts.allowPartial) {
      const total = lots.reduce((s, l) => s + l.remaining, 0);
      const pending = total - lots.filter((l) => l.available_at <= at).reduce((s, l) => s + l.remaining, 0);
      throw new EngineError(
        'insufficient-points',
        `member ${entry.memberId} has ${spendable} spendable points, ${entry.points} needed` +
          (pending > 0 ? ` (${pending} more are pending until their refund window ends)` : '') +
          '; ask for fewer points or wait until more are earned',
        { needed: entry.points, spendable, pending },
      );
    }
    if (taken === 0) {
      const row = await db.get<{ points: number }>('SELECT points FROM balances WHERE member_id = ?', [
        entry.memberId,
      ]);
      return { entryId: undefined, taken: 0, balance: row?.points ?? 0 };
    }
    const entryId = await insertLedgerRow(db, { ...entry, points: -taken, createdAt: at });
    let left = taken;
    for (const lot of usable) {
      if (left === 0) break;
      const part = Math.min(left, lot.remaining);
      await takeFromLot(db, { ledgerId: entryId, lotId: lot.id, points: part });
      left -= part;
    }
    return { entryId, taken, balance: await getBalance(db, entry.memberId) };
  });
}

/**
 * Moves points by a signed amount: a credit (never-expiring lot, available at once) when positive,
 * a debit of spendable points when negative. For callers that need no lot terms (seed, tests,
 * operator adjustments).
 */
export async function appendLedgerEntry(
  db: Queryable,
  entry: LedgerEntry,
  now: Date = new Date(),
): Promise<{ entryId: number; balance: number }> {
  assertWhole(entry.points);
  if (entry.points > 0) {
    const { entryId, balance } = await credit(db, entry, now);
    return { entryId, balance };
  }
  if (entry.points === 0) throw new Error('a ledger entry must move points; 0 was given');
  const r = await debit(db, { ...entry, points: -entry.points }, now);
  return { entryId: r.entryId!, balance: r.balance };
}

/**
 * Undoes a debit (a cancelled voucher): the points go back into the very lots they came from, with
 * their original expiry, so redeeming and cancelling cannot be used to refresh old points. Points
 * whose lot has meanwhile expired are picked up by the next expiry run.
 */
export async function restoreDebit(
  db: Queryable,
  debitEntryId: number,
  entry: Omit<LedgerEntry, 'points' | 'kind'>,
  now: Date,
): Promise<{ entryId: number; points: number; balance: number }> {
  const at = now.toISOString();
  return db.transaction(async () => {
    const parts = await db.all<{ lot_id: number; points: number }>(
      'SELECT lot_id, points FROM lot_consumptions WHERE ledger_id = ?',
      [debitEntryId],
    );
    const points = parts.reduce((s, p) => s + p.points, 0);
    if (points === 0)
      throw new Error(`ledger entry ${debitEntryId} took no points from any lot; nothing to restore`);
    const entryId = await insertLedgerRow(db, { ...entry, kind: 'reverse', points, createdAt: at });
    for (const p of parts) {
      await db.run('UPDATE point_lots SET remaining = remaining + ? WHERE id = ?', [p.points, p.lot_id]);
    }
    return { entryId, points, balance: await getBalance(db, entry.memberId) };
  });
}
