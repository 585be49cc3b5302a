import { z } from 'zod';
import { CardProof, CardRejection, CardUid } from './card.js';
import { ULID_PATTERN } from './ids.js';
import { MemberView } from './member-view.js';
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
