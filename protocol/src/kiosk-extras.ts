import { z } from 'zod';
import { CardUid } from './card.js';

/**
 * The kiosk's survey, recent activity and staff mode: the member-view additions the server sends,
 * the event payloads a kiosk records, and the agent's local DTOs. Kept apart from the older files so
 * each can be read on its own; index.ts re-exports all of it.
 */

const Bilingual = z.object({ fa: z.string().min(1).max(120), en: z.string().min(1).max(120) });
/** Lower-case ids that travel in events (survey, reason chip). */
export const ShortId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/);

/** The one optional question a member is offered after enough visits; null once answered. */
export const SurveyOffer = z.object({
  id: ShortId,
  question: Bilingual,
  /** Optional reason chips; the member may pick a few. */
  reasons: z.array(z.object({ id: ShortId, label: Bilingual })).max(8),
  /** What answering earns (the club's survey bonus), paid once per survey. */
  points: z.number().int().nonnegative(),
});
export type SurveyOffer = z.infer<typeof SurveyOffer>;

export const ACTIVITY_KINDS = [
  'visit',
  'purchase',
  'reward',
  'refund',
  'welcome',
  'birthday',
  'survey',
  'referral',
  'expire',
  'adjust',
  'other',
] as const;
/** One line of the member's points history, as the kiosk shows it (no receipt ids, no staff). */
export const ActivityEntry = z.object({
  at: z.iso.datetime(),
  kind: z.enum(ACTIVITY_KINDS),
  /** Signed: earned points positive, spent or lapsed negative. */
  points: z.number().int(),
});
export type ActivityEntry = z.infer<typeof ActivityEntry>;

/** Survey answer: 1 (very unhappy) to 5 (very happy) faces, plus optional reason chips. */
export const SurveyAnswerPayload = z
  .object({
    memberId: z.string().min(1).max(64),
    cardUid: CardUid,
    surveyId: ShortId,
    answer: z.union([z.number().int().min(1).max(5), z.string().regex(/^[a-z0-9-]{1,40}$/)]),
    reasons: z.array(ShortId).max(8).optional(),
  })
  .strict();

/** Staff ids are the staff card's configured name, e.g. `ali` or `shift-2`. */
export const StaffId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/);

/**
 * A purchase staff keyed in at the kiosk for the member on screen (shops with no POS link). The
 * event id is the receipt id, so a resend can never count twice.
 */
export const StaffPurchasePayload = z
  .object({
    memberId: z.string().min(1).max(64),
    cardUid: CardUid,
    /** Minor units of the club's currency (Rial: the kiosk takes Toman and multiplies by 10). */
    amountMinor: z.number().int().positive().max(1_000_000_000_000),
    staffId: StaffId,
  })
  .strict();

/** Staff bound a new card to a member: `replace` blocks the member's other active cards. */
export const StaffCardPayload = z
  .object({
    memberId: z.string().min(1).max(64),
    newCardUid: CardUid,
    replace: z.boolean(),
    staffId: StaffId,
  })
  .strict();

// ---- the agent's local API (127.0.0.1) ----

export const SurveyRequest = z
  .object({
    memberId: z.string().min(1).max(64),
    surveyId: ShortId,
    answer: z.number().int().min(1).max(5),
    reasons: z.array(ShortId).max(8).optional(),
  })
  .strict();
export type SurveyRequest = z.infer<typeof SurveyRequest>;

export const QueuedResponse = z.object({ eventId: z.string(), status: z.literal('queued') });
export type QueuedResponse = z.infer<typeof QueuedResponse>;

/**
 * Staff mode as the kiosk shows it. `pin`: a staff card was tapped and its PIN is asked for;
 * `open`: the staff panel is unlocked until `closesAt` (pushed back by every staff action).
 */
export const StaffState = z.discriminatedUnion('phase', [
  z.object({ phase: z.literal('closed') }),
  z.object({
    phase: z.literal('pin'),
    staffId: StaffId,
    attemptsLeft: z.number().int().nonnegative(),
    /** Too many wrong PINs: this card is locked until then. */
    lockedUntil: z.iso.datetime().optional(),
    closesAt: z.iso.datetime(),
  }),
  z.object({
    phase: z.literal('open'),
    staffId: StaffId,
    closesAt: z.iso.datetime(),
    /** Waiting for the new card to bind to a member (issue/replace). */
    awaitingCard: z.boolean(),
  }),
]);
export type StaffState = z.infer<typeof StaffState>;

export const StaffPinRequest = z.object({ pin: z.string().regex(/^\d{4,8}$/) }).strict();
export type StaffPinRequest = z.infer<typeof StaffPinRequest>;

export const StaffPurchaseRequest = z
  .object({
    memberId: z.string().min(1).max(64),
    /** What the member paid, in Toman. */
    amountToman: z.number().int().positive().max(100_000_000_000),
  })
  .strict();
export type StaffPurchaseRequest = z.infer<typeof StaffPurchaseRequest>;

/** Bind the next card presented to the member on screen; `replace` blocks their other cards. */
export const StaffCardRequest = z
  .object({
    memberId: z.string().min(1).max(64),
    replace: z.boolean(),
  })
  .strict();
export type StaffCardRequest = z.infer<typeof StaffCardRequest>;

export const StaffPrintResponse = z.object({ print: z.enum(['printed', 'failed', 'no-printer', 'nothing']) });
export type StaffPrintResponse = z.infer<typeof StaffPrintResponse>;

/** SSE: a staff or survey action's progress (queued at once, then the server's verdict). */
export const KioskActionEvent = z.object({
  type: z.literal('action'),
  action: z.enum(['survey', 'staff.purchase', 'staff.card']),
  eventId: z.string(),
  status: z.enum(['queued', 'applied', 'duplicate', 'rejected']),
  code: z.string().optional(),
  pointsAwarded: z.number().int().optional(),
  balance: z.number().int().optional(),
  /** For staff.card: the card now bound. */
  cardUid: CardUid.optional(),
});
export type KioskActionEvent = z.infer<typeof KioskActionEvent>;

/** SSE: staff mode opened, asked for a PIN, or closed. */
export const KioskStaffEvent = z.object({ type: z.literal('staff'), staff: StaffState });
export type KioskStaffEvent = z.infer<typeof KioskStaffEvent>;
