import type { CheckinResponse } from '@bashgah/protocol';
import { ApiRequestError } from '../api/client.js';
import { type CheckinOutcome, type CheckinPhase, type CheckinView, checkinView } from './checkin-view.js';

/** How long to show "adding your points…" before saying it will happen later (offline). */
export const CHECKIN_WAIT_MS = 6_000;

/** One member screen's check-in: POST, then follow the outcome event. */
export class CheckinFlow {
  phase = $state<CheckinPhase>({ kind: 'ready' });
  #slowTimer: ReturnType<typeof setTimeout> | undefined;
  #abort = new AbortController();

  constructor(
    private readonly post: (memberId: string, signal: AbortSignal) => Promise<CheckinResponse>,
    private readonly outcomeOf: (eventId: string) => CheckinOutcome | undefined,
    private readonly waitMs = CHECKIN_WAIT_MS,
  ) {}

  view(available: number): CheckinView {
    const p = this.phase;
    return checkinView(available, p, p.kind === 'sent' ? this.outcomeOf(p.eventId) : undefined);
  }

  async submit(memberId: string, requested: number): Promise<void> {
    if (this.phase.kind === 'sending' || this.phase.kind === 'sent') return;
    this.phase = { kind: 'sending' };
    try {
      const { eventId } = await this.post(memberId, this.#abort.signal);
      this.phase = { kind: 'sent', eventId, requested, slow: false };
      this.#slowTimer = setTimeout(() => {
        if (this.phase.kind === 'sent') this.phase = { ...this.phase, slow: true };
      }, this.waitMs);
    } catch (err) {
      if (this.#abort.signal.aborted) return;
      this.phase = { kind: 'failed', code: err instanceof ApiRequestError ? err.code : 'unknown' };
    }
  }

  dispose(): void {
    clearTimeout(this.#slowTimer);
    this.#abort.abort();
  }
}
