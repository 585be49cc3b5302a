import type { TierCode } from '@bashgah/protocol';
import { describe, expect, it } from 'vitest';
import { EngineError } from '../errors.js';
import { DEFAULT_RULES, type RuleConfig } from './config.js';
import { type PurchaseLine, purchasePoints } from './earn.js';

/**
 * Expected points worked out by hand from the rule text, not from the code:
 * spend 1 point per 100,000 Rial; coffee ×2, bakery ×1.5; tiers bronze ×1, silver ×1.25,
 * gold ×1.5, platinum ×2; "Coffee Friday" ×2 on coffee on Fridays in Esfand 1403
 * (2025-02-19 … 2025-03-20); "Nowruz" ×3 on everything 2025-03-20 … 2025-04-02.
 */
const rules: RuleConfig = {
  ...DEFAULT_RULES,
  categories: { general: 100, coffee: 200, bakery: 150 },
  promotions: [
    {
      id: 'coffee-friday',
      name: { fa: 'جمعه‌های قهوه', en: 'Coffee Friday' },
      multiplierPct: 200,
      from: '2025-02-19',
      to: '2025-03-20',
      weekdays: [5],
      categories: ['coffee'],
    },
    {
      id: 'nowruz',
      name: { fa: 'نوروز', en: 'Nowruz' },
      multiplierPct: 300,
      from: '2025-03-20',
      to: '2025-04-02',
    },
  ],
};

const thursday = new Date('2025-03-13T08:00:00Z');
const friday = new Date('2025-03-14T08:00:00Z');
// 2025-03-20 is a Thursday; 2025-03-21 00:30 in Tehran is still 2025-03-20 in UTC.
const nowruzThursday = new Date('2025-03-20T08:00:00Z');
const fridayJustAfterTehranMidnight = new Date('2025-03-13T20:45:00Z');

const line = (category: string, amountMinor: number): PurchaseLine => ({
  category,
  amountMinor,
  quantity: 1,
});
const points = (lines: PurchaseLine[], tier: TierCode = 'bronze', at = thursday, amount?: number) =>
  purchasePoints(rules, {
    amountMinor: amount ?? lines.reduce((s, l) => s + l.amountMinor, 0),
    currency: 'IRR',
    lines,
    tier,
    at,
    timeZone: 'Asia/Tehran',
  }).points;

describe('purchase points', () => {
  it.each([
    ['1,250,000 Rial, no lines → 12.5 → 12', [], 'bronze', thursday, 1_250_000, 12],
    ['99,999 Rial → 0.99 → 0', [], 'bronze', thursday, 99_999, 0],
    [
      'coffee 300,000 ×2 + bakery 200,000 ×1.5 = 900,000 → 9',
      [line('coffee', 300_000), line('bakery', 200_000)],
      'bronze',
      thursday,
      undefined,
      9,
    ],
    [
      'silver: 1,000,000 general → 10 × 1.25 = 12.5 → 12',
      [line('general', 1_000_000)],
      'silver',
      thursday,
      undefined,
      12,
    ],
    ['gold: coffee 400,000 → 8 × 1.5 = 12', [line('coffee', 400_000)], 'gold', thursday, undefined, 12],
    ['platinum: 1,000,000 general → 20', [line('general', 1_000_000)], 'platinum', thursday, undefined, 20],
    [
      'Friday: coffee 400,000 → 8 × 2 = 16; bakery untouched 200,000 → 3; total 19',
      [line('coffee', 400_000), line('bakery', 200_000)],
      'bronze',
      friday,
      undefined,
      19,
    ],
    [
      'Friday starts at Tehran midnight, not UTC: coffee 100,000 → 4',
      [line('coffee', 100_000)],
      'bronze',
      fridayJustAfterTehranMidnight,
      undefined,
      4,
    ],
    [
      'Nowruz ×3 beats nothing on general 100,000 → 3',
      [line('general', 100_000)],
      'bronze',
      nowruzThursday,
      undefined,
      3,
    ],
    [
      'fractions kept until the end: three 50,000 lines → 1.5 → 1 (not 0)',
      [line('general', 50_000), line('general', 50_000), line('general', 50_000)],
      'bronze',
      thursday,
      undefined,
      1,
    ],
    [
      'gold on Friday, coffee 100,000: ×2 category ×2 promo ×1.5 tier = 6',
      [line('coffee', 100_000)],
      'gold',
      friday,
      undefined,
      6,
    ],
  ] as const)('%s', (_name, lines, tier, at, amount, expected) => {
    expect(points([...lines], tier, at, amount)).toBe(expected);
  });

  it('does not stack promotions: the best one counts', () => {
    // 2025-03-20 is in both windows but a Thursday, so only Nowruz (×3) runs; on Friday 2025-03-21
    // Coffee Friday has ended (20 March), so coffee gets Nowruz ×3 too: 100,000 ×2 ×3 → 6.
    expect(points([line('coffee', 100_000)], 'bronze', nowruzThursday)).toBe(6);
    const both: RuleConfig = {
      ...rules,
      promotions: rules.promotions.map((p) => ({ ...p, from: '2025-03-01', to: '2025-03-31' })),
    };
    const r = purchasePoints(both, {
      amountMinor: 100_000,
      currency: 'IRR',
      lines: [line('coffee', 100_000)],
      tier: 'bronze',
      at: friday,
      timeZone: 'Asia/Tehran',
    });
    // ×2 coffee, then max(×2 Friday, ×3 Nowruz) = ×3 → 6, not ×2×2×3 = 12.
    expect(r.points).toBe(6);
    expect(r.lines[0]).toMatchObject({ promotionId: 'nowruz', promotionPct: 300 });
  });

  it.each([
    ['unknown-category', [line('tobacco', 100_000)], 'IRR', undefined],
    ['lines-mismatch', [line('coffee', 100_000)], 'IRR', 150_000],
    ['currency-mismatch', [], 'USD', 100_000],
  ] as const)('refuses %s', (code, lines, currency, amount) => {
    const run = () =>
      purchasePoints(rules, {
        amountMinor: amount ?? 100_000,
        currency,
        lines: [...lines],
        tier: 'bronze',
        at: thursday,
        timeZone: 'Asia/Tehran',
      });
    expect(run).toThrow(EngineError);
    try {
      run();
    } catch (e) {
      expect((e as EngineError).code).toBe(code);
    }
  });

  it('handles amounts far beyond Number-safe products exactly', () => {
    // 10^12 Rial (a very large invoice) × 200% × 300% × 200% overflows 2^53 in floats.
    const big = purchasePoints(
      { ...rules, promotions: [{ ...rules.promotions[1]!, from: '2025-01-01', to: '2025-12-31' }] },
      {
        amountMinor: 1_000_000_000_000,
        currency: 'IRR',
        lines: [line('coffee', 1_000_000_000_000)],
        tier: 'platinum',
        at: thursday,
        timeZone: 'Asia/Tehran',
      },
    );
    expect(big.points).toBe(120_000_000);
  });
});
