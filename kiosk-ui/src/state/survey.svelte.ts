import type { QueuedResponse, SurveyOffer } from '@bashgah/protocol';
import { ApiRequestError } from '../api/client.js';
import type { SurveyPhase } from './survey-view.js';

export { type SurveyPhase, type SurveyView, surveyView } from './survey-view.js';

/**
 * One survey on the member home: pick a face (1-5), optionally a few reason chips, send or skip.
 * Skipping only hides it on this screen; the next tap offers it again until it is answered.
 */
export class SurveyFlow {
  phase = $state<SurveyPhase>({ kind: 'ask' });
  reasons = $state<string[]>([]);
  #abort = new AbortController();

  constructor(
    private readonly survey: SurveyOffer,
    private readonly post: (
      answer: { surveyId: string; answer: number; reasons: string[] },
      signal: AbortSignal,
    ) => Promise<QueuedResponse>,
  ) {}

  choose(answer: number): void {
    if (answer < 1 || answer > 5) return;
    // A survey without reason chips is sent on the face alone.
    if (this.survey.reasons.length === 0) void this.send(answer);
    else this.phase = { kind: 'reasons', answer };
  }

  toggle(reasonId: string): void {
    this.reasons = this.reasons.includes(reasonId)
      ? this.reasons.filter((r) => r !== reasonId)
      : [...this.reasons, reasonId];
  }

  dismiss(): void {
    this.phase = { kind: 'dismissed' };
  }

  async send(answer = this.phase.kind === 'reasons' ? this.phase.answer : 0): Promise<void> {
    if (answer < 1) return;
    this.phase = { kind: 'sending', answer };
    try {
      const { eventId } = await this.post(
        { surveyId: this.survey.id, answer, reasons: [...this.reasons] },
        this.#abort.signal,
      );
      this.phase = { kind: 'sent', eventId };
    } catch (err) {
      if (this.#abort.signal.aborted) return;
      this.phase = { kind: 'failed', code: err instanceof ApiRequestError ? err.code : 'unknown' };
    }
  }

  dispose(): void {
    this.#abort.abort();
  }
}
