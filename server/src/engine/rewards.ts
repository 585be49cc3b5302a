import { TIER_CODES, type TierCode } from '@bashgah/protocol';
import { z } from 'zod';
import type { Queryable } from '../db/sqlite.js';
import { EngineError } from './errors.js';
import { checkRedemptionVelocity, DEFAULT_FRAUD_LIMITS, type FraudLimits } from './fraud.js';
import { debit, restoreDebit } from './ledger.js';
import { DAY_MS } from './lots.js';
import {
  clubKey,
  newVoucherCode,
  normaliseVoucherCode,
  signVoucherToken,
  verifyVoucherToken,
} from './vouchers.js';

export const RewardInput = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'reward ids are 1-40 of a-z 0-9 -'),
    name: z.object({ fa: z.string().min(1).max(80), en: z.string().min(1).max(80) }).strict(),
    pointsCost: z.number().int().positive().max(10_000_000),
    /** null: unlimited. */
    stock: z.number().int().min(0).nullable().default(null),
    validFrom: z.iso.datetime().nullable().default(null),
    validTo: z.iso.datetime().nullable().default(null),
    minTier: z.enum(TIER_CODES).nullable().default(null),
    perMemberLimit: z.number().int().positive().nullable().default(null),
    voucherDays: z.number().int().positive().max(365).default(30),
  })
  .strict()
  .refine((r) => !r.validFrom || !r.validTo || r.validFrom < r.validTo, {
    message: 'validTo must be after validFrom',
    path: ['validTo'],
  });
export type RewardInput = z.input<typeof RewardInput>;

export interface RewardRow {
  id: string;
  name_fa: string;
  name_en: string;
  points_cost: number;
  stock: number | null;
  valid_from: string | null;
  valid_to: string | null;
  min_tier: TierCode | null;
  per_member_limit: number | null;
  voucher_days: number;
  active: number;
}

