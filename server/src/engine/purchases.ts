import { createHash } from 'node:crypto';
import type { TierCode } from '@bashgah/protocol';
import { findMember, type MemberRow } from '../db/repos/members.js';
import {
  findPurchase,
  findRefund,
  insertRefund,
  type PurchaseRow,
  postPurchase,
} from '../db/repos/purchases.js';
import type { Queryable } from '../db/sqlite.js';
import { cashbackFor, creditBalance, moveCredit } from './credit.js';
import { EngineError } from './errors.js';
import {
  assertStaffPurchaseVelocity,
  clubDayStart,
  DEFAULT_FRAUD_LIMITS,
  type FraudLimits,
  STAFF_PURCHASES_TODAY_SQL,
} from './fraud.js';
import { debit } from './ledger.js';
import { DAY_MS } from './lots.js';
import { reverseStamps, type StampReversal, stampPurchase, stampsEarned } from './punch-cards.js';
import {
  awardBirthdayIfDue,
  awardReferralIfFirstPurchase,
  type ReferralReversal,
  reverseReferralIfNoPurchaseKept,
} from './rules/bonuses.js';
import { type EarnBreakdown, type PurchaseLine, purchasePoints } from './rules/earn.js';
import { activeRules } from './rules/store.js';
import { qualifyingTotalSql, tierWindowStart, upgradeForTotal } from './tiers.js';

export interface PurchaseInput {
  storeId: string;
  receiptId: string;
  memberId: string;
  amountMinor: number;
  currency: string;
  lines: PurchaseLine[];
  staffId?: string | undefined;
}

export interface PurchaseResult {
  receiptId: string;
  memberId: string;
  points: number;
  /** When the purchase points become spendable (ISO); null when it earned none. */
  pendingUntil: string | null;
  bonuses: { birthday: number; referral: number };
  /** Store credit (cashback) this purchase earned and the member's credit balance after it. */
  credit: { earnedMinor: number; balanceMinor: number; currency: string };
  rulesVersion: number;
  /** The member's tier after this purchase (an upgrade applies at once). */
  tier: TierCode;
  /** Stamps this purchase added; a completed card comes with its free-item voucher. A replay shows none. */
  punchCards: Array<{
    cardId: string;
    stampsAdded: number;
    stamps: number;
    vouchers: Array<{ code: string; token: string; rewardId: string; expiresAt: string }>;
  }>;
  balance: number;
  /** True when this was a replay of a receipt already recorded: nothing was written. */
  replay: boolean;
}

/** What recordPurchase reads in its one query (members columns are null for an unknown member). */
type PurchaseContext = Partial<MemberRow> & {
  prior_id: number | null;
  credit_minor: number | null;
  balance: number | null;
  staff_today: number;
  window_total: number;
};

export interface EngineClock {
  now: Date;
  timeZone: string;
}

