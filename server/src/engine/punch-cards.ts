import type { PunchCardProgress } from '@bashgah/protocol';
import type { Queryable } from '../db/sqlite.js';
import { DAY_MS } from './lots.js';
import { type IssuedVoucher, issueVoucher } from './rewards.js';
import type { RuleConfig } from './rules/config.js';
import type { PurchaseLine } from './rules/earn.js';

/**
 * Punch cards ("کارت مهر"): each item bought in the card's category is a stamp; every `required`
 * stamps complete the card into a voucher for its reward, which costs no points. Stamps beyond a
 * completion carry over. Refunds do not take stamps back (a partial refund does not say which
 * items were returned); the operator can adjust by hand if a pattern shows up in fraud review.
 */

export interface PunchResult {
  cardId: string;
  stampsAdded: number;
  stamps: number;
  vouchers: IssuedVoucher[];
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
