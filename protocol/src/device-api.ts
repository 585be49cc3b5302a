import { z } from 'zod';
import { CardRejection, CardUid } from './card.js';
import { KioskActionEvent, KioskStaffEvent, StaffState } from './kiosk-extras.js';
import { MemberId, MemberView } from './member-view.js';
import { MOBILE_PATTERN, SignupForm } from './signup.js';
import { PrinterState, ReaderState } from './status.js';

/**
 * DTOs of the device agent's local HTTP API (127.0.0.1), shared by the agent and the kiosk UI.
 * They never cross MQTT.
 */

/** A claimed reward's voucher as the kiosk shows it (the code is what the QR carries). */
export const Voucher = z.object({
  code: z.string().max(32),
  rewardId: z.string(),
  expiresAt: z.iso.datetime(),
});
export type Voucher = z.infer<typeof Voucher>;

/** Who is in front of the kiosk right now. */
export const KioskSession = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('idle') }),
  z.object({
    kind: z.literal('member'),
    member: MemberView,
    /** `cache`: shown at once from the agent's last known view; `server`: fresh from the server. */
    source: z.enum(['cache', 'server']),
    tappedAt: z.iso.datetime(),
  }),
  z.object({
    kind: z.literal('unknown-card'),
    cardUid: CardUid,
    tappedAt: z.iso.datetime(),
    /** Set when the server refused the card (a clone, a replayed SUN message), see CardRejection. */
    rejected: CardRejection.optional(),
  }),
]);
export type KioskSession = z.infer<typeof KioskSession>;

/** The kiosk's receipt printer as the screen needs it: can it print, and what staff should fix. */
export const KioskPrinter = z.object({
  state: PrinterState,
  paperLow: z.boolean(),
  /** Jobs that did not print and are kept for reprint (persisted across restarts). */
  failedJobs: z.number().int().nonnegative(),
});
export type KioskPrinter = z.infer<typeof KioskPrinter>;

export const KioskState = z.object({
  deviceId: z.string(),
  /** Whether the MQTT link to the central server is up. */
  online: z.boolean(),
  reader: ReaderState,
  outboxDepth: z.number().int().nonnegative(),
  session: KioskSession,
  /** Set by an operator's maintenance command: the kiosk shows "out of service" and takes no taps. */
  maintenance: z.boolean().optional(),
  maintenanceMessage: z.object({ fa: z.string(), en: z.string() }).partial().optional(),
  /** Absent from agents that predate the printer wiring; `state: 'none'` when none is configured. */
  printer: KioskPrinter.optional(),
  /** Staff mode (a staff card and PIN); absent from agents without staff cards configured. */
  staff: StaffState.optional(),
});
export type KioskState = z.infer<typeof KioskState>;

/** Server-Sent Events on `GET /api/events`; the SSE `event:` field carries `type`. */
export const KioskEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('state'), state: KioskState }),
  z.object({ type: z.literal('session'), session: KioskSession }),
  z.object({
    type: z.literal('checkin'),
    eventId: z.string(),
    status: z.enum(['queued', 'applied', 'duplicate', 'rejected']),
    pointsAwarded: z.number().int().optional(),
    balance: z.number().int().optional(),
  }),
  /**
   * A reward claim's progress: `queued` at once, then the server's verdict with the voucher, then
   * the printout's fate. The voucher code reaches the screen even when the printer fails.
   */
  z.object({
    type: z.literal('claim'),
    eventId: z.string(),
    rewardId: z.string(),
    status: z.enum(['queued', 'applied', 'duplicate', 'rejected']),
    /** Why the server refused it, e.g. insufficient-points, out-of-stock. */
    code: z.string().optional(),
    pointsSpent: z.number().int().optional(),
    balance: z.number().int().optional(),
    voucher: Voucher.optional(),
    print: z.enum(['printing', 'printed', 'failed', 'no-printer']).optional(),
  }),
  /** An operator asked the kiosk to reload its page (new UI build, stuck screen). */
  z.object({ type: z.literal('reload') }),
  KioskActionEvent,
  KioskStaffEvent,
]);
export type KioskEvent = z.infer<typeof KioskEvent>;

export const CheckinRequest = z.object({ memberId: MemberId }).strict();
export type CheckinRequest = z.infer<typeof CheckinRequest>;

export const CheckinResponse = z.object({ eventId: z.string(), status: z.literal('queued') });
export type CheckinResponse = z.infer<typeof CheckinResponse>;

/** Claim a reward for the member on screen; the agent checks it against its offline policy. */
export const ClaimRequest = z.object({
  memberId: MemberId,
  rewardId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/),
  /** The screen's language, for the printed voucher. */
  lang: z.enum(['fa', 'en']).optional(),
});
export type ClaimRequest = z.infer<typeof ClaimRequest>;

export const ClaimResponse = z.object({
  eventId: z.string(),
  status: z.literal('queued'),
  pointsCost: z.number().int().positive(),
  /** What the member keeps after this claim, by the agent's reckoning. */
  balanceAfter: z.number().int(),
});
export type ClaimResponse = z.infer<typeof ClaimResponse>;

export const SignupOtpRequest = z.object({ phone: z.string().regex(MOBILE_PATTERN) }).strict();
export type SignupOtpRequest = z.infer<typeof SignupOtpRequest>;
export const SignupOtpResponse = z.object({ sent: z.literal(true), retryAfterSeconds: z.number().int() });
export type SignupOtpResponse = z.infer<typeof SignupOtpResponse>;

export const SignupRequest = SignupForm.extend({
  card: z.enum(['tap', 'slip']),
}).strict();
export type SignupRequest = z.infer<typeof SignupRequest>;

export const SignupResponse = z.object({
  memberId: MemberId,
  number: z.number().int().positive(),
  welcomePoints: z.number().int().nonnegative(),
  cardUid: CardUid.optional(),
  /** For `slip`: whether the member slip printed. */
  printed: z.boolean().optional(),
});
export type SignupResponse = z.infer<typeof SignupResponse>;

/** Simulator only: inject a tap as if a card were presented to the reader. */
export const SimTapRequest = z.object({ uid: CardUid }).strict();
export type SimTapRequest = z.infer<typeof SimTapRequest>;

/** Every HTTP error body, agent and server alike. */
export const ApiError = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
export type ApiError = z.infer<typeof ApiError>;
