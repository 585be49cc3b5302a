import { TIER_CODES } from '@bashgah/protocol';
import { z } from 'zod';

/**
 * The club's earn rules, as operators configure them. Stored as JSON in `rule_sets`, one row per
 * version, and parsed with this schema on the way in and on the way out, so a bad configuration is
 * refused at publish time rather than discovered at a till.
 *
 * Multipliers are integer percentages (150 = ×1.5) so the arithmetic stays exact; points are
 * rounded down once, at the end of a purchase (see earn.ts for the order rules combine in).
 */

const Points = z.number().int().min(0).max(1_000_000);
const Pct = z.number().int().min(0, 'a multiplier cannot be negative').max(10_000, 'at most ×100 (10000%)');
export const CategoryCode = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'category codes are 1-32 of a-z 0-9 -');
const LocalDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'dates are YYYY-MM-DD in the club time zone');
const Text = z.object({ fa: z.string().min(1).max(200), en: z.string().min(1).max(200) }).strict();

export const Promotion = z
  .object({
    id: z.string().regex(/^[a-z0-9-]{1,40}$/),
    name: Text,
    multiplierPct: Pct,
    /** First and last club day the promotion runs, inclusive. */
    from: LocalDate,
    to: LocalDate,
    /** Only on these weekdays (0 = Sunday … 6 = Saturday, club time zone); all days when absent. */
    weekdays: z.array(z.number().int().min(0).max(6)).min(1).max(7).optional(),
    /** Only lines of these categories; every line when absent. */
    categories: z.array(CategoryCode).min(1).optional(),
  })
  .strict()
  .refine((p) => p.from <= p.to, { message: 'a promotion must end on or after its first day', path: ['to'] });
export type Promotion = z.infer<typeof Promotion>;

const TierLevel = z
  .object({
    /** Points earned (or minor units spent) within the window needed to reach this tier. */
    threshold: z.number().int().min(0),
    multiplierPct: Pct,
  })
  .strict();

export const RuleConfig = z
  .object({
    currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as IRR'),
    spend: z
      .object({
        /** `points` for every `perAmountMinor` spent, pro rata (fractions kept until the end). */
        points: z.number().int().min(0).max(10_000),
        perAmountMinor: z.number().int().min(1),
      })
      .strict(),
    /** Known product categories and their multipliers; a purchase line in any other is refused. */
    categories: z.record(CategoryCode, Pct).refine((c) => 'general' in c, {
      message: "a 'general' category is required: purchases without lines are booked to it",
    }),
    tiers: z
      .object({
        measure: z.enum(['points', 'spend']),
        windowDays: z.number().int().min(1).max(3660),
        /** Downgrades happen only when the requalification job runs, this often. */
        requalifyEveryDays: z.number().int().min(1).max(3660),
        levels: z.object(
          Object.fromEntries(TIER_CODES.map((t) => [t, TierLevel])) as Record<
            (typeof TIER_CODES)[number],
            typeof TierLevel
          >,
        ),
      })
      .strict()
      .refine(
        (t) =>
          TIER_CODES.every(
            (c, i) => i === 0 || t.levels[c].threshold > t.levels[TIER_CODES[i - 1]!].threshold,
          ),
        { message: 'tier thresholds must rise from bronze to platinum', path: ['levels'] },
      )
      .refine((t) => t.levels.bronze.threshold === 0, {
        message: 'bronze is the entry tier: its threshold must be 0',
        path: ['levels', 'bronze'],
      }),
    /** Store credit earned on purchases, in basis points of the amount (1000 = 10%). */
    cashback: z
      .object({ basisPoints: z.number().int().min(0).max(10_000) })
      .strict()
      .default({ basisPoints: 0 }),
    checkin: z.object({ points: Points }).strict(),
    welcome: z.object({ points: Points }).strict(),
    birthday: z
      .object({
        points: Points,
        daysBefore: z.number().int().min(0).max(60),
        daysAfter: z.number().int().min(0).max(60),
      })
      .strict(),
    referral: z.object({ referrerPoints: Points, refereePoints: Points }).strict(),
    survey: z.object({ points: Points }).strict(),
    promotions: z.array(Promotion).max(100),
    /** "Buy `required` of `category`, get one free": each completion issues a voucher for `rewardId`. */
    punchCards: z
      .array(
        z
          .object({
            id: z.string().regex(/^[a-z0-9-]{1,40}$/),
            name: Text,
            category: CategoryCode,
            required: z.number().int().min(2).max(100),
            rewardId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/),
          })
          .strict(),
      )
      .max(20)
      .default([]),
    lots: z
      .object({
        /** Points lapse this many days after they were earned. */
        lifetimeDays: z.number().int().min(1).max(3660),
        /** Purchase points stay pending this long (the refund window). */
        pendingDays: z.number().int().min(0).max(365),
      })
      .strict(),
  })
  .strict()
  .superRefine((c, ctx) => {
    const ids = new Set<string>();
    c.punchCards.forEach((p, i) => {
      if (!(p.category in c.categories)) {
        ctx.addIssue({
          code: 'custom',
          message: `punch card ${p.id} counts category ${p.category}, which is not in categories`,
          path: ['punchCards', i, 'category'],
        });
      }
    });
    c.promotions.forEach((p, i) => {
      if (ids.has(p.id))
        ctx.addIssue({
          code: 'custom',
          message: `duplicate promotion id ${p.id}`,
          path: ['promotions', i, 'id'],
        });
      ids.add(p.id);
      for (const cat of p.categories ?? []) {
        if (!(cat in c.categories)) {
          ctx.addIssue({
            code: 'custom',
            message: `promotion ${p.id} names category ${cat}, which is not in categories`,
            path: ['promotions', i, 'categories'],
          });
        }
      }
    });
  });
export type RuleConfig = z.infer<typeof RuleConfig>;

/**
 * The rules a fresh club starts with. Amounts are IRR (Rial) minor units: 1 point per 10,000 Toman
 * (100,000 Rial) spent.
 */
export const DEFAULT_RULES: RuleConfig = {
  currency: 'IRR',
  spend: { points: 1, perAmountMinor: 100_000 },
  categories: { general: 100 },
  tiers: {
    measure: 'points',
    windowDays: 365,
    requalifyEveryDays: 30,
    levels: {
      bronze: { threshold: 0, multiplierPct: 100 },
      silver: { threshold: 1_000, multiplierPct: 125 },
      gold: { threshold: 5_000, multiplierPct: 150 },
      platinum: { threshold: 20_000, multiplierPct: 200 },
    },
  },
  cashback: { basisPoints: 0 },
  checkin: { points: 10 },
  welcome: { points: 100 },
  birthday: { points: 200, daysBefore: 3, daysAfter: 7 },
  referral: { referrerPoints: 300, refereePoints: 100 },
  survey: { points: 20 },
  promotions: [],
  punchCards: [],
  lots: { lifetimeDays: 365, pendingDays: 14 },
};
