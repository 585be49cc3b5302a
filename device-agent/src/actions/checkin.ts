import {
  type CheckinResponse,
  EventEnvelope,
  type KioskEvent,
  newId,
  PROTOCOL_VERSION,
} from '@bashgah/protocol';
import type { Logger } from 'pino';
import type { AgentBus } from '../agent-events.js';
import { HttpError } from '../api/errors.js';
import type { TapSession } from '../session/tap-session.js';
import type { Outbox } from '../store/outbox.js';

export interface CheckinOptions {
  deviceId: string;
  bus: AgentBus;
  outbox: Outbox;
  session: TapSession;
  /** Asks the sync to drain now rather than at its next sweep. */
  flush: () => void;
  logger: Logger;
}

/**
 * Visit check-in. Only the member whose card is on screen may check in, so a kiosk cannot be used
 * to check in arbitrary member ids. The event is durable in the outbox before the caller hears
 * "queued"; the server's ack later turns into a `checkin` event with the points it awarded.
 */
export class CheckinAction {
  readonly #o: CheckinOptions;
  readonly #log: Logger;
  readonly #off: () => void;

  constructor(options: CheckinOptions) {
    this.#o = options;
    this.#log = options.logger.child({ module: 'checkin' });
    this.#off = options.bus.on('sync.acked', async ({ ack, envelope }) => {
      if (envelope.type !== 'checkin') return;
      const event: Extract<KioskEvent, { type: 'checkin' }> = {
        type: 'checkin',
        eventId: ack.eventId,
        status: ack.status,
        pointsAwarded: ack.result?.pointsAwarded,
        balance: ack.result?.balance,
      };
      this.#o.bus.emit('checkin', event);
      // 'duplicate' means an earlier copy was applied, so today's check-in is used up either way.
      if (ack.status !== 'rejected') {
        await this.#o.session.updateMember(envelope.payload.memberId, {
          checkinPointsAvailable: 0,
          ...(ack.result?.balance === undefined ? {} : { points: ack.result.balance }),
        });
      }
    });
  }

  async checkin(memberId: string): Promise<CheckinResponse> {
    const session = this.#o.session.current();
    if (session.kind !== 'member' || session.member.id !== memberId) {
      throw new HttpError(
        409,
        'not-session-member',
        'check-in is only possible for the member whose card was just tapped; tap the card again',
      );
    }
    const envelope = EventEnvelope.parse({
      v: PROTOCOL_VERSION,
      id: newId(),
      deviceId: this.#o.deviceId,
      type: 'checkin',
      at: new Date().toISOString(),
      payload: { memberId, cardUid: session.member.cardUid },
    });
    await this.#o.outbox.add(envelope);
    this.#o.session.touch();
    this.#log.info({ eventId: envelope.id, memberId }, 'check-in queued');
    this.#o.bus.emit('checkin', { type: 'checkin', eventId: envelope.id, status: 'queued' });
    this.#o.flush();
    return { eventId: envelope.id, status: 'queued' };
  }

  stop(): void {
    this.#off();
  }
}
