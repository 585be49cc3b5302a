import {
  decodeMessage,
  MAX_PAYLOAD_BYTES,
  PROTOCOL_VERSION,
  type RpcErrorCode,
  type RpcMethod,
  RpcMethods,
  RpcRequest,
  type RpcResponse,
  type RpcResult,
  topics,
  ULID_PATTERN,
} from '@bashgah/protocol';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { type CardSecurityConfig, DEFAULT_CARD_SECURITY } from '../cards/config.js';
import { checkCard } from '../cards/security.js';
import type { Queryable } from '../db/sqlite.js';
import type { CheckinPolicy } from '../engine/checkin.js';
import { EngineError } from '../engine/errors.js';
import { memberViewByCard } from '../engine/member-view.js';
import { normaliseIranMobile } from '../engine/phone.js';
import { requestOtp, signUp } from '../engine/signup.js';
import { LogSmsSender, type SmsSender } from '../messaging/sms.js';
import type { Publish } from './client.js';

export interface RpcDeps {
  db: Queryable;
  publish: Publish;
  policy: CheckinPolicy;
  logger: Logger;
  now?: () => Date;
  /** CARD_SECURITY: what a card must prove at lookup. Default `uid` (the UID alone). */
  cards?: CardSecurityConfig;
  /** Where signup codes go; the log provider by default. */
  sms?: SmsSender;
}

/** Business refusals travel as a normal result the kiosk can explain; anything else is an RPC error. */
async function refusal<T>(run: () => Promise<T>): Promise<T | { ok: false; code: string; message: string }> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof EngineError) return { ok: false, code: err.code, message: err.message.slice(0, 500) };
    throw err;
  }
}

type Handlers = {
  [M in RpcMethod]: (
    params: z.output<(typeof RpcMethods)[M]['params']>,
    ctx: { deviceId: string },
  ) => Promise<RpcResult<M>>;
};

/**
 * Answers `club/v1/devices/{id}/rpc/req` on the same device's `rpc/res`, echoing the request id.
 * A request whose id can be read gets an error response (so the device stops waiting at once);
 * one without a usable id cannot be answered and is only logged. The handler never rejects.
 */
export function createRpcHandler(deps: RpcDeps) {
  const log = deps.logger.child({ component: 'rpc' });
  const now = deps.now ?? (() => new Date());
  const sms = deps.sms ?? new LogSmsSender(deps.logger.child({ component: 'sms' }));
  // The params schema already checked 09xxxxxxxxx, so this cannot fail.
  const e164 = (phone: string) => normaliseIranMobile(phone) ?? phone;

  const handlers: Handlers = {
    'signup.otp': ({ phone }) =>
      refusal(async () => {
        const r = await requestOtp(deps.db, sms, e164(phone), now());
        return { ok: true as const, retryAfterSeconds: r.retryAfterSeconds };
      }),
    'signup.complete': (p, { deviceId }) =>
      refusal(async () => {
        const r = await signUp(
          deps.db,
          {
            phone: e164(p.phone),
            code: p.code,
            displayName: p.name,
            birthday: p.birthday,
            referrerNumber: p.referralCode === undefined ? undefined : Number(p.referralCode),
            consent: p.consent,
            cardUid: p.cardUid,
            lang: p.lang,
          },
          now(),
        );
        log.info({ deviceId, memberId: r.memberId, card: Boolean(p.cardUid) }, 'member signed up at a kiosk');
        return { ok: true as const, memberId: r.memberId, number: r.number, welcomePoints: r.welcomePoints };
      }),
    'member.lookup': async ({ cardUid, proof }, { deviceId }) => {
      const check = await checkCard(deps.db, deps.cards ?? DEFAULT_CARD_SECURITY, cardUid, proof, now());
      if (!check.ok) {
        log.warn({ deviceId, cardUid, rejected: check.rejected, detail: check.detail }, 'card rejected');
        return { found: false, rejected: check.rejected };
      }
      const member = await memberViewByCard(deps.db, cardUid, { policy: deps.policy, deviceId, now: now() });
      return member ? { found: true, member } : { found: false };
    },
  };

  return async function onRequest(deviceId: string, topic: string, payload: Buffer): Promise<void> {
    const decoded = decodeMessage(RpcRequest, payload);
    if (!decoded.ok) {
      const salvaged = salvage(payload);
      log.warn({ topic, deviceId, bytes: payload.byteLength, reason: decoded.error }, 'bad rpc request');
      if (salvaged) {
        await respond(deviceId, {
          v: PROTOCOL_VERSION,
          id: salvaged.id,
          ok: false,
          error: { code: salvaged.code, message: decoded.error.slice(0, 500) },
        });
      }
      return;
    }
    const req = decoded.value;
    const params = RpcMethods[req.method].params.safeParse(req.params);
    if (!params.success) {
      const issue = params.error.issues[0];
      const message = `invalid params for ${req.method} at ${issue?.path.join('.') || '(root)'}: ${issue?.message}`;
      log.warn({ topic, deviceId, id: req.id, method: req.method, reason: message }, 'bad rpc request');
      await respond(deviceId, {
        v: PROTOCOL_VERSION,
        id: req.id,
        ok: false,
        error: { code: 'bad-request', message },
      });
      return;
    }
    try {
      const handler = handlers[req.method] as (p: unknown, ctx: { deviceId: string }) => Promise<unknown>;
      const result = await handler(params.data, { deviceId });
      log.debug({ deviceId, id: req.id, method: req.method }, 'rpc answered');
      await respond(deviceId, { v: PROTOCOL_VERSION, id: req.id, ok: true, result });
    } catch (err) {
      log.error({ err, deviceId, id: req.id, method: req.method }, 'rpc handler failed');
      await respond(deviceId, {
        v: PROTOCOL_VERSION,
        id: req.id,
        ok: false,
        error: { code: 'internal', message: 'internal server error; the server log has details' },
      });
    }
  };

  async function respond(deviceId: string, response: RpcResponse): Promise<void> {
    try {
      await deps.publish(topics.rpcResponse(deviceId), response);
    } catch (err) {
      // The device times out and retries; nothing else to do.
      log.warn({ err, deviceId, id: response.id }, 'could not publish rpc response');
    }
  }
}

/** Reads just enough of an invalid request to answer it: its id, and whether the version was wrong. */
function salvage(payload: Buffer): { id: string; code: RpcErrorCode } | undefined {
  if (payload.byteLength > MAX_PAYLOAD_BYTES) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(payload.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof json !== 'object' || json === null) return undefined;
  const { id, v } = json as { id?: unknown; v?: unknown };
  if (typeof id !== 'string' || !ULID_PATTERN.test(id)) return undefined;
  return { id, code: v === PROTOCOL_VERSION ? 'bad-request' : 'version' };
}
