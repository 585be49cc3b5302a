import { z } from 'zod';
import { CardUid } from './card.js';

export const TIER_CODES = ['bronze', 'silver', 'gold', 'platinum'] as const;
export const TierCode = z.enum(TIER_CODES);
export type TierCode = z.infer<typeof TierCode>;

export const MemberId = z.string().min(1).max(64);

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
});
export type MemberView = z.infer<typeof MemberView>;
