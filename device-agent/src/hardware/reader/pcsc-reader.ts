import net from 'node:net';
import { CardUid, type ReaderState } from '@bashgah/protocol';
import type { Logger } from 'pino';
import { type CardRead, readCard } from './card-data.js';
import type { CardReader, CardReaderEvents, TapCardData } from './card-reader.js';
import { type FeedbackKind, feedbackCommands, readerModel } from './feedback.js';

/**
 * Real NFC readers through pcscd, using nfc-pcsc (an optional dependency: its native part needs
 * libpcsclite-dev at install time, so it is imported only when this reader starts).
 *
 * One card presence gives one `tap` and one `removed`. A card at the edge of the field often drops
 * out and comes back within a few hundred ms; that must not count as a second tap. So `removed` is
 * held back for `debounceMs`: if the same UID reappears in that window, neither the removal nor a
 * new tap is emitted and the presence simply continues.
 *
 * Cards: nfc-pcsc's autoProcessing is off for every reader (it sends GET UID only to ISO 14443-3
 * cards and wants an AID for -4 ones); `card-data.ts` reads the UID of every card itself, and the
 * card's NDEF proof (member token on NTAG21x, SUN message on NTAG 424 DNA). A read error is a
 * `fault`, never a crash; the tap carries what was read in `card`.
 *
 * Recovery: @pokusew/pcsclite stops watching for good after pcscd goes away (it emits one `error`).
 * The reader then says `unavailable` with a fault, closes every reader and the NFC context, and
 * re-creates it with bounded exponential backoff (`recoverMinMs` doubling to `recoverMaxMs`,
 * forever) once pcscd's socket answers again; it comes back as `ready` (or `no-reader`). A socket
 * probe every `healthCheckMs` catches a pcscd that vanished without pcsclite noticing.
 *
 * Feedback: ACR122U / ACR1252U beep and flash green on a good read, red on a failed one
 * (feedback.ts); other readers get nothing.
 */

/** The part of the agent's bus a reader needs; any EventBus whose events include the reader's fits. */
export interface ReaderBus {
  emit<K extends keyof CardReaderEvents>(event: K, payload: CardReaderEvents[K]): void;
}

/** The card object nfc-pcsc passes with `card` and `card.off`. */
export interface NfcCard {
  /** Lowercase hex from GET UID (autoProcessing, ISO 14443-3 cards). */
  uid?: string;
  atr?: Buffer;
  standard?: string;
}

/** The subset of nfc-pcsc's `Reader` this module uses. */
export interface NfcReaderLike {
  readonly name: string;
  autoProcessing: boolean;
  on(event: 'card' | 'card.off', listener: (card: NfcCard) => void): unknown;
  on(event: 'error', listener: (error: unknown) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  emit(event: string | symbol, ...args: unknown[]): boolean;
  close(): void;
  /** SCardTransmit on the card nfc-pcsc connected to. */
  transmit(data: Buffer, responseMaxLength: number): Promise<Buffer>;
  /** SCardControl with IOCTL_CCID_ESCAPE (reader escape commands). */
  control?(data: Buffer, responseMaxLength: number): Promise<Buffer>;
}

/** The subset of nfc-pcsc's `NFC` this module uses. */
export interface NfcLike {
  on(event: 'reader', listener: (reader: NfcReaderLike) => void): unknown;
  on(event: 'error', listener: (error: unknown) => void): unknown;
  close(): void;
}

/** nfc-pcsc calls these with console-style arguments. */
export interface NfcLogger {
  log(...args: unknown[]): void;
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

export interface NfcModule {
  NFC: new (logger?: NfcLogger) => NfcLike;
}

export interface PcscReaderOptions {
  bus: ReaderBus;
  logger: Logger;
  /** Same-UID reappearance window that still counts as the same presence. Default 300 ms. */
  debounceMs?: number;
  /** Loads nfc-pcsc; tests pass a fake. Default: `import('nfc-pcsc')`. */
  loadNfc?: () => Promise<NfcModule>;
  /**
   * pcscd's socket, probed before nfc-pcsc starts: nfc-pcsc's constructor retries
   * SCardEstablishContext in a busy loop on the main thread while pcscd is absent, which would
   * freeze the agent. Default: $PCSCLITE_CSOCK_NAME or /run/pcscd/pcscd.comm. `null` skips it.
   */
  pcscdSocket?: string | null;
  /** How long `start()` waits for pcscd to list the readers it already has. Default 500 ms. */
  settleMs?: number;
  /** First pause before re-creating the PC/SC context after pcscd went away. Default 250 ms. */
  recoverMinMs?: number;
  /** The backoff doubles up to this. Default 5000 ms. */
  recoverMaxMs?: number;
  /** How often pcscd's socket is probed while running (0 = never). Default 5000 ms. */
  healthCheckMs?: number;
  /** Beep/LED on readers that support it. Default true. */
  feedback?: boolean;
}

export type PcscReaderErrorCode = 'nfc-pcsc-unavailable' | 'pcscd-unreachable';

/** Why `start()` failed; the composition root may fall back to the simulated reader. */
export class PcscReaderError extends Error {
  override readonly name = 'PcscReaderError';
  readonly code: PcscReaderErrorCode;

