import {
  type Ack,
  type ClaimResponse,
  EventEnvelope,
  type KioskEvent,
  type MemberView,
  newId,
  PROTOCOL_VERSION,
} from '@bashgah/protocol';
import type { Logger } from 'pino';
import type { AgentBus } from '../agent-events.js';
import { HttpError } from '../api/errors.js';
import type { Lang } from '../hardware/printer/index.js';
import type { PrintService } from '../print/print-service.js';
import type { TapSession } from '../session/tap-session.js';
import type { Outbox } from '../store/outbox.js';
import type { Sqlite } from '../store/sqlite.js';

type ClaimEvent = Extract<KioskEvent, { type: 'claim' }>;

export interface ClaimOptions {
  deviceId: string;
  db: Sqlite;
  bus: AgentBus;
  outbox: Outbox;
  session: TapSession;
  print: PrintService;
  /** Claims one card may make at this kiosk per store day. */
  perCardDailyCap: number;
  timeZone: string;
  flush: () => void;
  logger: Logger;
  now?: () => Date;
}

/** What the agent may let a member spend: the view's spendable points less claims not yet acked. */
export function spendable(
  member: Pick<MemberView, 'points' | 'pointsPending'>,
  pendingSpends: number,
): number {
  return member.points - member.pointsPending - pendingSpends;
}

/** The store's calendar day (YYYY-MM-DD) in its own zone, for the per-card daily cap. */
export function storeDay(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(at);
}

/**
 * Reward claims. The agent decides locally (it must work offline), bounded by policy: only the
 * member on screen, only a reward the member's view offers, never more than the cached spendable
 * balance less claims still waiting for the server, and at most N claims per card per day. The
 * claim is durable in the outbox before the kiosk hears "queued". The server issues the voucher;
 * its ack brings the code, which goes to the screen (as a QR) and to the printer.
 */
export class ClaimAction {
  readonly #o: ClaimOptions;
  readonly #log: Logger;
  readonly #off: () => void;
  readonly #now: () => Date;
  readonly #lang = new Map<string, Lang>();

