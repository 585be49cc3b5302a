import { z } from 'zod';
import { CardRejection, CardUid } from './card.js';
import { MemberId, MemberView } from './member-view.js';
import { ReaderState } from './status.js';

/**
 * DTOs of the device agent's local HTTP API (127.0.0.1), shared by the agent and the kiosk UI.
 * They never cross MQTT.
 */

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
  /** An operator asked the kiosk to reload its page (new UI build, stuck screen). */
  z.object({ type: z.literal('reload') }),
]);
export type KioskEvent = z.infer<typeof KioskEvent>;

export const CheckinRequest = z.object({ memberId: MemberId }).strict();
export type CheckinRequest = z.infer<typeof CheckinRequest>;

export const CheckinResponse = z.object({ eventId: z.string(), status: z.literal('queued') });
export type CheckinResponse = z.infer<typeof CheckinResponse>;

/** Simulator only: inject a tap as if a card were presented to the reader. */
export const SimTapRequest = z.object({ uid: CardUid }).strict();
export type SimTapRequest = z.infer<typeof SimTapRequest>;

/** Every HTTP error body, agent and server alike. */
export const ApiError = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
export type ApiError = z.infer<typeof ApiError>;
