import { type Ack, topics } from '@bashgah/protocol';
import type { Logger } from 'pino';
import type { AgentBus } from '../agent-events.js';
import type { Outbox } from '../store/outbox.js';
import type { Link } from './mqtt-link.js';

export interface SyncOptions {
  deviceId: string;
  outbox: Outbox;
  link: Link;
  bus: AgentBus;
  logger: Logger;
  /** A row sent this long ago without an ack is sent again (the server dedupes by id). */
  resendAfterMs?: number;
  /** Rows read per query while draining, so a long backlog is not loaded at once. */
  batchSize?: number;
  /**
   * This long after a reconnect, rows sent since then and still unacked go once more. A broker
   * that has just restarted drops what arrives before the server has subscribed again; without
   * this those events would wait for resendAfterMs.
   */
  settleResendMs?: number;
  now?: () => number;
}

/**
 * Moves the outbox to the server. A row is deleted only on the server's Ack for its id: PUBACK
 * only means the broker has the message, and a broker restart or a missing subscriber can still
 * lose it. Anything unacked is sent again, after a reconnect or after `resendAfterMs`.
 */
export class Sync {
  readonly #o: Required<Omit<SyncOptions, 'now'>> & { now: () => number };
  readonly #log: Logger;
  readonly #unsubscribe: Array<() => void>;
  #connectedAt = 0;
  #draining: Promise<void> | undefined;
  #again = false;
  #timer: NodeJS.Timeout | undefined;
  #settleTimer: NodeJS.Timeout | undefined;
  #stopped = false;
  #acks: Promise<void> = Promise.resolve();

  constructor(options: SyncOptions) {
    // `??`, not a spread over defaults: the agent passes `resendAfterMs: undefined` when not
    // configured, and a spread would keep the undefined (NaN resend cut-off: nothing ever resent,
    // and a sweep every millisecond).
    this.#o = {
      ...options,
      resendAfterMs: options.resendAfterMs ?? 30_000,
      batchSize: options.batchSize ?? 100,
      settleResendMs: options.settleResendMs ?? 5_000,
      now: options.now ?? Date.now,
    };
    this.#log = options.logger.child({ module: 'sync' });
    this.#unsubscribe = [
      options.bus.on('link.online', (online) => {
        if (!online) return;
        // Anything sent before this connection may have died with the old socket.
        this.#connectedAt = this.#o.now();
        this.trigger();
        clearTimeout(this.#settleTimer);
        this.#settleTimer = setTimeout(() => {
          // Rows sent over a second ago are due an ack by now; the newest may still be in flight.
          this.#connectedAt = Math.max(this.#connectedAt, this.#o.now() - 1_000);
          this.trigger();
        }, this.#o.settleResendMs);
        this.#settleTimer.unref();
      }),
      // One at a time, so acks reach the kiosk in the order they arrived.
      options.bus.on('link.ack', (ack) => {
        this.#acks = this.#acks
          .then(() => this.#onAck(ack))
          .catch((error: unknown) =>
            this.#log.error({ err: error, eventId: ack.eventId }, 'ack handling failed'),
          );
      }),
    ];
  }

  start(): void {
    const sweepMs = Math.max(250, Math.floor(this.#o.resendAfterMs / 2));
    this.#timer = setInterval(() => this.trigger(), sweepMs);
    this.#timer.unref();
    this.trigger();
  }

  stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    clearTimeout(this.#settleTimer);
    for (const off of this.#unsubscribe) off();
    return Promise.all([this.#draining, this.#acks]).then(() => {});
  }

  /** Asks for a drain; calls made while one runs coalesce into one more pass. */
  trigger(): void {
    if (this.#stopped) return;
    if (this.#draining) {
      this.#again = true;
      return;
    }
    this.#draining = this.#drain()
      .catch((error: unknown) =>
        this.#log.error({ err: error }, 'outbox drain failed; will retry on the next sweep'),
      )
      .finally(() => {
        this.#draining = undefined;
        if (this.#again) {
          this.#again = false;
          this.trigger();
        }
      });
  }

  /** Resolves when no drain is running; for tests and shutdown. */
  idle(): Promise<void> {
    return this.#draining ?? Promise.resolve();
  }

  async #drain(): Promise<void> {
    const { outbox, link } = this.#o;
    // Fixed for the whole pass, so rows marked sent during it are not picked up again.
    const sentBefore = Math.max(this.#connectedAt, this.#o.now() - this.#o.resendAfterMs);
    while (link.online() && !this.#stopped) {
      const rows = await outbox.pending(this.#o.batchSize, sentBefore);
      if (rows.length === 0) return;
      for (const row of rows) {
        if (!link.online()) return;
        // Not awaiting PUBACK keeps a dead socket from stalling the drain; the ack or the resend
        // timer settles each row either way.
        link
          .publish(topics.events(this.#o.deviceId), row.envelope, { qos: 1 })
          .catch((error: unknown) =>
            this.#log.debug({ err: error, eventId: row.id }, 'event publish failed'),
          );
        await outbox.markSent(row.id);
        if (row.attempts > 0) {
          this.#log.info({ eventId: row.id, attempt: row.attempts + 1 }, 'event re-sent: no ack yet');
        }
      }
    }
  }

  async #onAck(ack: Ack): Promise<void> {
    const envelope = await this.#o.outbox.remove(ack.eventId);
    if (!envelope) {
      // Resends can draw several acks for one event; only the first one means anything.
      this.#log.debug(
        { eventId: ack.eventId, status: ack.status },
        'ack for an event no longer in the outbox',
      );
      return;
    }
    if (ack.status === 'rejected') {
      this.#log.warn(
        { eventId: ack.eventId, type: envelope.type, reason: ack.reason },
        'server rejected an event; it was dropped from the outbox and will not be retried',
      );
    } else {
      this.#log.info({ eventId: ack.eventId, type: envelope.type, status: ack.status }, 'event acked');
    }
    this.#o.bus.emit('sync.acked', { ack, envelope });
  }
}