  constructor(code: PcscReaderErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export const DEFAULT_PCSCD_SOCKET = '/run/pcscd/pcscd.comm';
const SAM_SLOT = /SAM/;

async function importNfcPcsc(): Promise<NfcModule> {
  // A variable specifier: the module has no types, and it may not be installed at all.
  const specifier = 'nfc-pcsc';
  const mod = (await import(specifier)) as { NFC?: unknown; default?: { NFC?: unknown } };
  const NFC = mod.NFC ?? mod.default?.NFC;
  if (typeof NFC !== 'function') throw new Error('the nfc-pcsc module has no NFC export');
  return { NFC: NFC as NfcModule['NFC'] };
}

/** Resolves if something accepts connections on pcscd's socket (pcscd, or systemd's pcscd.socket). */
function probeSocket(path: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection({ path });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve();
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    });
  });
}

/** One line for an nfc-pcsc error, following its `previous` chain (e.g. GetUIDError ← TransmitError). */
export function describeNfcError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current && depth < 4; depth++) {
    if (current instanceof Error) {
      const code = (current as { code?: unknown }).code;
      parts.push(`${current.message || current.name}${typeof code === 'string' ? ` [${code}]` : ''}`);
      current = (current as { previous?: unknown }).previous ?? current.cause;
    } else {
      parts.push(String(current));
      break;
    }
  }
  return [...new Set(parts)].join(' ← ') || 'unknown error';
}

/** Per card reader: a read in progress, and whether the card left meanwhile. */
interface ReaderSlot {
  reading: boolean;
  leftDuringRead: Date | undefined;
}

interface PendingRemoval {
  timer: NodeJS.Timeout;
  uid: string;
  reader: string;
  at: Date;
}

export class PcscReader implements CardReader {
  readonly kind = 'pcsc' as const;

  readonly #bus: ReaderBus;
  readonly #log: Logger;
  readonly #debounceMs: number;
  readonly #loadNfc: () => Promise<NfcModule>;
  readonly #pcscdSocket: string | null;
  readonly #settleMs: number;
  readonly #recoverMinMs: number;
  readonly #recoverMaxMs: number;
  readonly #healthCheckMs: number;
  readonly #feedback: boolean;
  readonly #slots = new Map<string, ReaderSlot>();
  #mod: NfcModule | undefined;
  #recovering: Promise<void> | undefined;
  #recoverTimer: { timer: NodeJS.Timeout; wake: () => void } | undefined;
  #healthTimer: NodeJS.Timeout | undefined;
  /** Card reads in flight, awaited by stop(). */
  readonly #reads = new Set<Promise<void>>();

