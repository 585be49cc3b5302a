import { monotonicFactory } from 'ulid';

/**
 * Event and correlation ids are ULIDs: unique without coordination, and sortable by creation time,
 * so the outbox order and the server's processed-event log read in the order things happened.
 * The monotonic factory keeps ids rising even within one millisecond.
 */
const nextUlid = monotonicFactory();

export const ULID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/;

export function newId(): string {
  return nextUlid();
}
