import { z } from 'zod';
import { CardUid } from './card.js';
import { ActivityEntry, SurveyOffer } from './kiosk-extras.js';

export const TIER_CODES = ['bronze', 'silver', 'gold', 'platinum'] as const;
export const TierCode = z.enum(TIER_CODES);
export type TierCode = z.infer<typeof TierCode>;

export const MemberId = z.string().min(1).max(64);

const Bilingual = z.object({ fa: z.string().min(1).max(80), en: z.string().min(1).max(80) });

/** A reward as the member screen shows it: what it costs and how far the member is from it. */
export const RewardOffer = z.object({
  id: z.string().min(1).max(40),
  name: Bilingual,
  pointsCost: z.number().int().positive(),
  /** Points still missing; 0 when the member can claim it now. */
  pointsShort: z.number().int().nonnegative(),
});
export type RewardOffer = z.infer<typeof RewardOffer>;

export const TierProgress = z.object({
  /** What the rolling window counts: points earned, or money spent in minor units. */
  measure: z.enum(['points', 'spend']),
  current: z.number().int().nonnegative(),
  /** null at the top tier. */
  nextTier: z.enum(TIER_CODES).nullable(),
  /** How much more of `measure` reaches the next tier; 0 at the top. */
  remaining: z.number().int().nonnegative(),
  windowDays: z.number().int().positive(),
});
export type TierProgress = z.infer<typeof TierProgress>;

export const PunchCardProgress = z.object({
  id: z.string().min(1).max(40),
  name: Bilingual,
  /** Stamps collected towards the next free item. */
  stamps: z.number().int().nonnegative(),
  required: z.number().int().positive(),
});
export type PunchCardProgress = z.infer<typeof PunchCardProgress>;

/**
 * What a kiosk may show about a member after a tap. The server builds it; the agent caches it and
 * the kiosk renders it. It carries no phone number or other contact data: a kiosk screen is public.
 */
export const MemberView = z.object({
  id: MemberId,
  /** The number printed on the card and slips; members quote it at the till. */
  number: z.number().int().positive(),
  displayName: z.string().min(1).max(80),
  points: z.number().int(),
  tier: TierCode,
  cardUid: CardUid,
  /** Points a visit check-in earns today at this kiosk; 0 once today's check-in is done. */
  checkinPointsAvailable: z.number().int().nonnegative(),
  /** ISO time the server built this view; the agent shows cached views with their age. */
  asOf: z.iso.datetime(),
  /** e.g. 0912***4567, so members can confirm it is their account; null when none is on file. */
  maskedPhone: z.string().max(20).nullable(),
  /** Part of `points` still inside a purchase's refund window: counted, not yet spendable. */
  pointsPending: z.number().int().nonnegative(),
  tierProgress: TierProgress,
  /** Points that lapse within `withinDays` unless spent. */
  expiringSoon: z.object({
    points: z.number().int().nonnegative(),
    firstExpiresAt: z.iso.datetime().nullable(),
    withinDays: z.number().int().positive(),
  }),
  rewards: z.object({
    /** Rewards claimable now, cheapest first (a few, not the whole catalog). */
    affordable: z.array(RewardOffer).max(10),
    /** The cheapest reward the member cannot afford yet: "N more points for …". */
    next: RewardOffer.nullable(),
  }),
  punchCards: z.array(PunchCardProgress).max(20),
  /** Last time points moved (earn, spend, expiry); null for a member with no history. */
  lastActivityAt: z.iso.datetime().nullable(),
  /** The newest few points movements, newest first (absent from servers that predate it). */
  recentActivity: z.array(ActivityEntry).max(5).optional(),
  /** The survey this member is offered now; null when none is due (absent from older servers). */
  survey: SurveyOffer.nullable().optional(),
  /** A voucher claimed now is also sent to the member's mobile by SMS (absent from older servers). */
  voucherBySms: z.boolean().optional(),
});
export type MemberView = z.infer<typeof MemberView>;
