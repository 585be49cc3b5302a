import type { z } from 'zod';
import { MAX_PAYLOAD_BYTES } from './envelope.js';

export type DecodeResult<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * Turns raw MQTT bytes into a validated message, or a one-line reason it was refused. Size is
 * checked before JSON.parse so an oversize payload costs nothing to reject.
 */
export function decodeMessage<S extends z.ZodType>(
  schema: S,
  payload: Uint8Array | string,
): DecodeResult<z.output<S>> {
  const size = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength;
  if (size > MAX_PAYLOAD_BYTES) {
    return { ok: false, error: `payload of ${size} bytes exceeds the ${MAX_PAYLOAD_BYTES}-byte limit` };
  }
  let json: unknown;
  try {
    json = JSON.parse(typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8'));
  } catch {
    return { ok: false, error: 'payload is not valid JSON' };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : '(root)';
    return { ok: false, error: `invalid message at ${where}: ${issue?.message ?? 'unknown error'}` };
  }
  return { ok: true, value: parsed.data };
}
