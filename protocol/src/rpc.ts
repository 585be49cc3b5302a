import { z } from 'zod';
import { CardProof, CardRejection, CardUid } from './card.js';
import { ULID_PATTERN } from './ids.js';
import { MemberView } from './member-view.js';
import { SignupForm } from './signup.js';
import { PROTOCOL_VERSION } from './version.js';

/**
 * Request/response over MQTT 3.1.1 (the embedded Aedes broker has no v5 response topic or
 * correlation data): the device publishes to its own `rpc/req` with a correlation `id`, and the
 * server answers on that device's own `rpc/res` with the same `id`. Works unchanged on Mosquitto.
 */
export const RpcMethods = {
  'member.lookup': {
    /** `proof`: what the card carried (token or SUN message); required when the club's CARD_SECURITY asks for it. */
    params: z.object({ cardUid: CardUid, proof: CardProof.optional() }).strict(),
    result: z.discriminatedUnion('found', [
      z.object({ found: z.literal(true), member: MemberView }),
      /** `rejected`: the card is not accepted (clone, replay); absent for a card that is simply unknown. */
      z.object({ found: z.literal(false), rejected: CardRejection.optional() }),
    ]),
  },
  /** Sends a one-time code by SMS to a mobile number (09xxxxxxxxx) for kiosk signup. */
  'signup.otp': {
    params: z.object({ phone: z.string().regex(/^09\d{9}$/) }).strict(),
    result: z.discriminatedUnion('ok', [
      z.object({ ok: z.literal(true), retryAfterSeconds: z.number().int() }),
      z.object({ ok: z.literal(false), code: z.string().max(40), message: z.string().max(500) }),
    ]),
  },
  /** Creates the member once the code checks out; binds `cardUid` when the member tapped a card. */
  'signup.complete': {
    params: SignupForm.extend({ cardUid: CardUid.optional() }),
    result: z.discriminatedUnion('ok', [
      z.object({
        ok: z.literal(true),
        memberId: z.string(),
        number: z.number().int().positive(),
        welcomePoints: z.number().int().nonnegative(),
      }),
      z.object({ ok: z.literal(false), code: z.string().max(40), message: z.string().max(500) }),
    ]),
  },
} as const;
export type RpcMethod = keyof typeof RpcMethods;
export type RpcParams<M extends RpcMethod> = z.input<(typeof RpcMethods)[M]['params']>;
export type RpcResult<M extends RpcMethod> = z.infer<(typeof RpcMethods)[M]['result']>;

const CorrelationId = z.string().regex(ULID_PATTERN, 'correlation id must be a ULID');

export const RpcRequest = z
  .object({
    v: z.literal(PROTOCOL_VERSION),
    id: CorrelationId,
    method: z.enum(Object.keys(RpcMethods) as [RpcMethod, ...RpcMethod[]]),
    params: z.unknown(),
  })
  .strict();
export type RpcRequest = z.infer<typeof RpcRequest>;

export const RpcErrorCode = z.enum(['bad-request', 'not-found', 'internal', 'version']);
export type RpcErrorCode = z.infer<typeof RpcErrorCode>;

export const RpcResponse = z.discriminatedUnion('ok', [
  z
    .object({ v: z.literal(PROTOCOL_VERSION), id: CorrelationId, ok: z.literal(true), result: z.unknown() })
    .strict(),
  z
    .object({
      v: z.literal(PROTOCOL_VERSION),
      id: CorrelationId,
      ok: z.literal(false),
      error: z.object({ code: RpcErrorCode, message: z.string().max(500) }),
    })
    .strict(),
]);
export type RpcResponse = z.infer<typeof RpcResponse>;
