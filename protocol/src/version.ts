/**
 * Protocol version carried in every message. Bump the major when a message changes shape in a
 * way an older peer cannot read; both sides refuse a message of another major version instead of
 * guessing at its meaning.
 */
export const PROTOCOL_VERSION = 1 as const;

export type ProtocolVersion = typeof PROTOCOL_VERSION;

export function isCompatibleVersion(v: unknown): v is ProtocolVersion {
  return v === PROTOCOL_VERSION;
}