/** Canonical JSON (sorted keys) hashed, so key order in a replayed body does not matter. */
export function requestHash(value: unknown): string {
  return createHash('sha256').update(canonical(value)).digest('hex');
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * Records a purchase once per store and receipt id. The points go into one lot that stays pending
 * for the refund window, so a refund inside the window can always take them all back. A replay
 * with the same body returns the first result and writes nothing; the same receipt id with a
 * different body is refused (`receipt-conflict`), because answering it would hide a till bug.
 */
export function recordPurchase(
  db: Queryable,
  input: PurchaseInput,
  clock: EngineClock,
  limits: FraudLimits = DEFAULT_FRAUD_LIMITS,
): Promise<PurchaseResult> {
  const hash = requestHash(input);
  return db.transaction(async () => {
    const { version, config } = await activeRules(db);
    const { now } = clock;
    // One read answers everything the common case needs before writing: is the receipt new, who
    // is the member, their points and store credit, this staff member's sales to them today and
    // their tier window so far. Each statement is a thread-pool round trip, and a till waits on all.
    const row = await db.get<PurchaseContext>(
      `SELECT m.*,
         (SELECT id FROM purchases p WHERE p.store_id = ? AND p.receipt_id = ?) AS prior_id,
         (SELECT amount_minor FROM credit_balances c WHERE c.member_id = m.id AND c.currency = ?) AS credit_minor,
         (SELECT points FROM balances b WHERE b.member_id = m.id) AS balance,
         (${STAFF_PURCHASES_TODAY_SQL}) AS staff_today,
         (${qualifyingTotalSql(config.tiers)}) AS window_total
       FROM (SELECT 1) LEFT JOIN members m ON m.id = ?`,
      [
        input.storeId,
        input.receiptId,
        input.currency,
        input.staffId ?? null,
        input.memberId,
        clubDayStart(now, clock.timeZone),
        input.memberId,
        tierWindowStart(now, config.tiers),
        input.memberId,
      ],
    );
    if (row?.prior_id != null) {
      return replayResult(db, (await findPurchase(db, input.storeId, input.receiptId))!, hash);
    }
    const member = row?.id ? (row as PurchaseContext & MemberRow) : undefined;
    if (!member) {
      throw new EngineError(
        'member-not-found',
        `no member ${input.memberId}; check the card, phone or member number`,
      );
    }
    assertStaffPurchaseVelocity(
      { staffId: input.staffId, memberId: member.id, countToday: member.staff_today },
      limits,
    );
    const earn = purchasePoints(config, {
      amountMinor: input.amountMinor,
      currency: input.currency,
      lines: input.lines,
      tier: member.tier,
      at: now,
      timeZone: clock.timeZone,
    });
    if (!Number.isSafeInteger(earn.points) || earn.points < 0) {
      throw new Error(`purchase points must be a whole number of 0 or more, got ${earn.points}`);
    }
    const availableAt = new Date(now.getTime() + config.lots.pendingDays * DAY_MS).toISOString();
    const pendingUntil = earn.points > 0 ? availableAt : null;
    const cause = `purchase:${input.storeId}/${input.receiptId}`;
    const cashback = cashbackFor(input.amountMinor, config.cashback.basisPoints);
    // The purchase row, its earn ledger row and its lot in one statement (see postPurchase).
    await postPurchase(db, {
      store_id: input.storeId,
      receipt_id: input.receiptId,
      member_id: member.id,
      amount_minor: input.amountMinor,
      currency: input.currency,
      lines: JSON.stringify(input.lines),
      staff_id: input.staffId ?? null,
      request_hash: hash,
      points: earn.points,
      cause,
      available_at: availableAt,
      expires_at: new Date(now.getTime() + config.lots.lifetimeDays * DAY_MS).toISOString(),
      rules_version: version,
      breakdown: JSON.stringify(earn satisfies EarnBreakdown),
      credit_minor: cashback,
      stamps: JSON.stringify(stampsEarned(config, input.lines)),
      created_at: now.toISOString(),
    });
    let creditBalanceMinor = member.credit_minor ?? 0;
    if (cashback > 0) {
      creditBalanceMinor = await moveCredit(
        db,
        {
          memberId: member.id,
          kind: 'earn',
          amountMinor: cashback,
          currency: input.currency,
          cause,
          storeId: input.storeId,
          ref: input.receiptId,
        },
        now,
      );
    }
    const birthday = await awardBirthdayIfDue(db, member, config, now, clock.timeZone);
    const referral = (await awardReferralIfFirstPurchase(db, member, config, now)).referee;
    // The window total read above, plus what this purchase added to it.
    const added = config.tiers.measure === 'points' ? earn.points + birthday + referral : input.amountMinor;
    const tier = await upgradeForTotal(
      db,
      member,
      Math.max(0, member.window_total) + added,
      now,
      config.tiers,
    );
    const punched = await stampPurchase(
      db,
      { memberId: member.id, storeId: input.storeId, receiptId: input.receiptId, lines: input.lines },
      config,
      now,
    );
    return {
      receiptId: input.receiptId,
      memberId: member.id,
      points: earn.points,
      pendingUntil,
      bonuses: { birthday, referral },
      credit: {
        earnedMinor: cashback,
        balanceMinor: creditBalanceMinor,
        currency: input.currency,
      },
      rulesVersion: version,
      tier,
      punchCards: punched.map((p) => ({
        cardId: p.cardId,
        stampsAdded: p.stampsAdded,
        stamps: p.stamps,
        vouchers: p.vouchers.map((v) => ({
          code: v.code,
          token: v.token,
          rewardId: v.rewardId,
          expiresAt: v.expiresAt,
        })),
      })),
      // The credit already returned the balance; bonuses since then move it again.
      balance: (member.balance ?? 0) + earn.points + birthday + referral,
      replay: false,
    };
  });
}

async function replayResult(db: Queryable, prior: PurchaseRow, hash: string): Promise<PurchaseResult> {
  if (prior.request_hash !== hash) {
    throw new EngineError(
      'receipt-conflict',
      `receipt ${prior.receipt_id} was already recorded at ${prior.created_at} with different details; use a new receipt id for a new sale, or a refund to change this one`,
      { receiptId: prior.receipt_id },
    );
  }
  const lot = prior.lot_id
    ? await db.get<{ available_at: string }>('SELECT available_at FROM point_lots WHERE id = ?', [
        prior.lot_id,
      ])
    : undefined;
  return {
    receiptId: prior.receipt_id,
    memberId: prior.member_id,
    points: prior.points,
    pendingUntil: lot?.available_at ?? null,
    bonuses: { birthday: 0, referral: 0 },
    credit: {
      earnedMinor: prior.credit_minor,
      balanceMinor: await creditBalance(db, prior.member_id, prior.currency),
      currency: prior.currency,
    },
    rulesVersion: prior.rules_version,
    tier: (await findMember(db, prior.member_id))!.tier,
    punchCards: [],
    balance: await balanceOf(db, prior.member_id),
    replay: true,
  };
}

async function balanceOf(db: Queryable, memberId: string): Promise<number> {
  return (
    (await db.get<{ points: number }>('SELECT points FROM balances WHERE member_id = ?', [memberId]))
      ?.points ?? 0
  );
}

export interface RefundInput {
  storeId: string;
  refundId: string;
  receiptId: string;
  /** Omitted: whatever of the purchase is not yet refunded. */
  amountMinor?: number | undefined;
}

export interface RefundResult {
  refundId: string;
  receiptId: string;
  memberId: string;
  amountMinor: number;
  pointsReversed: number;
  /** Points the refund could not take back because they were already spent. */
  shortfall: number;
  /** Store credit taken back, and what could not be because it was already spent. */
  creditReversedMinor: number;
  creditShortfallMinor: number;
  /** Punch-card stamps taken back (the refunded share of what the purchase added). */
  stamps: StampReversal[];
  /** Set when this refund left the referee no kept purchase and so undid the referral bonus. */
  referral: ReferralReversal | null;
  balance: number;
  replay: boolean;
}

/** What a refund did besides points and credit, kept with it so a replay answers the same. */
interface RefundEffects {
  stamps?: StampReversal[];
  referral?: ReferralReversal | null;
}

/**
 * Refunds all or part of a purchase and takes back the matching share of its points: after
 * refunds totalling R of amount A, floor(points × R / A) have been reversed, so a full refund
 * reverses exactly what was earned. Points come from the purchase's own lot first (pending or
 * not), then the oldest others. If the member already spent them (possible only after the pending
 * window) the balance goes to 0, never below, and the rest is recorded as a shortfall. The same
 * share of the purchase's punch-card stamps goes back (reverseStamps); a full refund of the
 * referee's only kept purchase takes the referral bonus back from both sides.
 */
export function refundPurchase(db: Queryable, input: RefundInput, clock: EngineClock): Promise<RefundResult> {
  const hash = requestHash(input);
  return db.transaction(async () => {
    const prior = await findRefund(db, input.storeId, input.refundId);
    const purchase = await findPurchase(db, input.storeId, input.receiptId);
    if (prior) {
      if (prior.request_hash !== hash || prior.purchase_id !== purchase?.id) {
        throw new EngineError(
          'refund-conflict',
          `refund ${input.refundId} was already recorded with different details; use a new refund id`,
          { refundId: input.refundId },
        );
      }
      const effects = JSON.parse(prior.effects) as RefundEffects;
      return {
        refundId: prior.refund_id,
        receiptId: input.receiptId,
        memberId: purchase.member_id,
        amountMinor: prior.amount_minor,
        pointsReversed: prior.points_reversed,
        shortfall: prior.shortfall,
        creditReversedMinor: prior.credit_reversed,
        creditShortfallMinor: prior.credit_shortfall,
        stamps: effects.stamps ?? [],
        referral: effects.referral ?? null,
        balance: await balanceOf(db, purchase.member_id),
        replay: true,
      };
    }
    if (!purchase) {
      throw new EngineError(
        'purchase-not-found',
        `no purchase with receipt ${input.receiptId} at store ${input.storeId}; refunds must name the original receipt`,
      );
    }
    const left = purchase.amount_minor - purchase.refunded_minor;
    const amount = input.amountMinor ?? left;
    if (amount <= 0 || amount > left) {
      throw new EngineError(
        'refund-exceeds-purchase',
        `receipt ${input.receiptId} has ${left} left to refund; ${amount} was asked`,
        { refundable: left, asked: amount },
      );
    }
    const refunded = purchase.refunded_minor + amount;
    const target = Number((BigInt(purchase.points) * BigInt(refunded)) / BigInt(purchase.amount_minor));
    const owed = target - purchase.points_reversed;
    const { now } = clock;
    let taken = 0;
    let ledgerId: number | null = null;
    if (owed > 0) {
      const d = await debit(
        db,
        {
          memberId: purchase.member_id,
          kind: 'reverse',
          points: owed,
          cause: `refund:${input.storeId}/${input.refundId}`,
        },
        now,
        { includePending: true, preferLotId: purchase.lot_id ?? undefined, allowPartial: true },
      );
      taken = d.taken;
      ledgerId = d.entryId ?? null;
    }
    // Cashback follows the same share rule as points, capped by the credit still there.
    const creditTarget = Number(
      (BigInt(purchase.credit_minor) * BigInt(refunded)) / BigInt(purchase.amount_minor),
    );
    const creditOwed = creditTarget - purchase.credit_reversed;
    const creditTaken = Math.min(creditOwed, await creditBalance(db, purchase.member_id, purchase.currency));
    if (creditTaken > 0) {
      await moveCredit(
        db,
        {
          memberId: purchase.member_id,
          kind: 'reverse',
          amountMinor: -creditTaken,
          currency: purchase.currency,
          cause: `refund:${input.storeId}/${input.refundId}`,
          storeId: input.storeId,
          ref: input.refundId,
        },
        now,
      );
    }
    const { config } = await activeRules(db);
    const stamps = await reverseStamps(
      db,
      {
        memberId: purchase.member_id,
        storeId: input.storeId,
        receiptId: input.receiptId,
        amountMinor: purchase.amount_minor,
        refundedMinor: refunded,
        stamps: JSON.parse(purchase.stamps) as Record<string, number>,
        reversed: JSON.parse(purchase.stamps_reversed) as Record<string, number>,
      },
      config,
      now,
    );
    await db.run(
      'UPDATE purchases SET refunded_minor = ?, points_reversed = ?, credit_reversed = ?, stamps_reversed = ? WHERE id = ?',
      [refunded, target, creditTarget, JSON.stringify(stamps.reversed), purchase.id],
    );
    // Only a refund that completes this purchase's refund can leave the referee without one.
    const referral =
      refunded === purchase.amount_minor
        ? await reverseReferralIfNoPurchaseKept(
            db,
            purchase.member_id,
            `refund:${input.storeId}/${input.refundId}`,
            now,
          )
        : null;
    const effects: RefundEffects = { stamps: stamps.results, referral };
    await insertRefund(db, {
      store_id: input.storeId,
      refund_id: input.refundId,
      purchase_id: purchase.id,
      amount_minor: amount,
      request_hash: hash,
      points_reversed: taken,
      shortfall: owed - taken,
      ledger_id: ledgerId,
      credit_reversed: creditTaken,
      credit_shortfall: creditOwed - creditTaken,
      effects: JSON.stringify(effects),
      created_at: now.toISOString(),
    });
    return {
      refundId: input.refundId,
      receiptId: input.receiptId,
      memberId: purchase.member_id,
      amountMinor: amount,
      pointsReversed: taken,
      shortfall: owed - taken,
      creditReversedMinor: creditTaken,
      creditShortfallMinor: creditOwed - creditTaken,
      stamps: stamps.results,
      referral,
      balance: await balanceOf(db, purchase.member_id),
      replay: false,
    };
  });
}
