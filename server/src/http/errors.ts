import type { ApiError } from '@bashgah/protocol';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Logger } from 'pino';

/** The one error type routes throw; its code and message reach the client as an ApiError body. */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function apiError(code: string, message: string): ApiError {
  return { error: { code, message } };
}

/**
 * Turns anything thrown in a route into an ApiError body. Unknown errors become a bare 500: their
 * message may carry SQL or paths, which belong in the log, not in a response.
 */
export function errorHandler(logger: Logger) {
  return (err: Error, c: Context) => {
    if (err instanceof HttpError) return c.json(apiError(err.code, err.message), err.status);
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
