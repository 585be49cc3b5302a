import type { KioskActionEvent, QueuedResponse, StaffPrintResponse, StaffState } from '@bashgah/protocol';
import type { Logger } from 'pino';
import { queueEvent, withActivity } from '../actions/queue.js';
import type { AgentBus } from '../agent-events.js';
import { HttpError } from '../api/errors.js';
import type { Tap } from '../hardware/reader/card-reader.js';
import type { PrintService } from '../print/print-service.js';
import type { TapSession } from '../session/tap-session.js';
import type { Outbox } from '../store/outbox.js';
import type { Sqlite } from '../store/sqlite.js';
import { verifyPin } from './pin.js';

export interface StaffCardConfig {
  staffId: string;
  pinHash: string;
}

export interface StaffModeOptions {
  deviceId: string;
  db: Sqlite;
  bus: AgentBus;
  outbox: Outbox;
  session: TapSession;
  print: PrintService;
  /** Staff card UID (upper-case hex) → name and PIN hash. Empty: staff mode is off. */
  cards: Map<string, StaffCardConfig>;
  /** Staff mode closes after this long without a staff action. */
  idleMs: number;
  flush: () => void;
  logger: Logger;
  now?: () => number;
}

/** Wrong PINs allowed before the card is locked; the lock doubles with each further lockout. */
export const PIN_ATTEMPTS = 5;
export const FIRST_LOCK_MS = 5 * 60_000;
const MAX_LOCK_MS = 24 * 3_600_000;

type Phase =
  | { phase: 'closed' }
  | { phase: 'pin'; uid: string; staffId: string }
  | { phase: 'open'; uid: string; staffId: string; awaitingCard?: { memberId: string; replace: boolean } };

/**
 * Staff mode: a staff card opens a PIN prompt, the right PIN opens the staff panel. Everything the
 * panel does is checked here, not in the browser: the kiosk page is only a view. Wrong PINs are
 * counted per card in SQLite (a restart does not reset them) and lock the card for a while that
 * doubles at each lockout. The mode closes by itself after `idleMs` without a staff action, and
 * when it closes any wait for a new card is dropped.
 */
export class StaffMode {
  readonly #o: StaffModeOptions;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #off: () => void;
  #phase: Phase = { phase: 'closed' };
  #closesAt = 0;
  #timer: NodeJS.Timeout | undefined;
  #lock: Map<string, { failures: number; lockouts: number; lockedUntil: number }> = new Map();