export async function createReward(db: Queryable, input: RewardInput, now: Date = new Date()): Promise<void> {
  const r = RewardInput.parse(input);
  await db.run(
    `INSERT INTO rewards (id, name_fa, name_en, points_cost, stock, valid_from, valid_to, min_tier, per_member_limit,
       voucher_days, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      r.id,
      r.name.fa,
      r.name.en,
      r.pointsCost,
      r.stock,
      r.validFrom,
      r.validTo,
      r.minTier,
      r.perMemberLimit,
      r.voucherDays,
      now.toISOString(),
    ],
  );
}

/** Rewards a member of `tier` may claim at `now`, cheapest first (stock, dates and tier checked). */
export function availableRewards(db: Queryable, tier: TierCode, now: Date): Promise<RewardRow[]> {
  const allowed = TIER_CODES.slice(0, TIER_CODES.indexOf(tier) + 1);
  const at = now.toISOString();
  return db.all<RewardRow>(
    `SELECT * FROM rewards WHERE active = 1 AND (stock IS NULL OR stock > 0)
       AND (valid_from IS NULL OR valid_from <= ?) AND (valid_to IS NULL OR valid_to > ?)
       AND (min_tier IS NULL OR min_tier IN (${allowed.map(() => '?').join(',')}))
     ORDER BY points_cost, id`,
    [at, at, ...allowed],
  );
}

export interface IssuedVoucher {
  code: string;
  /** Signed QR payload; verifiable offline with the club's public key. */
  token: string;
  rewardId: string;
  points: number;
  expiresAt: string;
  balance: number;
  replay: boolean;
}

export interface ClaimInput {
  memberId: string;
  rewardId: string;
  /** Idempotency key: the kiosk's event id, or an API client's request id. */
  requestKey: string;
  deviceId?: string | undefined;
}

/**
 * Claims a reward: checks it is on offer to this member, takes one from stock, reserves the points
 * (spendable ones only, oldest lots first) and issues a voucher, all in one transaction. Two
 * claims racing for the last item or the last points are serialised by SQLite: the second sees the
 * first's effects and is refused, so exactly one wins. A repeated request key returns the first
 * voucher.
 */
export function claimReward(
  db: Queryable,
  input: ClaimInput,
  now: Date,
  opts: { timeZone?: string; limits?: FraudLimits } = {},
): Promise<IssuedVoucher> {
  return db.transaction(async () => {
    const prior = await db.get<VoucherRow>('SELECT * FROM vouchers WHERE request_key = ?', [
      input.requestKey,
    ]);
    if (prior) {
      if (prior.member_id !== input.memberId || prior.reward_id !== input.rewardId) {
        throw new EngineError(
          'reward-unavailable',
          `request ${input.requestKey} was already used for another claim`,
        );
      }
      return issued(db, prior, true);
    }
    const member = await db.get<{ id: string; number: number; tier: TierCode }>(
      'SELECT id, number, tier FROM members WHERE id = ?',
      [input.memberId],
    );
    if (!member) throw new EngineError('member-not-found', `no member ${input.memberId}`);
    const reward = await db.get<RewardRow>('SELECT * FROM rewards WHERE id = ?', [input.rewardId]);
    const at = now.toISOString();
    if (
      !reward?.active ||
      (reward.valid_from && reward.valid_from > at) ||
      (reward.valid_to && reward.valid_to <= at)
    ) {
      throw new EngineError(
        'reward-unavailable',
        `reward ${input.rewardId} is not on offer now; pick one from the current catalog`,
      );
    }
    if (reward.min_tier && TIER_CODES.indexOf(member.tier) < TIER_CODES.indexOf(reward.min_tier)) {
      throw new EngineError(
        'reward-unavailable',
        `reward ${reward.id} is for ${reward.min_tier} members and above; this member is ${member.tier}`,
      );
    }
    await checkRedemptionVelocity(
      db,
      member.id,
      opts.limits ?? DEFAULT_FRAUD_LIMITS,
      now,
      opts.timeZone ?? 'Asia/Tehran',
    );
    if (reward.per_member_limit !== null) {
      const n = await db.get<{ n: number }>(
        "SELECT count(*) AS n FROM vouchers WHERE member_id = ? AND reward_id = ? AND status <> 'cancelled'",
        [member.id, reward.id],
      );
      if ((n?.n ?? 0) >= reward.per_member_limit) {
        throw new EngineError(
          'reward-limit',
          `member ${member.id} already has ${reward.per_member_limit} of reward ${reward.id}, the most allowed`,
        );
      }
    }
    if (reward.stock !== null) {
      const took = await db.run('UPDATE rewards SET stock = stock - 1 WHERE id = ? AND stock > 0', [
        reward.id,
      ]);
      if (took.changes === 0) throw new EngineError('out-of-stock', `reward ${reward.id} is out of stock`);
    }
    const spent = await debit(
      db,
      {
        memberId: member.id,
        kind: 'redeem',
        points: reward.points_cost,
        cause: `reward:${reward.id}`,
        deviceId: input.deviceId,
      },
      now,
    );
    return issueVoucher(
      db,
      {
        rewardId: reward.id,
        memberId: member.id,
        source: 'points',
        points: reward.points_cost,
        redeemLedgerId: spent.entryId!,
        expiresAt: new Date(now.getTime() + reward.voucher_days * DAY_MS).toISOString(),
        requestKey: input.requestKey,
        deviceId: input.deviceId,
      },
      now,
    );
  });
}

/** Writes a voucher with a fresh code and returns it signed; the caller has already paid for it. */
export async function issueVoucher(
  db: Queryable,
  v: {
    rewardId: string;
    memberId: string;
    source: 'points' | 'punch-card';
    points: number;
    redeemLedgerId: number | null;
    expiresAt: string;
    requestKey: string;
    deviceId?: string | undefined;
  },
  now: Date,
): Promise<IssuedVoucher> {
  const r = await db.run(
    `INSERT INTO vouchers (code, reward_id, member_id, source, points, redeem_ledger_id, issued_at, expires_at, request_key, device_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      newVoucherCode(),
      v.rewardId,
      v.memberId,
      v.source,
      v.points,
      v.redeemLedgerId,
      now.toISOString(),
      v.expiresAt,
      v.requestKey,
      v.deviceId ?? null,
    ],
  );
  const row = (await db.get<VoucherRow>('SELECT * FROM vouchers WHERE id = ?', [r.lastID]))!;
  return issued(db, row, false);
}

interface VoucherRow {
  id: number;
  code: string;
  reward_id: string;
  member_id: string;
  points: number;
  source: 'points' | 'punch-card';
  redeem_ledger_id: number | null;
  status: 'issued' | 'used' | 'cancelled';
  issued_at: string;
  expires_at: string;
  used_at: string | null;
  used_store: string | null;
  used_receipt: string | null;
  request_key: string | null;
}

async function issued(db: Queryable, v: VoucherRow, replay: boolean): Promise<IssuedVoucher> {
  const key = await clubKey(db);
  const member = (await db.get<{ number: number }>('SELECT number FROM members WHERE id = ?', [
    v.member_id,
  ]))!;
  const balance = (
    await db.get<{ points: number }>('SELECT points FROM balances WHERE member_id = ?', [v.member_id])
  )?.points;
  return {
    code: v.code,
    token: signVoucherToken(
      { v: 1, c: v.code, r: v.reward_id, m: member.number, e: Math.floor(Date.parse(v.expires_at) / 1000) },
      key,
    ),
    rewardId: v.reward_id,
    points: v.points,
    expiresAt: v.expires_at,
    balance: balance ?? 0,
    replay,
  };
}

