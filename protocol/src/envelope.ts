import { z } from 'zod';
import { CardUid } from './card.js';
import { ULID_PATTERN } from './ids.js';
import { StaffCardPayload, StaffPurchasePayload, SurveyAnswerPayload } from './kiosk-extras.js';
import { MemberId } from './member-view.js';
import { DEVICE_ID_PATTERN } from './topics.js';
import { PROTOCOL_VERSION } from './version.js';

/** Largest MQTT payload either side accepts; anything bigger is dropped before parsing. */
export const MAX_PAYLOAD_BYTES = 64 * 1024;

export const EventId = z.string().regex(ULID_PATTERN, 'event id must be a ULID');
export const DeviceId = z.string().regex(DEVICE_ID_PATTERN, 'device id must be 2-63 of [a-z0-9-]');
const Version = z.literal(PROTOCOL_VERSION);

/** Payloads of the member actions a kiosk records, keyed by event type. */
export const EventPayloads = {
  checkin: z.object({ memberId: MemberId, cardUid: CardUid }).strict(),
  /** The member claimed a reward at the kiosk; the ack carries the voucher to print. */
  'reward.claim': z
    .object({ memberId: MemberId, cardUid: CardUid, rewardId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/) })
    .strict(),
  /** The member answered the kiosk's one-question survey (1-5 faces, optional reason chips). */
  'survey.answer': SurveyAnswerPayload,
  /** Staff keyed in a purchase for the member on screen (staff mode, no POS link). */
  'staff.purchase': StaffPurchasePayload,
  /** Staff bound a new card to the member on screen (issue, or replace a worn one). */
  'staff.card': StaffCardPayload,
} as const;
export type EventType = keyof typeof EventPayloads;
export type EventPayload<T extends EventType> = z.infer<(typeof EventPayloads)[T]>;

const envelopeOf = <T extends EventType>(type: T) =>
  z
    .object({
      v: Version,
      id: EventId,
      deviceId: DeviceId,
      type: z.literal(type),
      /** When the member acted, by the kiosk's clock (ISO 8601). */
      at: z.iso.datetime(),
      payload: EventPayloads[type],
    })
    .strict();

/**
 * Every member action travels in one of these, device to server, QoS 1, from the agent's outbox.
 * `id` makes it idempotent: the server applies an id once and acks every copy.
 */
export const EventEnvelope = z.discriminatedUnion('type', [
  envelopeOf('checkin'),
  envelopeOf('reward.claim'),
  envelopeOf('survey.answer'),
  envelopeOf('staff.purchase'),
  envelopeOf('staff.card'),
]);
export type EventEnvelope = z.infer<typeof EventEnvelope>;

export const AckStatus = z.enum(['applied', 'duplicate', 'rejected']);
export type AckStatus = z.infer<typeof AckStatus>;

/**
 * The server's application-level ack. The agent deletes an outbox row only on this, never on the
 * broker's PUBACK, which only says the broker has the message. A `rejected` event will never
 * apply (bad data, unknown member), so it also leaves the outbox, and the reason is logged.
 */
export const Ack = z
  .object({
    v: Version,
    eventId: EventId,
    status: AckStatus,
    reason: z.string().max(500).optional(),
    /** Machine-readable reason of a rejection, e.g. insufficient-points, out-of-stock. */
    code: z.string().max(40).optional(),
    /** What applying the event did, for the kiosk to show (e.g. points awarded). */
    result: z
      .object({
        pointsAwarded: z.number().int(),
        /** Points a reward claim took (reserved until the voucher is used or cancelled). */
        pointsSpent: z.number().int().nonnegative(),
        balance: z.number().int(),
        /** The member's points still in a refund window after this event (staff purchase). */
        pointsPending: z.number().int().nonnegative(),
        /** A claimed reward's voucher: the code to print and the signed token for its QR. */
        voucher: z
          .object({
            code: z.string().max(32),
            token: z.string().max(1024),
            rewardId: z.string(),
            expiresAt: z.iso.datetime(),
          })
          .strict(),
      })
      .partial()
      .optional(),
  })
  .strict();
export type Ack = z.infer<typeof Ack>;