  private constructor(options: StaffModeOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#log = options.logger.child({ module: 'staff' });
    this.#off = options.bus.on('sync.acked', async ({ ack, envelope }) => {
      if (envelope.type !== 'staff.purchase' && envelope.type !== 'staff.card') return;
      const event: KioskActionEvent = {
        type: 'action',
        action: envelope.type,
        eventId: ack.eventId,
        status: ack.status,
        ...(ack.code ? { code: ack.code } : {}),
        ...(ack.result?.pointsAwarded === undefined ? {} : { pointsAwarded: ack.result.pointsAwarded }),
        ...(ack.result?.balance === undefined ? {} : { balance: ack.result.balance }),
        ...(envelope.type === 'staff.card' ? { cardUid: envelope.payload.newCardUid } : {}),
      };
      const s = this.#o.session.current();
      const here = s.kind === 'member' && s.member.id === envelope.payload.memberId ? s.member : undefined;
      if (
        here &&
        envelope.type === 'staff.purchase' &&
        ack.status === 'applied' &&
        ack.result?.balance !== undefined
      ) {
        const awarded = ack.result.pointsAwarded ?? 0;
        await this.#o.session.updateMember(here.id, {
          points: ack.result.balance,
          ...(ack.result.pointsPending === undefined ? {} : { pointsPending: ack.result.pointsPending }),
          ...(awarded > 0
            ? { recentActivity: withActivity(here, { at: envelope.at, kind: 'purchase', points: awarded }) }
            : {}),
        });
      }
      // A replaced card: what the member does next on this screen goes with the new card.
      if (here && envelope.type === 'staff.card' && envelope.payload.replace && ack.status === 'applied') {
        await this.#o.session.updateMember(here.id, { cardUid: envelope.payload.newCardUid });
      }
      this.#o.bus.emit('action', event);
    });
  }

  static async open(options: StaffModeOptions): Promise<StaffMode> {
    await options.db.exec(`
      CREATE TABLE IF NOT EXISTS staff_pin_failures (
        uid TEXT PRIMARY KEY,
        failures INTEGER NOT NULL,
        lockouts INTEGER NOT NULL,
        locked_until INTEGER NOT NULL
      );`);
    const mode = new StaffMode(options);
    for (const row of await options.db.all<{
      uid: string;
      failures: number;
      lockouts: number;
      locked_until: number;
    }>('SELECT uid, failures, lockouts, locked_until FROM staff_pin_failures')) {
      mode.#lock.set(row.uid, {
        failures: row.failures,
        lockouts: row.lockouts,
        lockedUntil: row.locked_until,
      });
    }
    return mode;
  }

  enabled(): boolean {
    return this.#o.cards.size > 0;
  }

  state(): StaffState {
    const p = this.#phase;
    const closesAt = new Date(this.#closesAt).toISOString();
    if (p.phase === 'closed') return { phase: 'closed' };
    if (p.phase === 'open')
      return { phase: 'open', staffId: p.staffId, closesAt, awaitingCard: Boolean(p.awaitingCard) };
    const lock = this.#lock.get(p.uid);
    const locked = lock && lock.lockedUntil > this.#now();
    return {
      phase: 'pin',
      staffId: p.staffId,
      attemptsLeft: locked ? 0 : PIN_ATTEMPTS - (lock?.failures ?? 0),
      ...(locked ? { lockedUntil: new Date(lock.lockedUntil).toISOString() } : {}),
      closesAt,
    };
  }

  /**
   * Sees every tap before the member lookup. A staff card opens the PIN prompt; the same card
   * again while its panel is open only keeps it open (a reader may report a card twice, and staff
   * leave with the Exit button). While the panel waits for a new card, the next non-staff card is
   * bound instead of looked up. Returns true when the tap was consumed.
   */
  onTap(tap: Tap): boolean {
    const uid = tap.uid.toUpperCase();
    const card = this.#o.cards.get(uid);
    if (card) {
      if (this.#phase.phase !== 'closed' && this.#phase.uid === uid) this.#touch();
      else this.#set({ phase: 'pin', uid, staffId: card.staffId });
      return true;
    }
    const p = this.#phase;
    if (p.phase === 'open' && p.awaitingCard) {
      const waiting = p.awaitingCard;
      this.#set({ phase: 'open', uid: p.uid, staffId: p.staffId });
      void this.#bindCard(waiting.memberId, waiting.replace, uid, p.staffId).catch((error: unknown) =>
        this.#log.error({ err: error }, 'could not queue the new card'),
      );
      return true;
    }
    return false;
  }

  async pin(pin: string): Promise<StaffState> {
    const p = this.#phase;
    if (p.phase !== 'pin')
      throw new HttpError(409, 'staff-not-asked', 'tap a staff card first, then type its PIN');
    const card = this.#o.cards.get(p.uid);
    if (!card) throw new HttpError(409, 'staff-not-asked', 'tap a staff card first, then type its PIN');
    const now = this.#now();
    const lock = this.#lock.get(p.uid) ?? { failures: 0, lockouts: 0, lockedUntil: 0 };
    if (lock.lockedUntil > now) {
      this.#touch();
      throw new HttpError(
        423,
        'staff-locked',
        `too many wrong PINs: this staff card is locked until ${new Date(lock.lockedUntil).toISOString()}; ask a manager`,
      );
    }
    if (await verifyPin(pin, card.pinHash)) {
      this.#lock.delete(p.uid);
      await this.#o.db.run('DELETE FROM staff_pin_failures WHERE uid = ?', [p.uid]);
      this.#log.info({ staffId: p.staffId }, 'staff mode opened');
      this.#set({ phase: 'open', uid: p.uid, staffId: p.staffId });
      return this.state();
    }
    lock.failures++;
    if (lock.failures >= PIN_ATTEMPTS) {
      lock.lockedUntil = now + Math.min(MAX_LOCK_MS, FIRST_LOCK_MS * 2 ** lock.lockouts);
      lock.lockouts++;
      lock.failures = 0;
      this.#log.warn(
        { staffId: p.staffId, until: new Date(lock.lockedUntil).toISOString() },
        'staff card locked',
      );
    }
    this.#lock.set(p.uid, lock);
    await this.#o.db.run(
      `INSERT INTO staff_pin_failures (uid, failures, lockouts, locked_until) VALUES (?, ?, ?, ?)
       ON CONFLICT (uid) DO UPDATE SET failures = excluded.failures, lockouts = excluded.lockouts,
         locked_until = excluded.locked_until`,
      [p.uid, lock.failures, lock.lockouts, lock.lockedUntil],
    );
    this.#set(p);
    const locked = lock.lockedUntil > now;
    throw new HttpError(
      locked ? 423 : 401,
      locked ? 'staff-locked' : 'staff-pin-wrong',
      locked
        ? `too many wrong PINs: this staff card is locked until ${new Date(lock.lockedUntil).toISOString()}; ask a manager`
        : `wrong PIN; ${PIN_ATTEMPTS - lock.failures} tries left before the card is locked`,
    );
  }

  /** Keeps the panel open while staff are using it (typing an amount is not an API call). */
  touch(): StaffState {
    if (this.#phase.phase !== 'closed') this.#touch();
    return this.state();
  }

  close(why = 'closed'): void {
    if (this.#phase.phase === 'closed') return;
    this.#log.info({ why }, 'staff mode closed');
    this.#set({ phase: 'closed' });
  }

  #open(): Extract<Phase, { phase: 'open' }> {
    const p = this.#phase;
    if (p.phase !== 'open') {
      throw new HttpError(403, 'staff-closed', 'staff mode is closed: tap a staff card and type its PIN');
    }
    this.#touch();
    return p;
  }

  #sessionMember(memberId: string) {
    const s = this.#o.session.current();
    if (s.kind !== 'member' || s.member.id !== memberId) {
      throw new HttpError(
        409,
        'not-session-member',
        'staff actions are for the member whose card is on screen: ask the member to tap their card',
      );
    }
    return s.member;
  }

  async purchase(memberId: string, amountToman: number): Promise<QueuedResponse> {
    const p = this.#open();
    const member = this.#sessionMember(memberId);
    const envelope = await queueEvent(this.#o.outbox, this.#o.deviceId, 'staff.purchase', {
      memberId,
      cardUid: member.cardUid,
      // Prices are in Toman on screen; the club's ledger counts Rial.
      amountMinor: amountToman * 10,
      staffId: p.staffId,
    });
    this.#o.session.touch();
    this.#log.info(
      { eventId: envelope.id, memberId, amountToman, staffId: p.staffId },
      'staff purchase queued',
    );
    this.#o.bus.emit('action', {
      type: 'action',
      action: 'staff.purchase',
      eventId: envelope.id,
      status: 'queued',
    });
    this.#o.flush();
    return { eventId: envelope.id, status: 'queued' };
  }

  /** Waits for the next card presented and binds it to the member on screen. */
  card(memberId: string, replace: boolean): StaffState {
    const p = this.#open();
    this.#sessionMember(memberId);
    this.#set({ ...p, awaitingCard: { memberId, replace } });
    return this.state();
  }

  cancelCard(): StaffState {
    const p = this.#open();
    this.#set({ phase: 'open', uid: p.uid, staffId: p.staffId });
    return this.state();
  }

  async #bindCard(memberId: string, replace: boolean, newCardUid: string, staffId: string): Promise<void> {
    const envelope = await queueEvent(this.#o.outbox, this.#o.deviceId, 'staff.card', {
      memberId,
      newCardUid,
      replace,
      staffId,
    });
    this.#o.session.touch();
    this.#log.info(
      { eventId: envelope.id, memberId, newCardUid, replace, staffId },
      'staff card binding queued',
    );
    this.#o.bus.emit('action', {
      type: 'action',
      action: 'staff.card',
      eventId: envelope.id,
      status: 'queued',
      cardUid: newCardUid,
    });
    this.#o.flush();
  }

  async reprintVoucher(): Promise<StaffPrintResponse> {
    this.#open();
    const outcome = await this.#o.print.reprintLastVoucher();
    this.#touch();
    return { print: outcome ?? 'nothing' };
  }

  async testPage(): Promise<StaffPrintResponse> {
    this.#open();
    const outcome = await this.#o.print.printTestPage();
    this.#touch();
    return { print: outcome };
  }

  stop(): void {
    this.#off();
    clearTimeout(this.#timer);
  }

  #set(phase: Phase): void {
    this.#phase = phase;
    if (phase.phase === 'closed') clearTimeout(this.#timer);
    else this.#touch(false);
    this.#o.bus.emit('staff', this.state());
  }

  #touch(announce = true): void {
    clearTimeout(this.#timer);
    this.#closesAt = this.#now() + this.#o.idleMs;
    this.#timer = setTimeout(() => this.close('idle'), this.#o.idleMs);
    this.#timer.unref();
    // The kiosk's countdown follows closesAt.
    if (announce) this.#o.bus.emit('staff', this.state());
  }
}
