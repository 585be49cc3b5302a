import type { TierCode } from '@bashgah/protocol';
import { clubDay } from '../day.js';
import { EngineError } from '../errors.js';
import type { Promotion, RuleConfig } from './config.js';

/**
 * How a purchase's points are worked out. The order, as published to members:
 *
 * 1. Each line's amount is multiplied by its category's multiplier (unknown categories are
 *    refused; a purchase without lines is one 'general' line).
 * 2. ... and by the best promotion running that club day for that line's category. Promotions do
 *    not stack: only the highest multiplier counts, so overlapping campaigns cannot compound.
 * 3. The lines are added up and converted at the spend rate (`spend.points` per
 *    `spend.perAmountMinor`), pro rata.
 * 4. The result is multiplied by the member's tier multiplier (the tier they held when paying).
 * 5. Rounded down once, at the very end, so splitting a basket into lines never loses points.
 *
 * Flat bonuses (welcome, birthday, referral, survey, check-in) are added separately and are never
 * multiplied. All arithmetic is exact (BigInt over integer percentages).
 */

export interface PurchaseLine {
  category: string;
  amountMinor: number;
  quantity: number;
}

export interface EarnInput {
  amountMinor: number;
  currency: string;
  lines: readonly PurchaseLine[];
  tier: TierCode;
  at: Date;
  timeZone: string;
}

export interface LineEarn {
  category: string;
  amountMinor: number;
  categoryPct: number;
  promotionId: string | null;
  promotionPct: number;
}

export interface EarnBreakdown {
  points: number;
  lines: LineEarn[];
  tierPct: number;
  spend: RuleConfig['spend'];
}

export function purchasePoints(rules: RuleConfig, input: EarnInput): EarnBreakdown {
  if (input.currency !== rules.currency) {
    throw new EngineError(
      'currency-mismatch',
      `the club counts purchases in ${rules.currency}, this one is in ${input.currency}; convert the amount before sending it`,
      { expected: rules.currency, got: input.currency },
    );
  }
  const lines =
    input.lines.length > 0
      ? input.lines
      : [{ category: 'general', amountMinor: input.amountMinor, quantity: 1 }];
  const sum = lines.reduce((s, l) => s + l.amountMinor, 0);
  if (sum !== input.amountMinor) {
    throw new EngineError(
      'lines-mismatch',
      `the lines add up to ${sum} but the purchase amount is ${input.amountMinor}; send lines that sum to the amount`,
      { linesTotal: sum, amountMinor: input.amountMinor },
    );
  }
  const day = clubDay(input.at, input.timeZone);
  const weekday = weekdayOf(day);
  const running = rules.promotions.filter(
    (p) => p.from <= day && day <= p.to && (!p.weekdays || p.weekdays.includes(weekday)),
  );

  const earned: LineEarn[] = [];
  let weighted = 0n;
  for (const line of lines) {
    const categoryPct = rules.categories[line.category];
    if (categoryPct === undefined) {
      throw new EngineError(
        'unknown-category',
        `category '${line.category}' is not one the club knows (${Object.keys(rules.categories).join(', ')}); map the product to one of them`,
        { category: line.category },
      );
    }
    const promo = bestPromotion(running, line.category);
    const promotionPct = promo?.multiplierPct ?? 100;
    earned.push({
      category: line.category,
      amountMinor: line.amountMinor,
      categoryPct,
      promotionId: promo?.id ?? null,
      promotionPct,
    });
    weighted += BigInt(line.amountMinor) * BigInt(categoryPct) * BigInt(promotionPct);
  }
  const tierPct = rules.tiers.levels[input.tier].multiplierPct;
  const numerator = weighted * BigInt(rules.spend.points) * BigInt(tierPct);
  const denominator = BigInt(rules.spend.perAmountMinor) * 1_000_000n;
  return { points: Number(numerator / denominator), lines: earned, tierPct, spend: rules.spend };
}

function bestPromotion(running: readonly Promotion[], category: string): Promotion | undefined {
  let best: Promotion | undefined;
  for (const p of running) {
    if (p.categories && !p.categories.includes(category)) continue;
    if (!best || p.multiplierPct > best.multiplierPct) best = p;
  }
  return best;
}

/** 0 = Sunday … 6 = Saturday for a YYYY-MM-DD club day. */
export function weekdayOf(day: string): number {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d)).getUTCDay();
}
