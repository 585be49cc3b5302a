import { addToBalance, insertLedgerRow, type LedgerKind } from '../db/repos/ledger.js';
import type { Queryable } from '../db/sqlite.js';

export interface LedgerEntry {
  memberId: string;
  kind: LedgerKind;
  points: number;
  /** Why the points moved, e.g. 'checkin', 'seed', 'receipt:123'; shown in the member's history. */
  cause: string;
  eventId?: string | undefined;
  deviceId?: string | undefined;
}

/**
 * The only way points move: one append-only ledger row plus the matching balance change, in one
 * transaction, so the balance always equals the sum of the ledger.
 */
export async function appendLedgerEntry(
  db: Queryable,
  entry: LedgerEntry,
  now: Date = new Date(),
): Promise<{ entryId: number; balance: number }> {
  if (!Number.isSafeInteger(entry.points)) {
    throw new Error(`ledger points must be a whole number, got ${entry.points}`);
  }
  const at = now.toISOString();
  return db.transaction(async () => {
    const entryId = await insertLedgerRow(db, { ...entry, createdAt: at });
    const balance = await addToBalance(db, entry.memberId, entry.points, at);
    return { entryId, balance };
  });
}
