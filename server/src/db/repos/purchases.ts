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
  /** JSON {cardId: stamps} this purchase added, and how many of them refunds took back. */
  stamps: string;
  stamps_reversed: string;
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

/**
 * Writes a purchase, and when it earned points its earn ledger row and lot, in one statement
 * (the purchase_postings view, migration 014): one round trip instead of three on the busiest path.
 */
export async function postPurchase(
  db: Queryable,
  p: Omit<
    PurchaseRow,
    | 'id'
    | 'refunded_minor'
    | 'points_reversed'
    | 'credit_reversed'
    | 'stamps_reversed'
    | 'ledger_id'
    | 'lot_id'
  > & {
    /** The earn row's cause, and the lot's terms (ignored when points is 0). */
    cause: string;
    available_at: string;
    expires_at: string | null;
  },
): Promise<void> {
  await db.run(
    `INSERT INTO purchase_postings (store_id, receipt_id, member_id, amount_minor, currency, lines, staff_id,
       request_hash, points, cause, available_at, expires_at, rules_version, breakdown, credit_minor, stamps, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
      p.cause,
      p.available_at,
      p.expires_at,
      p.rules_version,
      p.breakdown,
      p.credit_minor,
      p.stamps,
      p.created_at,
    ],
  );
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
  /** JSON of what else the refund took back (stamps, vouchers, referral): see RefundEffects. */
  effects: string;
  created_at: string;
}

export function findRefund(db: Queryable, storeId: string, refundId: string): Promise<RefundRow | undefined> {
  return db.get<RefundRow>('SELECT * FROM refunds WHERE store_id = ? AND refund_id = ?', [storeId, refundId]);
}

export async function insertRefund(db: Queryable, r: Omit<RefundRow, 'id'>): Promise<number> {
  const res = await db.run(
    `INSERT INTO refunds (store_id, refund_id, purchase_id, amount_minor, request_hash, points_reversed, shortfall,
       ledger_id, credit_reversed, credit_shortfall, effects, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
      r.effects,
      r.created_at,
    ],
  );
  return res.lastID;
}