  #nfc: NfcLike | undefined;
  /** Every reader nfc-pcsc handed us, SAM slots included: all are closed on stop. */
  readonly #allReaders = new Set<NfcReaderLike>();
  /** Card readers (not SAM slots) by name. */
  readonly #readers = new Map<string, NfcReaderLike>();
  /** The UID a tap was emitted for, per reader, while that card is in the field. */
  readonly #present = new Map<string, string>();
  /** Removals held back by the debounce, by UID. */
  readonly #pendingRemovals = new Map<string, PendingRemoval>();
  #state: ReaderState = 'no-reader';
  /** While start() lists the readers, state changes are recorded but announced once at its end. */
  #starting = false;
  /** pcsclite reported an error: it no longer watches pcscd for readers. */
  #monitoringLost = false;
  #running = false;
  #onFirstReader: (() => void) | undefined;
  #startPromise: Promise<void> | undefined;

  constructor(options: PcscReaderOptions) {
    this.#bus = options.bus;
    this.#log = options.logger;
    this.#debounceMs = Math.max(0, options.debounceMs ?? 300);
    this.#loadNfc = options.loadNfc ?? importNfcPcsc;
    this.#pcscdSocket =
      options.pcscdSocket === undefined
        ? (process.env.PCSCLITE_CSOCK_NAME ?? DEFAULT_PCSCD_SOCKET)
        : options.pcscdSocket;
    this.#settleMs = options.settleMs ?? 500;
    this.#recoverMinMs = Math.max(1, options.recoverMinMs ?? 250);
    this.#recoverMaxMs = Math.max(this.#recoverMinMs, options.recoverMaxMs ?? 5_000);
    this.#healthCheckMs = options.healthCheckMs ?? 5_000;
    this.#feedback = options.feedback ?? true;
  }

  state(): ReaderState {
    return this.#state;
  }

