import type { PunchCardProgress } from '@bashgah/protocol';
import type { Queryable } from '../db/sqlite.js';
import { DAY_MS } from './lots.js';
import { type IssuedVoucher, issueVoucher } from './rewards.js';
import type { RuleConfig } from './rules/config.js';
import type { PurchaseLine } from './rules/earn.js';

/**
 * Punch cards ("کارت مهر"): each item bought in the card's category is a stamp; every `required`
 * stamps complete the card into a voucher for its reward, which costs no points. Stamps beyond a
 * completion carry over. A refund takes back the same share of a purchase's stamps as of its
 * points (`reverseStamps`), since a refund names an amount, not the items returned.
 */

export interface PunchResult {
  cardId: string;
  stampsAdded: number;
  stamps: number;
  vouchers: IssuedVoucher[];
}

/** Stamps a purchase's lines add per punch card of the rules ({} when there are none). */
export function stampsEarned(rules: RuleConfig, lines: readonly PurchaseLine[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const card of rules.punchCards) {
    const added = lines.filter((l) => l.category === card.category).reduce((s, l) => s + l.quantity, 0);
    if (added > 0) out[card.id] = added;
  }
  return out;
}

export async function stampPurchase(
  db: Queryable,
  p: { memberId: string; storeId: string; receiptId: string; lines: readonly PurchaseLine[] },
  rules: RuleConfig,
  now: Date,
): Promise<PunchResult[]> {
  const results: PunchResult[] = [];
  for (const card of rules.punchCards) {
    const added = p.lines.filter((l) => l.category === card.category).reduce((s, l) => s + l.quantity, 0);
    if (added === 0) continue;
    const row = await db.get<{ stamps: number; completions: number }>(
      `INSERT INTO punch_progress (member_id, card_id, stamps, completions, updated_at) VALUES (?, ?, ?, 0, ?)
       ON CONFLICT (member_id, card_id) DO UPDATE SET stamps = stamps + excluded.stamps, updated_at = excluded.updated_at
       RETURNING stamps, completions`,
      [p.memberId, card.id, added, now.toISOString()],
    );
    const completed = Math.floor(row!.stamps / card.required);
    const stamps = row!.stamps % card.required;
    await db.run(
      'UPDATE punch_progress SET stamps = ?, completions = completions + ? WHERE member_id = ? AND card_id = ?',
      [stamps, completed, p.memberId, card.id],
    );
    const vouchers: IssuedVoucher[] = [];
    const reward = await db.get<{ voucher_days: number }>('SELECT voucher_days FROM rewards WHERE id = ?', [
      card.rewardId,
    ]);
    for (let n = 0; n < completed && reward; n++) {
      vouchers.push(
        await issueVoucher(
          db,
          {
            rewardId: card.rewardId,
            memberId: p.memberId,
            source: 'punch-card',
            points: 0,
            redeemLedgerId: null,
            expiresAt: new Date(now.getTime() + reward.voucher_days * DAY_MS).toISOString(),
            requestKey: `punch:${p.storeId}/${p.receiptId}:${card.id}:${row!.completions + n + 1}`,
          },
          now,
        ),
      );
    }
    results.push({ cardId: card.id, stampsAdded: added, stamps, vouchers });
  }
  return results;
}

export async function punchCardProgress(
  db: Queryable,
  memberId: string,
  rules: RuleConfig,
): Promise<PunchCardProgress[]> {
  if (rules.punchCards.length === 0) return [];
  const rows = await db.all<{ card_id: string; stamps: number }>(
    'SELECT card_id, stamps FROM punch_progress WHERE member_id = ?',
    [memberId],
  );
  const stamps = new Map(rows.map((r) => [r.card_id, r.stamps]));
  return rules.punchCards.map((c) => ({
    id: c.id,
    name: c.name,
    stamps: stamps.get(c.id) ?? 0,
    required: c.required,
  }));
}

export interface StampReversal {
  cardId: string;
  /** Stamps taken back, counting those a voided voucher gave back first. */
  stampsReversed: number;
  /** Stamps owed back that were already turned into a voucher the member has used. */
  shortfall: number;
  /** Unused vouchers of this card voided because the stamps that completed them were refunded. */
  vouchersVoided: string[];
}

/**
 * Takes back a refunded share of a purchase's stamps: after refunds totalling R of amount A,
 * floor(stamps × R / A) of each card's stamps have been reversed, as with points. If the member's
 * progress holds fewer stamps than owed, the card was completed since: an unused voucher of that
 * card is voided (this purchase's own first, then the newest) and its `required` stamps count
 * again; what a used voucher consumed cannot come back and is reported as `shortfall`, never
 * taking progress below zero. Returns the new reversed counts per card for the purchase row.
 */
export async function reverseStamps(
  db: Queryable,
  p: {
    memberId: string;
    storeId: string;
    receiptId: string;
    amountMinor: number;
    refundedMinor: number;
    stamps: Record<string, number>;
    reversed: Record<string, number>;
  },
  rules: RuleConfig,
  now: Date,
): Promise<{ reversed: Record<string, number>; results: StampReversal[] }> {
  const reversed = { ...p.reversed };
  const results: StampReversal[] = [];
  for (const [cardId, earned] of Object.entries(p.stamps)) {
    const target = Number((BigInt(earned) * BigInt(p.refundedMinor)) / BigInt(p.amountMinor));
    const owed = target - (reversed[cardId] ?? 0);
    reversed[cardId] = target;
    if (owed <= 0) continue;
    const row = await db.get<{ stamps: number }>(
      'SELECT stamps FROM punch_progress WHERE member_id = ? AND card_id = ?',
      [p.memberId, cardId],
    );
    let have = row?.stamps ?? 0;
    // A card dropped from the rules since has no known size: its vouchers stay, stamps floor at 0.
    const card = rules.punchCards.find((c) => c.id === cardId);
    const voided: string[] = [];
    if (card && have < owed) {
      const ownKey = `punch:${p.storeId}/${p.receiptId}:${cardId}:`;
      const open = await db.all<{ id: number; code: string }>(
        `SELECT id, code FROM vouchers
         WHERE member_id = ? AND source = 'punch-card' AND status = 'issued' AND reward_id = ?
         ORDER BY substr(coalesce(request_key, ''), 1, length(?)) = ? DESC, id DESC`,
        [p.memberId, card.rewardId, ownKey, ownKey],
      );
      for (const v of open) {
        if (have >= owed) break;
        await db.run(
          "UPDATE vouchers SET status = 'cancelled', cancelled_at = ? WHERE id = ? AND status = 'issued'",
          [now.toISOString(), v.id],
        );
        voided.push(v.code);
        have += card.required;
      }
    }
    const taken = Math.min(owed, have);
    if (row) {
      await db.run(
        'UPDATE punch_progress SET stamps = ?, completions = completions - ?, updated_at = ? WHERE member_id = ? AND card_id = ?',
        [have - taken, voided.length, now.toISOString(), p.memberId, cardId],
      );
    }
    results.push({ cardId, stampsReversed: taken, shortfall: owed - taken, vouchersVoided: voided });
  }
  return { reversed, results };
}
