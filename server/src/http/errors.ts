import type { ApiError } from '@bashgah/protocol';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Logger } from 'pino';
import { EngineError, type EngineErrorCode } from '../engine/errors.js';

/** The one error type routes throw; its code and message reach the client as an ApiError body. */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** The protocol's ApiError, plus machine-readable details (e.g. validation issues) where there are any. */
export type ApiErrorBody = ApiError & { error: { details?: Record<string, unknown> } };

export function apiError(code: string, message: string, details?: Record<string, unknown>): ApiErrorBody {
  return { error: details ? { code, message, details } : { code, message } };
}

/** Engine refusals by code: 404 for what does not exist, 409 for a clash with what is recorded, 422 otherwise. */
const ENGINE_STATUS: Partial<Record<EngineErrorCode, ContentfulStatusCode>> = {
  'member-not-found': 404,
  'purchase-not-found': 404,
  'voucher-not-found': 404,
  'card-blocked': 403,
  'insufficient-points': 409,
  'insufficient-credit': 409,
  'receipt-conflict': 409,
  'refund-conflict': 409,
  'spend-conflict': 409,
  'voucher-used': 409,
  'voucher-cancelled': 409,
  'out-of-stock': 409,
  'phone-taken': 409,
  'card-taken': 409,
  'otp-invalid': 400,
  'otp-locked': 429,
  'otp-too-soon': 429,
  'velocity-limit': 429,
};

export function engineStatus(code: EngineErrorCode): ContentfulStatusCode {
  return ENGINE_STATUS[code] ?? 422;
}

/**
 * Turns anything thrown in a route into an ApiError body. Unknown errors become a bare 500: their
 * message may carry SQL or paths, which belong in the log, not in a response.
 */
export function errorHandler(logger: Logger) {
  return (err: Error, c: Context) => {
    if (err instanceof HttpError) return c.json(apiError(err.code, err.message, err.details), err.status);
    if (err instanceof EngineError) {
      const details = Object.keys(err.details).length > 0 ? err.details : undefined;
      return c.json(apiError(err.code, err.message, details), engineStatus(err.code));
    }
    if (err instanceof HTTPException) {
      const status = err.status;
      return c.json(
        apiError(status === 413 ? 'payload-too-large' : 'http-error', err.message || 'request failed'),
        status,
      );
    }
    logger.error({ err, method: c.req.method, path: c.req.path }, 'unhandled error in HTTP route');
    return c.json(apiError('internal', 'internal server error; the server log has details'), 500);
  };
}