  /**
   * Starts watching pcscd. Throws a `PcscReaderError` when nfc-pcsc cannot be loaded or pcscd is
   * not reachable; otherwise resolves once pcscd has listed its readers, having emitted `state`.
   */
  start(): Promise<void> {
    if (this.#nfc && !this.#starting) return Promise.resolve();
    this.#startPromise ??= this.#start().finally(() => {
      this.#startPromise = undefined;
    });
    return this.#startPromise;
  }

  async #start(): Promise<void> {
    this.#starting = true;
    this.#monitoringLost = false;
    try {
      await this.#open();
    } catch (error) {
      this.#starting = false;
      this.#setState('unavailable', true);
      throw error;
    }
    await this.#settle();
    this.#starting = false;
    if (!this.#running) return; // stopped while listing readers
    const state = this.#currentState();
    this.#setState(state, true);
    this.#armHealthCheck();
    this.#log.info({ readers: [...this.#readers.keys()], state }, 'pcsc reader started');
  }

  /** Waits until pcscd listed a first reader, or settleMs. */
  async #settle(): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.#settleMs);
      this.#onFirstReader = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.#onFirstReader = undefined;
  }

  #currentState(): ReaderState {
    return this.#monitoringLost ? 'unavailable' : this.#readers.size > 0 ? 'ready' : 'no-reader';
  }

  async #open(): Promise<void> {
    if (!this.#mod) {
      try {
        this.#mod = await this.#loadNfc();
      } catch (error) {
        throw new PcscReaderError(
          'nfc-pcsc-unavailable',
          `cannot load nfc-pcsc: ${describeNfcError(error)}`,
          {
            cause: error,
          },
        );
      }
    }
    const mod = this.#mod;
    await this.#probe();

    let nfc: NfcLike;
    try {
      nfc = new mod.NFC(this.#nfcLogger());
    } catch (error) {
      throw new PcscReaderError(
        'pcscd-unreachable',
        `cannot open a PC/SC context: ${describeNfcError(error)}`,
        {
          cause: error,
        },
      );
    }
    this.#nfc = nfc;
    this.#running = true;
    // An 'error' without a listener would throw and kill the agent: always listen.
    nfc.on('error', (error) => {
      if (!this.#running || this.#nfc !== nfc) {
        // nfc.close() cancels pcsclite's wait, which it reports as an error. Expected.
        this.#log.debug({ err: describeNfcError(error) }, 'pcsc: error after close (ignored)');
        return;
      }
      // pcsclite stops watching for readers after any error (pcscd gone, for one).
      this.#lost(`pcscd: ${describeNfcError(error)}`, error);
    });
    nfc.on('reader', (reader) => {
      if (this.#nfc !== nfc) {
        reader.on('error', () => {});
        return;
      }
      this.#attach(reader);
    });
  }

  /** pcscd must answer before nfc-pcsc starts: its constructor spins on the main thread otherwise. */
  async #probe(): Promise<void> {
    if (this.#pcscdSocket === null) return;
    try {
      await probeSocket(this.#pcscdSocket, 2_000);
    } catch (error) {
      throw new PcscReaderError(
        'pcscd-unreachable',
        `pcscd is not reachable at ${this.#pcscdSocket} (${describeNfcError(error)}); is pcscd running?`,
        { cause: error },
      );
    }
  }

  /** pcsclite gave up (pcscd gone): report it, drop the context and start recovering. */
  #lost(message: string, cause?: unknown): void {
    if (this.#recovering) return;
    this.#fault(`${message}; re-creating the PC/SC context`, cause);
    this.#monitoringLost = true;
    this.#setState('unavailable');
    this.#recovering = this.#recover().finally(() => {
      this.#recovering = undefined;
    });
  }

  async #recover(): Promise<void> {
    const lostAt = Date.now();
    this.#teardown();
    for (let attempt = 0; this.#running; attempt++) {
      const delay = Math.min(this.#recoverMaxMs, this.#recoverMinMs * 2 ** Math.min(attempt, 20));
      await new Promise<void>((wake) => {
        const timer = setTimeout(wake, delay);
        this.#recoverTimer = { timer, wake };
      });
      this.#recoverTimer = undefined;
      if (!this.#running) return;
      try {
        this.#monitoringLost = false;
        await this.#open();
      } catch (error) {
        this.#monitoringLost = true;
        this.#log.debug({ attempt, delay, err: describeNfcError(error) }, 'pcsc: pcscd still away');
        continue;
      }
      await this.#settle();
      if (!this.#running) return;
      if (this.#monitoringLost) {
        // Lost again while listing readers; a new recovery is not started from inside this one.
        this.#teardown();
        continue;
      }
      const state = this.#currentState();
      this.#setState(state);
      this.#log.info(
        { gapMs: Date.now() - lostAt, attempts: attempt + 1, readers: [...this.#readers.keys()], state },
        'pcsc: PC/SC context re-created',
      );
      return;
    }
  }

  /** Closes every reader and the NFC context (nfc.close() alone leaves pcsclite's threads running). */
  #teardown(): void {
    const nfc = this.#nfc;
    this.#nfc = undefined;
    const at = new Date();
    for (const [name, uid] of this.#present) this.#bus.emit('removed', { uid, reader: name, at });
    this.#present.clear();
    for (const reader of this.#allReaders) {
      try {
        reader.close();
      } catch (error) {
        this.#log.debug({ reader: reader.name, err: describeNfcError(error) }, 'pcsc: closing reader failed');
      }
    }
    this.#allReaders.clear();
    this.#readers.clear();
    this.#slots.clear();
    try {
      nfc?.close();
    } catch (error) {
      this.#log.debug({ err: describeNfcError(error) }, 'pcsc: closing nfc-pcsc failed');
    }
  }

  #armHealthCheck(): void {
    if (this.#healthCheckMs <= 0 || this.#pcscdSocket === null) return;
    clearInterval(this.#healthTimer);
    const socket = this.#pcscdSocket;
    this.#healthTimer = setInterval(() => {
      if (!this.#running || this.#recovering) return;
      probeSocket(socket, 2_000).catch((error: unknown) => {
        if (this.#running && !this.#recovering) this.#lost(`pcscd stopped answering at ${socket}`, error);
      });
    }, this.#healthCheckMs);
    this.#healthTimer.unref();
  }

  /** Stops watching and releases pcscd (nfc.close()), so nothing keeps the process alive. */
  async stop(): Promise<void> {
    if (!this.#running && !this.#nfc) return;
    this.#running = false;
    clearInterval(this.#healthTimer);
    if (this.#recoverTimer) {
      clearTimeout(this.#recoverTimer.timer);
      this.#recoverTimer.wake();
    }
    await this.#recovering;
    await Promise.allSettled([...this.#reads]);
    // A card that left just before stop did leave: say so rather than drop it.
    for (const pending of this.#pendingRemovals.values()) {
      clearTimeout(pending.timer);
      this.#bus.emit('removed', { uid: pending.uid, reader: pending.reader, at: pending.at });
    }
    this.#pendingRemovals.clear();
    this.#present.clear(); // no removal for these: the reader stopped, the card did not leave
    this.#teardown();
    this.#state = 'no-reader';
    this.#log.info('pcsc reader stopped');
  }

  #attach(reader: NfcReaderLike): void {
    const name = reader.name;
    this.#allReaders.add(reader);
    // Listen for errors on every reader, SAM slots too: an unhandled one would kill the process.
    reader.on('error', (error) => {
      if (!this.#running) return;
      this.#fault(`reader "${name}": ${describeNfcError(error)}`, error);
    });
    // nfc-pcsc reports a failed connect to the card with `this.emit(err)`, i.e. an event *named*
    // by the error object, which nobody can listen to. Route those to a fault instead of losing them.
    const emit = reader.emit.bind(reader);
    reader.emit = ((event: unknown, ...args: unknown[]) => {
      if (event instanceof Error) {
        if (this.#running) this.#fault(`reader "${name}": ${describeNfcError(event)}`, event);
        return true;
      }
      return emit(event as string | symbol, ...args);
    }) as NfcReaderLike['emit'];

    // Every reader: no GET UID by nfc-pcsc (ISO 14443-4 cards would get none); card-data.ts does it.
    reader.autoProcessing = false;
    if (SAM_SLOT.test(name)) {
      // A SAM slot holds a secure-access module, never a member's card; don't process it.
      reader.on('end', () => this.#allReaders.delete(reader));
      this.#log.info({ reader: name }, 'pcsc: ignoring SAM slot');
      return;
    }

    reader.on('card', (card) => this.#onCard(reader, card));
    reader.on('card.off', () => this.#onCardOff(name));
    reader.on('end', () => this.#onReaderEnd(reader));

    this.#readers.set(name, reader);
    this.#slots.set(name, { reading: false, leftDuringRead: undefined });
    this.#log.info({ reader: name }, 'pcsc: reader attached');
    if (!this.#monitoringLost) this.#setState('ready');
    this.#onFirstReader?.();
  }

  #onCard(reader: NfcReaderLike, card: NfcCard): void {
    // The moment nfc-pcsc reported the card: the tap's time, before any of our own work.
    const at = new Date();
    if (!this.#running) return;
    const slot = this.#slots.get(reader.name);
    if (!slot) return;
    slot.reading = true;
    slot.leftDuringRead = undefined;
    const work = this.#read(reader, slot, card, at).finally(() => {
      slot.reading = false;
      this.#reads.delete(work);
    });
    this.#reads.add(work);
  }

  async #read(reader: NfcReaderLike, slot: ReaderSlot, card: NfcCard, at: Date): Promise<void> {
    const name = reader.name;
    let read: CardRead;
    try {
      read = await readCard((apdu, max) => reader.transmit(apdu, max), card.atr);
    } catch (error) {
      if (!this.#running) return;
      this.#fault(`reader "${name}": card not read: ${describeNfcError(error)}`, error);
      if (!slot.leftDuringRead) await this.#signal(reader, 'error');
      return;
    }
    if (!this.#running) return;
    const parsed = CardUid.safeParse(read.uid);
    if (!parsed.success) {
      this.#fault(
        `reader "${name}": card UID ${JSON.stringify(read.uid)} refused: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
      );
      await this.#signal(reader, 'error');
      return;
    }
    const uid = parsed.data;
    if (read.dataProblem)
      this.#log.info({ uid, reader: name, problem: read.dataProblem }, 'pcsc: card data unusable');
    const pending = this.#pendingRemovals.get(uid);
    if (pending) {
      // Back within the debounce window: the same presence, not a new tap.
      clearTimeout(pending.timer);
      this.#pendingRemovals.delete(uid);
      this.#present.set(name, uid);
      this.#log.debug(
        { uid, reader: name, gapMs: at.getTime() - pending.at.getTime() },
        'pcsc: card bounce ignored',
      );
    } else {
      const atr = card.atr && card.atr.length > 0 ? card.atr.toString('hex').toUpperCase() : undefined;
      const data: TapCardData = {
        family: read.family,
        ...(read.proof ? { proof: read.proof } : {}),
        ...(read.dataProblem ? { dataProblem: read.dataProblem } : {}),
      };
      this.#present.set(name, uid);
      this.#log.debug({ uid, reader: name, atr, family: read.family, proof: read.proof?.kind }, 'pcsc: tap');
      this.#bus.emit('tap', { uid, reader: name, at, ...(atr ? { atr } : {}), card: data });
      if (!slot.leftDuringRead) await this.#signal(reader, 'success');
    }
    // The card left while it was being read: that presence is over too.
    if (slot.leftDuringRead) this.#onCardOff(name, slot.leftDuringRead);
  }

  /** Beep/LED where the reader has them; a failure here never matters to the tap. */
  async #signal(reader: NfcReaderLike, kind: FeedbackKind): Promise<void> {
    if (!this.#feedback) return;
    for (const command of feedbackCommands(readerModel(reader.name), kind)) {
      try {
        if (command.via === 'transmit') await reader.transmit(command.bytes, 2);
        else if (reader.control) await reader.control(command.bytes, 2);
      } catch (error) {
        this.#log.debug(
          { reader: reader.name, err: describeNfcError(error) },
          'pcsc: reader feedback failed',
        );
        return;
      }
    }
  }

  #onCardOff(reader: string, when?: Date): void {
    const at = when ?? new Date();
    const slot = this.#slots.get(reader);
    if (slot?.reading && !when) {
      slot.leftDuringRead = at;
      return;
    }
    const uid = this.#present.get(reader);
    this.#present.delete(reader);
    // No tap was emitted for this presence (unreadable card): nothing to close.
    if (!this.#running || uid === undefined) return;
    if (this.#debounceMs === 0) {
      this.#bus.emit('removed', { uid, reader, at });
      return;
    }
    const previous = this.#pendingRemovals.get(uid);
    if (previous) clearTimeout(previous.timer);
    const timer = setTimeout(() => {
      this.#pendingRemovals.delete(uid);
      if (this.#running) this.#bus.emit('removed', { uid, reader, at });
    }, this.#debounceMs);
    this.#pendingRemovals.set(uid, { timer, uid, reader, at });
  }

  #onReaderEnd(reader: NfcReaderLike): void {
    const name = reader.name;
    this.#allReaders.delete(reader);
    if (!this.#running || this.#readers.get(name) !== reader) return;
    this.#readers.delete(name);
    this.#slots.delete(name);
    const uid = this.#present.get(name);
    this.#present.delete(name);
    // The reader went away with a card on it (unplugged): that presence is over.
    if (uid !== undefined) this.#bus.emit('removed', { uid, reader: name, at: new Date() });
    this.#log.warn({ reader: name }, 'pcsc: reader removed');
    // After pcscd went away its readers end too; 'unavailable' says more than 'no-reader' then.
    if (this.#readers.size === 0) this.#setState(this.#monitoringLost ? 'unavailable' : 'no-reader');
  }

  /** Records the state and emits it when it changed (or `announce`), except while starting. */
  #setState(state: ReaderState, announce = false): void {
    const changed = state !== this.#state;
    this.#state = state;
    if (!this.#starting && (changed || announce)) this.#bus.emit('state', state);
  }

  #fault(message: string, cause?: unknown): void {
    this.#log.warn({ err: cause === undefined ? undefined : describeNfcError(cause) }, message);
    this.#bus.emit('fault', cause === undefined ? { message } : { message, cause });
  }

  #nfcLogger(): NfcLogger {
    const log = this.#log.child({ component: 'nfc-pcsc' });
    const trace = (...args: unknown[]) => {
      if (log.isLevelEnabled('trace'))
        log.trace({ args: args.map((a) => (Buffer.isBuffer(a) ? a.toString('hex') : a)) }, 'nfc-pcsc');
    };
    return { log: trace, debug: trace, info: trace, warn: trace, error: trace };
  }
}
