import type { Queryable } from '../sqlite.js';

export interface PurchaseRow {
  id: number;
  store_id: string;
  receipt_id: string;
  member_id: string;
  amount_minor: number;
  currency: string;
  lines: string;
  staff_id: string | null;
  request_hash: string;
  points: number;
  ledger_id: number | null;
  lot_id: number | null;
  rules_version: number;
  breakdown: string;
  refunded_minor: number;
  points_reversed: number;
  credit_minor: number;
  credit_reversed: number;
  created_at: string;
}

export function findPurchase(
  db: Queryable,
  storeId: string,
  receiptId: string,
): Promise<PurchaseRow | undefined> {
  return db.get<PurchaseRow>('SELECT * FROM purchases WHERE store_id = ? AND receipt_id = ?', [
    storeId,
    receiptId,
  ]);
}

export async function insertPurchase(
  db: Queryable,
  p: Omit<PurchaseRow, 'id' | 'refunded_minor' | 'points_reversed' | 'credit_reversed'>,
): Promise<number> {
  const r = await db.run(
    `INSERT INTO purchases (store_id, receipt_id, member_id, amount_minor, currency, lines, staff_id, request_hash,
       points, ledger_id, lot_id, rules_version, breakdown, credit_minor, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      p.store_id,
      p.receipt_id,
      p.member_id,
      p.amount_minor,
      p.currency,
      p.lines,
      p.staff_id,
      p.request_hash,
      p.points,
      p.ledger_id,
      p.lot_id,
      p.rules_version,
      p.breakdown,
      p.credit_minor,
      p.created_at,
    ],
  );
  return r.lastID;
}

export interface RefundRow {
  id: number;
  store_id: string;
  refund_id: string;
  purchase_id: number;
  amount_minor: number;
  request_hash: string;
  points_reversed: number;
  shortfall: number;
  ledger_id: number | null;
  credit_reversed: number;
  credit_shortfall: number;
  created_at: string;
}

export function findRefund(db: Queryable, storeId: string, refundId: string): Promise<RefundRow | undefined> {
  return db.get<RefundRow>('SELECT * FROM refunds WHERE store_id = ? AND refund_id = ?', [storeId, refundId]);
}

export async function insertRefund(db: Queryable, r: Omit<RefundRow, 'id'>): Promise<number> {
  const res = await db.run(
    `INSERT INTO refunds (store_id, refund_id, purchase_id, amount_minor, request_hash, points_reversed, shortfall,
       ledger_id, credit_reversed, credit_shortfall, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      r.store_id,
      r.refund_id,
      r.purchase_id,
      r.amount_minor,
      r.request_hash,
      r.points_reversed,
      r.shortfall,
      r.ledger_id,
      r.credit_reversed,
      r.credit_shortfall,
      r.created_at,
    ],
  );
  return res.lastID;
}
