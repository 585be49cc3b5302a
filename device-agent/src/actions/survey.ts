import type { KioskActionEvent, QueuedResponse, SurveyRequest } from '@bashgah/protocol';
import type { Logger } from 'pino';
import type { AgentBus } from '../agent-events.js';
import { HttpError } from '../api/errors.js';
import type { TapSession } from '../session/tap-session.js';
import type { Outbox } from '../store/outbox.js';
import { queueEvent, withActivity } from './queue.js';

export interface SurveyOptions {
  deviceId: string;
  bus: AgentBus;
  outbox: Outbox;
  session: TapSession;
  flush: () => void;
  logger: Logger;
}

/**
 * The member's answer to the survey their view offers. Only the member on screen, only the survey
 * and reason chips the server offered them; the server pays the bonus once per survey. Once queued,
 * the survey leaves the member's view so it is not asked again on this screen.
 */
export class SurveyAction {
  readonly #o: SurveyOptions;
  readonly #log: Logger;
  readonly #off: () => void;

  constructor(options: SurveyOptions) {
    this.#o = options;
    this.#log = options.logger.child({ module: 'survey' });
    this.#off = options.bus.on('sync.acked', async ({ ack, envelope }) => {
      if (envelope.type !== 'survey.answer') return;
      const event: KioskActionEvent = {
        type: 'action',
        action: 'survey',
        eventId: ack.eventId,
        status: ack.status,
        ...(ack.code ? { code: ack.code } : {}),
        ...(ack.result?.pointsAwarded === undefined ? {} : { pointsAwarded: ack.result.pointsAwarded }),
        ...(ack.result?.balance === undefined ? {} : { balance: ack.result.balance }),
      };
      const s = this.#o.session.current();
      const here = s.kind === 'member' && s.member.id === envelope.payload.memberId ? s.member : undefined;
      if (here && ack.status === 'applied' && ack.result?.balance !== undefined) {
        const awarded = ack.result.pointsAwarded ?? 0;
        await this.#o.session.updateMember(here.id, {
          points: ack.result.balance,
          ...(awarded > 0
            ? {
                recentActivity: withActivity(here, {
                  at: new Date().toISOString(),
                  kind: 'survey',
                  points: awarded,
                }),
              }
            : {}),
        });
      }
      this.#o.bus.emit('action', event);
    });
  }

  async answer(req: SurveyRequest): Promise<QueuedResponse> {
    const s = this.#o.session.current();
    if (s.kind !== 'member' || s.member.id !== req.memberId) {
      throw new HttpError(
        409,
        'not-session-member',
        'a survey can only be answered by the member whose card was just tapped; tap the card again',
      );
    }
    const offer = s.member.survey;
    if (!offer || offer.id !== req.surveyId) {
      throw new HttpError(
        404,
        'survey-unavailable',
        `survey ${req.surveyId} is not offered to this member now`,
      );
    }
    const offered = new Set(offer.reasons.map((r) => r.id));
    const reasons = [...new Set(req.reasons ?? [])];
    const stray = reasons.find((r) => !offered.has(r));
    if (stray !== undefined) {
      throw new HttpError(400, 'bad-request', `reasons: ${stray} is not one of this survey's reasons`);
    }
    const envelope = await queueEvent(this.#o.outbox, this.#o.deviceId, 'survey.answer', {
      memberId: req.memberId,
      cardUid: s.member.cardUid,
      surveyId: req.surveyId,
      answer: req.answer,
      ...(reasons.length > 0 ? { reasons } : {}),
    });
    // Asked once per screen: the question goes away at once, the bonus shows when the ack comes.
    await this.#o.session.updateMember(req.memberId, { survey: null });
    this.#o.session.touch();
    this.#log.info(
      { eventId: envelope.id, memberId: req.memberId, surveyId: req.surveyId },
      'survey answer queued',
    );
    this.#o.bus.emit('action', { type: 'action', action: 'survey', eventId: envelope.id, status: 'queued' });
    this.#o.flush();
    return { eventId: envelope.id, status: 'queued' };
  }

  stop(): void {
    this.#off();
  }
}
