/**
 * A business rule said no: not enough points, a reused receipt id, an unknown category. The code
 * is machine-readable (it becomes the ApiError code over HTTP and the reject reason over MQTT); the
 * message says what happened and what to do about it. Nothing has been written when one is thrown.
 */
export class EngineError extends Error {
  override name = 'EngineError';
  constructor(
    readonly code: EngineErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export type EngineErrorCode =
  | 'insufficient-points'
  | 'insufficient-credit'
  | 'spend-conflict'
  | 'member-not-found'
  | 'voucher-not-found'
  | 'voucher-used'
  | 'voucher-expired'
  | 'voucher-cancelled'
  | 'reward-unavailable'
  | 'reward-limit'
  | 'out-of-stock'
  | 'velocity-limit'
  | 'phone-taken'
  | 'phone-excluded'
  | 'card-taken'
  | 'otp-invalid'
  | 'otp-locked'
  | 'otp-too-soon'
  | 'card-blocked'
  | 'receipt-conflict'
  | 'refund-conflict'
  | 'purchase-not-found'
  | 'refund-exceeds-purchase'
  | 'currency-mismatch'
  | 'unknown-category'
  | 'lines-mismatch'
  | 'invalid-rules'
  | 'invalid-amount';
