/**
 * The project's virtual NFC card. It plays the card side of vsmartcard's vpcd protocol: pcscd's
 * vpcd driver listens on 127.0.0.1:35963 (reader slot "Virtual PCD 00 00"), the card connects to
 * it, and from then on pcscd sees a card in that reader. Closing the connection takes the card out
 * of the field. Used by the real-pcscd tests, `npm run vcard` and the tap latency benchmark.
 *
 *   const card = await VirtualCard.present('04A1B2C3D4E5F6');
 *   await card.waitUntilRead(2_000);   // optional: until an application read the UID
 *   await card.remove();
 */
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { CardUid } from '@bashgah/protocol';
import {
  classifyFrame,
  encodeFrame,
  FrameDecoder,
  VPCD_DEFAULT_HOST,
  VPCD_DEFAULT_PORT,
  VpcdControl,
  type VpcdMessage,
} from './frames.js';
import { type CardBehaviour, ISO14443_3_ATR, uidOnlyCard } from './iso14443-card.js';

export { encodeFrame, FrameDecoder, VPCD_DEFAULT_HOST, VPCD_DEFAULT_PORT, VpcdControl } from './frames.js';
export { ISO14443_3_ATR, StatusWord, uidOnlyCard } from './iso14443-card.js';
export {
  chipSdmMac,
  ISO14443_4_ATR,
  type Ntag215,
  type Ntag424,
  ntag215Card,
  ntag424Card,
  tokenNdefMessage,
  uriNdefMessage,
} from './ntag.js';

export interface VirtualCardOptions {
  /** Where vpcd listens. Default 127.0.0.1. */
  host?: string;
  /** vpcd's port: 35963 is reader slot 0, 35964 slot 1. Default 35963. */
  port?: number;
  /** Connection attempts before giving up. Default 10. */
  connectAttempts?: number;
  /** Pause between attempts. Default 200 ms. */
  retryDelayMs?: number;
  /** Limit for one attempt. Default 2000 ms. */
  connectTimeoutMs?: number;
  /** ATR to present. Default: an ISO 14443-3 card (see ISO14443_3_ATR). */
  atr?: Buffer;
  /**
   * What the card is: builds its behaviour from the UID bytes (e.g. `(uid) => ntag215Card(uid, msg)`,
   * `(uid) => ntag424Card(uid, { key })`). Default: a card that only answers GET UID.
   */
  behaviour?: (uid: Buffer) => CardBehaviour;
  /** Sees every message from vpcd and the card's answer, if it gave one (debugging, benchmarks). */
  onMessage?: (message: VpcdMessage, response: Buffer | undefined) => void;
}

export interface VirtualCardStats {
  /** Times vpcd asked for the ATR; pcscd polls presence this way, so it keeps rising. */
  atrRequests: number;
  powerOns: number;
  apdus: number;
  /** GET UID commands answered with the UID. */
  uidReads: number;
}

/** Thrown when the card cannot be presented (bad UID, vpcd not listening). */
export class VirtualCardError extends Error {
  override readonly name = 'VirtualCardError';
}

const RETRYABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAGAIN',
]);

function connectOnce(host: string, port: number, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(Object.assign(new Error(`connect timed out after ${timeoutMs} ms`), { code: 'ETIMEDOUT' }));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    });
  });
}

export class VirtualCard {
  /** Normalised UID (uppercase hex). */
  readonly uid: string;
  readonly host: string;
  readonly port: number;
  /** Resolves when the card left the field: `remove()`, or vpcd/pcscd dropped the connection. */
  readonly removed: Promise<void>;

  readonly #socket: net.Socket;
  readonly #card: CardBehaviour;
  readonly #decoder = new FrameDecoder();
  readonly #onMessage: VirtualCardOptions['onMessage'];
  readonly #stats: VirtualCardStats = { atrRequests: 0, powerOns: 0, apdus: 0, uidReads: 0 };
  readonly #readWaiters = new Set<() => void>();
  #closed = false;

  private constructor(
    uid: string,
    socket: net.Socket,
    options: VirtualCardOptions,
    host: string,
    port: number,
  ) {
    this.uid = uid;
    this.host = host;
    this.port = port;
    this.#socket = socket;
    this.#card = options.behaviour
      ? options.behaviour(Buffer.from(uid, 'hex'))
      : uidOnlyCard(Buffer.from(uid, 'hex'), options.atr ?? ISO14443_3_ATR);
    this.#onMessage = options.onMessage;
    socket.setNoDelay(true);
    this.removed = new Promise((resolve) => {
      socket.once('close', () => {
        this.#closed = true;
        for (const wake of this.#readWaiters) wake();
        resolve();
      });
    });
    // A reset from pcscd's side is a removal, never a crash.
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk) => this.#onData(chunk));
  }

