import type { KioskEvent } from '@bashgah/protocol';

/** The agent's word on one check-in, from the SSE `checkin` event. */
export type CheckinOutcome = Extract<KioskEvent, { type: 'checkin' }>;

/** Where this screen's own check-in request stands. */
export type CheckinPhase =
  | { kind: 'ready' }
  | { kind: 'sending' }
  /** 202 received; waiting for the outcome event. `slow`: no outcome within the wait window. */
  | { kind: 'sent'; eventId: string; requested: number; slow: boolean }
  | { kind: 'failed'; code: string };

/** What the check-in panel shows. */
export type CheckinView =
  | { kind: 'offer'; points: number }
  | { kind: 'done-today' }
  | { kind: 'sending' }
  | { kind: 'waiting' }
  | { kind: 'queued' }
  | { kind: 'applied'; pointsAwarded: number; balance: number | undefined }
  | { kind: 'duplicate' }
  | { kind: 'rejected' }
  | { kind: 'failed'; code: string };

/**
 * Pure decision of the check-in panel from the member's offer, the request phase and the outcome
 * event (which may arrive before the POST's own 202, hence a lookup by event id, not a callback).
 */
export function checkinView(
  available: number,
  phase: CheckinPhase,
  outcome: CheckinOutcome | undefined,
): CheckinView {
  switch (phase.kind) {
    case 'ready':
      return available > 0 ? { kind: 'offer', points: available } : { kind: 'done-today' };
    case 'sending':
      return { kind: 'sending' };
    case 'failed':
      return { kind: 'failed', code: phase.code };
    case 'sent':
      switch (outcome?.status) {
        case 'applied':
          return {
            kind: 'applied',
            pointsAwarded: outcome.pointsAwarded ?? phase.requested,
            balance: outcome.balance,
          };
        case 'duplicate':
          return { kind: 'duplicate' };
        case 'rejected':
          return { kind: 'rejected' };
        case 'queued':
          return { kind: 'queued' };
        default:
          return phase.slow ? { kind: 'queued' } : { kind: 'waiting' };
      }
  }
}

/** Keeps the last few outcomes by event id; old ones fall off so memory stays bounded. */
export function remember<T>(log: Map<string, T>, id: string, value: T, cap = 16): void {
  log.delete(id);
  log.set(id, value);
  while (log.size > cap) {
    const oldest = log.keys().next();
    if (oldest.done) break;
    log.delete(oldest.value);
  }
}
