import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addMember, memoryDb } from '../../test/engine-fixtures.js';
import type { SqliteDb } from '../db/sqlite.js';
import { credit } from './ledger.js';
import { DAY_MS } from './lots.js';
import { recordPurchase, refundPurchase } from './purchases.js';
import { DEFAULT_RULES, type RuleConfig } from './rules/config.js';
import { publishRules } from './rules/store.js';
import { qualifyingTotal, requalifyAll, tierFor, tierProgress } from './tiers.js';

// Rule text: points earned in the last 365 days; silver from 1,000, gold from 5,000, platinum
// from 20,000; requalification every 30 days. Spend rate 1 point per 100,000 Rial.
const tiers = DEFAULT_RULES.tiers;
const t0 = new Date('2025-01-01T08:00:00.000Z');
const day = (n: number) => new Date(t0.getTime() + n * DAY_MS);

describe('tiers', () => {
  it.each([
    [0, 'bronze'],
    [999, 'bronze'],
    [1_000, 'silver'],
    [4_999, 'silver'],
    [5_000, 'gold'],
    [20_000, 'platinum'],
    [1_000_000, 'platinum'],
  ] as const)('%i points in the window → %s', (total, tier) => {
    expect(tierFor(total, tiers)).toBe(tier);
  });

  it.each([
    [0, 'bronze', { nextTier: 'silver', remaining: 1_000 }],
    [1_200, 'silver', { nextTier: 'gold', remaining: 3_800 }],
    // Kept gold until requalification although the window total fell to 4,000: gold needs 0 more
    // to stay, platinum 16,000 more.
    [4_000, 'gold', { nextTier: 'platinum', remaining: 16_000 }],
    [25_000, 'platinum', { nextTier: null, remaining: 0 }],
  ] as const)('progress at %i as %s', (current, tier, expected) => {
    expect(tierProgress(current, tier, tiers)).toEqual({
      measure: 'points',
      current,
      windowDays: 365,
      ...expected,
    });
  });

  describe('upgrades and requalification', () => {
    let db: SqliteDb;
    beforeEach(async () => {
      db = await memoryDb();
      await addMember(db, { id: 'a', number: 1 });
    });
    afterEach(() => db.close());
    const tierOf = async () =>
      (await db.get<{ tier: string }>("SELECT tier FROM members WHERE id = 'a'"))!.tier;
    const buy = (receiptId: string, amountMinor: number, when: Date) =>
      recordPurchase(
        db,
        { storeId: 's', receiptId, memberId: 'a', amountMinor, currency: 'IRR', lines: [] },
        { now: when, timeZone: 'Asia/Tehran' },
      );

    it('upgrades at once when a purchase crosses a threshold', async () => {
      // 99,900,000 Rial → 999 points: still bronze. 100,000 more → 1 point → 1,000: silver at once.
      expect((await buy('r1', 99_900_000, day(0))).tier).toBe('bronze');
      expect((await buy('r2', 100_000, day(1))).tier).toBe('silver');
      expect(await tierOf()).toBe('silver');
      // The next purchase already earns at silver's ×1.25: 1,000,000 → 10 × 1.25 = 12.5 → 12.
      expect((await buy('r3', 1_000_000, day(2))).points).toBe(12);
    });

    it('downgrades only at requalification, when the window has moved on', async () => {
      await buy('r1', 100_000_000, day(0)); // 1,000 points: silver
      expect(await tierOf()).toBe('silver');
      // A refund does not downgrade on the spot ...
      await refundPurchase(
        db,
        { storeId: 's', refundId: 'f1', receiptId: 'r1', amountMinor: 50_000_000 },
        { now: day(3), timeZone: 'Asia/Tehran' },
      );
      expect(await tierOf()).toBe('silver');
      // ... the periodic review does: 500 points left in the window.
      expect(await requalifyAll(db, day(30), tiers)).toEqual({ checked: 1, upgraded: 0, downgraded: 1 });
      expect(await tierOf()).toBe('bronze');
      expect(await db.all('SELECT from_tier, to_tier, reason, total FROM tier_changes ORDER BY id')).toEqual([
        { from_tier: 'bronze', to_tier: 'silver', reason: 'upgrade', total: 1_000 },
        { from_tier: 'silver', to_tier: 'bronze', reason: 'requalify', total: 500 },
      ]);
    });

    it('counts only the rolling window', async () => {
      await credit(db, { memberId: 'a', kind: 'earn', points: 1_500, cause: 'x' }, day(0));
      expect(await qualifyingTotal(db, 'a', day(364), tiers)).toBe(1_500);
      expect(await qualifyingTotal(db, 'a', day(366), tiers)).toBe(0);
      await requalifyAll(db, day(100), tiers);
      expect(await tierOf()).toBe('silver');
      await requalifyAll(db, day(400), tiers);
      expect(await tierOf()).toBe('bronze');
    });

    it('measures spend net of refunds when configured so', async () => {
      const bySpend: RuleConfig['tiers'] = {
        ...tiers,
        measure: 'spend',
        // Spend thresholds in Rial: silver from 10,000,000 (1 million Toman).
        levels: {
          bronze: { threshold: 0, multiplierPct: 100 },
          silver: { threshold: 10_000_000, multiplierPct: 125 },
          gold: { threshold: 50_000_000, multiplierPct: 150 },
          platinum: { threshold: 200_000_000, multiplierPct: 200 },
        },
      };
      await publishRules(db, { ...DEFAULT_RULES, tiers: bySpend }, 'test');
      await buy('r1', 12_000_000, day(0));
      expect(await tierOf()).toBe('silver');
      await refundPurchase(
        db,
        { storeId: 's', refundId: 'f1', receiptId: 'r1', amountMinor: 3_000_000 },
        { now: day(1), timeZone: 'Asia/Tehran' },
      );
      expect(await qualifyingTotal(db, 'a', day(2), bySpend)).toBe(9_000_000);
    });
  });
});