  private constructor(options: ClaimOptions) {
    this.#o = options;
    this.#now = options.now ?? (() => new Date());
    this.#log = options.logger.child({ module: 'claim' });
    this.#off = options.bus.on('sync.acked', ({ ack, envelope }) => {
      if (envelope.type !== 'reward.claim') return;
      return this.#onAck(ack, envelope);
    });
  }

  static async open(options: ClaimOptions): Promise<ClaimAction> {
    await options.db.exec(`
      CREATE TABLE IF NOT EXISTS local_claims (
        event_id TEXT PRIMARY KEY,
        member_id TEXT NOT NULL,
        card_uid TEXT NOT NULL,
        reward_id TEXT NOT NULL,
        cost INTEGER NOT NULL,
        day TEXT NOT NULL,
        acked INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS local_claims_card_day ON local_claims (card_uid, day);`);
    return new ClaimAction(options);
  }

  /** Points this member has claimed here that the server has not confirmed yet. */
  async pendingSpends(memberId: string): Promise<number> {
    const row = await this.#o.db.get<{ n: number | null }>(
      'SELECT sum(cost) AS n FROM local_claims WHERE member_id = ? AND acked = 0',
      [memberId],
    );
    return row?.n ?? 0;
  }

  async claim(memberId: string, rewardId: string, lang: Lang): Promise<ClaimResponse> {
    const session = this.#o.session.current();
    if (session.kind !== 'member' || session.member.id !== memberId) {
      throw new HttpError(
        409,
        'not-session-member',
        'a reward can only be claimed for the member whose card was just tapped; tap the card again',
      );
    }
    const member = session.member;
    const offer = [...member.rewards.affordable, ...(member.rewards.next ? [member.rewards.next] : [])].find(
      (r) => r.id === rewardId,
    );
    if (!offer) {
      throw new HttpError(404, 'reward-unavailable', `reward ${rewardId} is not offered to this member`);
    }
    const now = this.#now();
    const day = storeDay(now, this.#o.timeZone);
    const today = await this.#o.db.get<{ n: number }>(
      'SELECT count(*) AS n FROM local_claims WHERE card_uid = ? AND day = ?',
      [member.cardUid, day],
    );
    if ((today?.n ?? 0) >= this.#o.perCardDailyCap) {
      throw new HttpError(
        429,
        'daily-cap',
        `this card has claimed ${this.#o.perCardDailyCap} rewards here today; come back tomorrow`,
      );
    }
    const available = spendable(member, await this.pendingSpends(memberId));
    if (offer.pointsCost > available) {
      throw new HttpError(
        409,
        'insufficient-points',
        `this reward costs ${offer.pointsCost} points and ${Math.max(0, available)} can be spent now`,
      );
    }

    const envelope = EventEnvelope.parse({
      v: PROTOCOL_VERSION,
      id: newId(),
      deviceId: this.#o.deviceId,
      type: 'reward.claim',
      at: now.toISOString(),
      payload: { memberId, cardUid: member.cardUid, rewardId },
    });
    await this.#o.db.run(
      `INSERT INTO local_claims (event_id, member_id, card_uid, reward_id, cost, day, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      [envelope.id, memberId, member.cardUid, rewardId, offer.pointsCost, day, now.toISOString()],
    );
    try {
      await this.#o.outbox.add(envelope);
    } catch (error) {
      await this.#o.db.run('DELETE FROM local_claims WHERE event_id = ?', [envelope.id]);
      throw error;
    }
    this.#lang.set(envelope.id, lang);
    this.#o.session.touch();
    this.#log.info(
      { eventId: envelope.id, memberId, rewardId, cost: offer.pointsCost },
      'reward claim queued',
    );
    this.#o.bus.emit('claim', { type: 'claim', eventId: envelope.id, rewardId, status: 'queued' });
    this.#o.flush();
    return {
      eventId: envelope.id,
      status: 'queued',
      pointsCost: offer.pointsCost,
      balanceAfter: member.points - offer.pointsCost,
    };
  }

  async #onAck(ack: Ack, envelope: Extract<EventEnvelope, { type: 'reward.claim' }>): Promise<void> {
    const { memberId, rewardId } = envelope.payload;
    if (ack.status === 'rejected') {
      // Nothing was spent: free the pending spend and the day's slot.
      await this.#o.db.run('DELETE FROM local_claims WHERE event_id = ?', [ack.eventId]);
    } else {
      await this.#o.db.run('UPDATE local_claims SET acked = 1 WHERE event_id = ?', [ack.eventId]);
    }
    const voucher = ack.result?.voucher;
    const base: ClaimEvent = {
      type: 'claim',
      eventId: ack.eventId,
      rewardId,
      status: ack.status,
      ...(ack.code ? { code: ack.code } : {}),
      ...(ack.result?.pointsSpent === undefined ? {} : { pointsSpent: ack.result.pointsSpent }),
      ...(ack.result?.balance === undefined ? {} : { balance: ack.result.balance }),
      ...(voucher
        ? { voucher: { code: voucher.code, rewardId: voucher.rewardId, expiresAt: voucher.expiresAt } }
        : {}),
    };
    const session = this.#o.session.current();
    const here = session.kind === 'member' && session.member.id === memberId ? session.member : undefined;
    if (ack.status !== 'rejected' && ack.result?.balance !== undefined && here) {
      await this.#o.session.updateMember(memberId, { points: ack.result.balance });
    }
    if (!voucher || ack.status === 'rejected') {
      this.#o.bus.emit('claim', base);
      this.#lang.delete(ack.eventId);
      return;
    }
    const reward = here
      ? [...here.rewards.affordable, ...(here.rewards.next ? [here.rewards.next] : [])].find(
          (r) => r.id === rewardId,
        )
      : undefined;
    const lang = this.#lang.get(ack.eventId) ?? 'fa';
    this.#lang.delete(ack.eventId);
    // A voucher that arrives after its member left (the kiosk was offline) is not printed for the
    // next shopper to pick up; staff can reprint it, and the member keeps it on the server.
    if (!here || !this.#o.print.configured()) {
      this.#o.bus.emit('claim', { ...base, print: 'no-printer' });
      if (!here)
        this.#log.info(
          { eventId: ack.eventId, memberId },
          'voucher issued after the member left; not printed',
        );
      return;
    }
    this.#o.bus.emit('claim', { ...base, print: 'printing' });
    const outcome = await this.#o.print.printVoucher(
      {
        code: voucher.code,
        rewardName: reward ? reward.name[lang] : rewardId,
        pointsSpent: ack.result?.pointsSpent ?? reward?.pointsCost ?? 0,
        expiresAt: new Date(voucher.expiresAt),
        memberNumber: here.number,
      },
      lang,
    );
    this.#o.bus.emit('claim', { ...base, print: outcome });
  }

  stop(): void {
    this.#off();
  }
}
