import type { Queryable } from '../sqlite.js';

export const LEDGER_KINDS = ['earn', 'redeem', 'expire', 'adjust', 'reverse'] as const;
export type LedgerKind = (typeof LEDGER_KINDS)[number];

export interface LedgerRow {
  id: number;
  member_id: string;
  kind: LedgerKind;
  points: number;
  cause: string;
  event_id: string | null;
  device_id: string | null;
  created_at: string;
}

export interface NewLedgerRow {
  memberId: string;
  kind: LedgerKind;
  points: number;
  cause: string;
  eventId?: string | null;
  deviceId?: string | null;
  createdAt: string;
}

/** Appends a ledger row; the points_ledger_moves_balance trigger moves the balance with it. */
export async function insertLedgerRow(db: Queryable, e: NewLedgerRow): Promise<number> {
  const r = await db.run(
    `INSERT INTO points_ledger (member_id, kind, points, cause, event_id, device_id, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
    [e.memberId, e.kind, e.points, e.cause, e.eventId ?? null, e.deviceId ?? null, e.createdAt],
  );
  return r.lastID;
}

export async function getBalance(db: Queryable, memberId: string): Promise<number> {
  const row = await db.get<{ points: number }>('SELECT points FROM balances WHERE member_id = ?', [memberId]);
  return row?.points ?? 0;
}

export function listLedger(db: Queryable, memberId: string): Promise<LedgerRow[]> {
  return db.all<LedgerRow>('SELECT * FROM points_ledger WHERE member_id = ? ORDER BY id', [memberId]);
}