/** A code as typed, or the QR token (checked against the club key first). */
async function findVoucher(db: Queryable, codeOrToken: string, now: Date): Promise<VoucherRow> {
  let code: string | undefined;
  if (codeOrToken.includes('.')) {
    const check = verifyVoucherToken(codeOrToken, (await clubKey(db)).publicPem, now);
    if (!check.ok && check.reason === 'expired') {
      throw new EngineError('voucher-expired', 'this voucher has expired; it can no longer be used');
    }
    if (!check.ok)
      throw new EngineError('voucher-not-found', `the QR code is not a valid club voucher (${check.reason})`);
    code = check.claims.c;
  } else {
    code = normaliseVoucherCode(codeOrToken);
  }
  const v = code ? await db.get<VoucherRow>('SELECT * FROM vouchers WHERE code = ?', [code]) : undefined;
  if (!v) throw new EngineError('voucher-not-found', 'no voucher with this code; check the code on the slip');
  return v;
}

export interface UsedVoucher {
  code: string;
  rewardId: string;
  name: { fa: string; en: string };
  memberId: string;
  usedAt: string;
}

/** Marks a voucher used at a till. Once: a second use is refused with when and where it was used. */
export function useVoucher(
  db: Queryable,
  input: { codeOrToken: string; storeId: string; receiptId?: string | undefined },
  now: Date,
): Promise<UsedVoucher> {
  return db.transaction(async () => {
    const v = await findVoucher(db, input.codeOrToken, now);
    if (v.status === 'used') {
      throw new EngineError(
        'voucher-used',
        `voucher ${v.code} was already used at ${v.used_store} on ${v.used_at}`,
        {
          usedAt: v.used_at,
          usedStore: v.used_store,
        },
      );
    }
    if (v.status === 'cancelled')
      throw new EngineError('voucher-cancelled', `voucher ${v.code} was cancelled and its points returned`);
    if (v.expires_at <= now.toISOString()) {
      throw new EngineError(
        'voucher-expired',
        `voucher ${v.code} expired on ${v.expires_at}; the member can cancel it to get the points back`,
      );
    }
    const at = now.toISOString();
    await db.run(
      "UPDATE vouchers SET status = 'used', used_at = ?, used_store = ?, used_receipt = ? WHERE id = ? AND status = 'issued'",
      [at, input.storeId, input.receiptId ?? null, v.id],
    );
    const reward = (await db.get<RewardRow>('SELECT * FROM rewards WHERE id = ?', [v.reward_id]))!;
    return {
      code: v.code,
      rewardId: v.reward_id,
      name: { fa: reward.name_fa, en: reward.name_en },
      memberId: v.member_id,
      usedAt: at,
    };
  });
}

/**
 * Cancels an unused voucher (issued or expired unused): the points go back to the lots they came
 * from and the stock item returns. Used or already cancelled vouchers are refused.
 */
export function cancelVoucher(
  db: Queryable,
  input: { code: string; memberId: string },
  now: Date,
): Promise<{ code: string; pointsReturned: number; balance: number }> {
  return db.transaction(async () => {
    const v = await findVoucher(db, input.code, now);
    if (v.member_id !== input.memberId)
      throw new EngineError('voucher-not-found', 'no voucher with this code for this member');
    if (v.status === 'used')
      throw new EngineError(
        'voucher-used',
        `voucher ${v.code} was used on ${v.used_at}; it cannot be cancelled`,
      );
    if (v.status === 'cancelled')
      throw new EngineError('voucher-cancelled', `voucher ${v.code} is already cancelled`);
    // A punch-card voucher reserved no points: cancelling it just voids it.
    const restored =
      v.redeem_ledger_id === null
        ? { entryId: null, points: 0, balance: await pointsOf(db, v.member_id) }
        : await restoreDebit(
            db,
            v.redeem_ledger_id,
            { memberId: v.member_id, cause: `cancel:${v.code}` },
            now,
          );
    await db.run(
      "UPDATE vouchers SET status = 'cancelled', cancelled_at = ?, cancel_ledger_id = ? WHERE id = ?",
      [now.toISOString(), restored.entryId, v.id],
    );
    if (v.source === 'points') {
      await db.run('UPDATE rewards SET stock = stock + 1 WHERE id = ? AND stock IS NOT NULL', [v.reward_id]);
    }
    return { code: v.code, pointsReturned: restored.points, balance: restored.balance };
  });
}

async function pointsOf(db: Queryable, memberId: string): Promise<number> {
  return (
    (await db.get<{ points: number }>('SELECT points FROM balances WHERE member_id = ?', [memberId]))
      ?.points ?? 0
  );
}