  /**
   * Puts a card with `uid` (4, 7 or 10 bytes of hex) into vpcd's reader. Resolves once connected;
   * pcscd notices the card on its next presence poll.
   */
  static async present(uid: string, options: VirtualCardOptions = {}): Promise<VirtualCard> {
    const parsed = CardUid.safeParse(uid);
    if (!parsed.success) {
      throw new VirtualCardError(
        `invalid card UID "${uid}": ${parsed.error.issues[0]?.message ?? 'rejected'}`,
      );
    }
    const host = options.host ?? VPCD_DEFAULT_HOST;
    const port = options.port ?? VPCD_DEFAULT_PORT;
    const attempts = Math.max(1, options.connectAttempts ?? 10);
    const retryDelayMs = options.retryDelayMs ?? 200;
    const timeoutMs = options.connectTimeoutMs ?? 2_000;
    let lastError: NodeJS.ErrnoException | undefined;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const socket = await connectOnce(host, port, timeoutMs);
        return new VirtualCard(parsed.data, socket, options, host, port);
      } catch (error) {
        lastError = error as NodeJS.ErrnoException;
        if (!RETRYABLE.has(lastError.code ?? '')) break;
        if (attempt < attempts) await sleep(retryDelayMs);
      }
    }
    throw new VirtualCardError(
      `vpcd is not listening on ${host}:${port} (${lastError?.code ?? lastError?.message ?? 'unknown error'} ` +
        `after ${attempts} attempt${attempts === 1 ? '' : 's'}): is pcscd running with vsmartcard-vpcd installed? ` +
        'Start it with `pcscd` as root (`pcscd --foreground --info` to watch its log); the driver is ' +
        'configured in /etc/reader.conf.d/vpcd, and pcscd loads it only when it starts.',
    );
  }

  get isPresent(): boolean {
    return !this.#closed;
  }

  /** The card's behaviour (an Ntag215 or Ntag424 when one was given), to inspect its state. */
  get card(): CardBehaviour {
    return this.#card;
  }

  get stats(): Readonly<VirtualCardStats> {
    return { ...this.#stats };
  }

  /**
   * Resolves once an application read the UID (a GET UID was answered), at once if that already
   * happened; rejects if it does not happen within `timeoutMs` or the card leaves the field first.
   */
  async waitUntilRead(timeoutMs: number): Promise<void> {
    if (this.#stats.uidReads > 0) return;
    if (this.#closed) throw new VirtualCardError(`card ${this.uid} left the field before it was read`);
    let wake!: () => void;
    const woken = new Promise<void>((resolve) => {
      wake = resolve;
    });
    this.#readWaiters.add(wake);
    const timer = setTimeout(wake, timeoutMs);
    try {
      await woken;
    } finally {
      clearTimeout(timer);
      this.#readWaiters.delete(wake);
    }
    if (this.#stats.uidReads > 0) return;
    throw new VirtualCardError(
      this.#closed
        ? `card ${this.uid} left the field before it was read`
        : `card ${this.uid} was not read within ${timeoutMs} ms (${this.#describeStats()})`,
    );
  }

  /** Takes the card out of the field. Resolves once the connection is closed. */
  async remove(): Promise<void> {
    if (!this.#closed) this.#socket.destroy();
    await this.removed;
  }

  #describeStats(): string {
    const s = this.#stats;
    return `vpcd asked for the ATR ${s.atrRequests}×, powered on ${s.powerOns}×, sent ${s.apdus} APDU(s)`;
  }

  #onData(chunk: Buffer): void {
    for (const payload of this.#decoder.push(chunk)) {
      const message = classifyFrame(payload);
      const response = this.#answer(message);
      if (response && !this.#closed) this.#socket.write(encodeFrame(response));
      this.#onMessage?.(message, response);
    }
  }

  #answer(message: VpcdMessage): Buffer | undefined {
    switch (message.kind) {
      case 'control':
        if (message.code === VpcdControl.GetAtr) {
          this.#stats.atrRequests++;
          return this.#card.atr;
        }
        if (message.code === VpcdControl.PowerOn) this.#stats.powerOns++;
        // Power off, reset and any unknown code: vpcd expects no answer.
        return undefined;
      case 'apdu': {
        this.#stats.apdus++;
        const response = this.#card.respond(message.apdu);
        if (
          message.apdu[0] === 0xff &&
          message.apdu[1] === 0xca &&
          response.readUInt16BE(response.length - 2) === 0x9000
        ) {
          this.#stats.uidReads++;
          for (const wake of this.#readWaiters) wake();
        }
        return response;
      }
      case 'empty':
        return undefined;
    }
  }
}
