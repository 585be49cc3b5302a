import type { ApiError } from '@bashgah/protocol';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/**
 * The one error type the local API answers with. `code` is stable for the kiosk UI to branch on;
 * `message` is for the person reading logs or the screen and says what to do.
 */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  body(): ApiError {
    return { error: { code: this.code, message: this.message } };
  }
}
