import type { Queryable } from '../db/sqlite.js';
import { EngineError } from './errors.js';
import { requestHash } from './purchases.js';

/**
 * Store credit ("اعتبار خرید"): cashback earned on purchases and spent at the till. Kept apart
 * from points because it is money: integer minor units, per currency, never converted.
 */

export interface CreditMove {
  memberId: string;
  kind: 'earn' | 'spend' | 'reverse' | 'adjust';
  /** Signed: positive adds credit. */
  amountMinor: number;
  currency: string;
  cause: string;
  storeId?: string | undefined;
  ref?: string | undefined;
  requestHash?: string | undefined;
}

/** One ledger row and the balance change, together; refuses to take the balance below zero. */
export function moveCredit(db: Queryable, m: CreditMove, now: Date): Promise<number> {
  if (!Number.isSafeInteger(m.amountMinor) || m.amountMinor === 0) {
    throw new Error(`credit moves must be a non-zero whole number of minor units, got ${m.amountMinor}`);
  }
  const at = now.toISOString();
  return db.transaction(async () => {
    const balance = await creditBalance(db, m.memberId, m.currency);
    if (balance + m.amountMinor < 0) {
      throw new EngineError(
        'insufficient-credit',
        `member ${m.memberId} has ${balance} ${m.currency} of store credit, ${-m.amountMinor} was asked; spend at most the balance`,
        { balance, asked: -m.amountMinor, currency: m.currency },
      );
    }
    await db.run(
      `INSERT INTO credit_ledger (member_id, kind, amount_minor, currency, cause, store_id, ref, request_hash, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        m.memberId,
        m.kind,
        m.amountMinor,
        m.currency,
        m.cause,
        m.storeId ?? null,
        m.ref ?? null,
        m.requestHash ?? null,
        at,
      ],
    );
    // Row first, then the change: an INSERT carrying a negative amount would trip the CHECK even
    // when ON CONFLICT would have turned it into a valid update.
    await db.run(
      `INSERT INTO credit_balances (member_id, currency, amount_minor, updated_at) VALUES (?, ?, 0, ?)
       ON CONFLICT (member_id, currency) DO NOTHING`,
      [m.memberId, m.currency, at],
    );
    const row = await db.get<{ amount_minor: number }>(
      `UPDATE credit_balances SET amount_minor = amount_minor + ?, updated_at = ?
       WHERE member_id = ? AND currency = ? RETURNING amount_minor`,
      [m.amountMinor, at, m.memberId, m.currency],
    );
    return row!.amount_minor;
  });
}

export async function creditBalance(db: Queryable, memberId: string, currency: string): Promise<number> {
  const row = await db.get<{ amount_minor: number }>(
    'SELECT amount_minor FROM credit_balances WHERE member_id = ? AND currency = ?',
    [memberId, currency],
  );
  return row?.amount_minor ?? 0;
}

/** Cashback on a purchase: `basisPoints` of the amount (1000 = 10%), rounded down. */
export function cashbackFor(amountMinor: number, basisPoints: number): number {
  return Number((BigInt(amountMinor) * BigInt(basisPoints)) / 10_000n);
}

export interface SpendInput {
  storeId: string;
  spendId: string;
  memberId: string;
  amountMinor: number;
  currency: string;
}

export interface SpendResult {
  spendId: string;
  memberId: string;
  amountMinor: number;
  currency: string;
  balance: number;
  replay: boolean;
}

/** Spends store credit at a till, once per store and spend id (a retried request is answered again). */
export function spendCredit(db: Queryable, input: SpendInput, now: Date): Promise<SpendResult> {
  const hash = requestHash(input);
  return db.transaction(async () => {
    const prior = await db.get<{
      request_hash: string;
      amount_minor: number;
      member_id: string;
      currency: string;
    }>(
      "SELECT request_hash, amount_minor, member_id, currency FROM credit_ledger WHERE kind = 'spend' AND store_id = ? AND ref = ?",
      [input.storeId, input.spendId],
    );
    if (prior) {
      if (prior.request_hash !== hash) {
        throw new EngineError(
          'spend-conflict',
          `credit spend ${input.spendId} was already recorded with different details; use a new spend id`,
        );
      }
      return {
        spendId: input.spendId,
        memberId: prior.member_id,
        amountMinor: -prior.amount_minor,
        currency: prior.currency,
        balance: await creditBalance(db, prior.member_id, prior.currency),
        replay: true,
      };
    }
    const balance = await moveCredit(
      db,
      {
        memberId: input.memberId,
        kind: 'spend',
        amountMinor: -input.amountMinor,
        currency: input.currency,
        cause: `spend:${input.storeId}/${input.spendId}`,
        storeId: input.storeId,
        ref: input.spendId,
        requestHash: hash,
      },
      now,
    );
    return { ...input, balance, replay: false };
  });
}
