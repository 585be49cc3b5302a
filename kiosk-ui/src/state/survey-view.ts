import type { KioskActionEvent } from '@bashgah/protocol';

/** Where the member's survey stands on this screen. */
export type SurveyPhase =
  | { kind: 'ask' }
  | { kind: 'reasons'; answer: number }
  | { kind: 'sending'; answer: number }
  | { kind: 'sent'; eventId: string }
  | { kind: 'failed'; code: string }
  | { kind: 'dismissed' };

export type SurveyView =
  | { kind: 'ask' | 'hidden' }
  | { kind: 'reasons'; answer: number }
  | { kind: 'sending' }
  | { kind: 'thanks'; pointsAwarded: number | null }
  | { kind: 'failed'; code: string };

/** Pure: what the survey card shows, from the local phase and the agent's event for the answer. */
export function surveyView(phase: SurveyPhase, event: KioskActionEvent | undefined): SurveyView {
  switch (phase.kind) {
    case 'ask':
      return { kind: 'ask' };
    case 'dismissed':
      return { kind: 'hidden' };
    case 'reasons':
      return { kind: 'reasons', answer: phase.answer };
    case 'sending':
      return { kind: 'sending' };
    case 'failed':
      return { kind: 'failed', code: phase.code };
    case 'sent':
      if (event?.status === 'rejected') return { kind: 'failed', code: event.code ?? 'rejected' };
      // Queued (offline) is thanks too: the bonus follows when the kiosk is back online.
      return {
        kind: 'thanks',
        pointsAwarded:
          event?.status === 'applied' || event?.status === 'duplicate' ? (event.pointsAwarded ?? 0) : null,
      };
  }
}
