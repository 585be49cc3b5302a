import { CardUid, type ReaderState } from '@bashgah/protocol';
import type { CardReader, CardReaderEvents } from './card-reader.js';

/** The part of the agent's bus a reader needs; any EventBus whose events include the reader's fits. */
export interface ReaderEventSink {
  emit<K extends keyof CardReaderEvents>(event: K, payload: CardReaderEvents[K]): void;
}

export interface SimReaderOptions {
  bus: ReaderEventSink;
  /** How long the simulated card stays in the field before `removed`. */
  removeAfterMs?: number;
}

/**
 * A reader without hardware: taps come from `tap()` (the simulator API, tests, demos). It emits
 * exactly what a real reader would, so everything downstream runs unchanged.
 */
export class SimReader implements CardReader {
  readonly kind = 'sim' as const;
  readonly #bus: ReaderEventSink;
  readonly #removeAfterMs: number;
  readonly #timers = new Set<NodeJS.Timeout>();

  constructor(options: SimReaderOptions) {
    this.#bus = options.bus;
    this.#removeAfterMs = options.removeAfterMs ?? 300;
  }

  state(): ReaderState {
    return 'simulated';
  }

  async start(): Promise<void> {
    this.#bus.emit('state', 'simulated');
  }

  async stop(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  /** Presents a card. Throws on a UID no real card could have, so bad input never reaches the bus. */
  tap(uid: string): string {
    const parsed = CardUid.safeParse(uid);
    if (!parsed.success) {
      throw new Error(`simulated tap refused: ${parsed.error.issues[0]?.message ?? 'invalid card UID'}`);
    }
    const cardUid = parsed.data;
    this.#bus.emit('tap', { uid: cardUid, reader: 'simulator', at: new Date() });
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.#bus.emit('removed', { uid: cardUid, reader: 'simulator', at: new Date() });
    }, this.#removeAfterMs);
    this.#timers.add(timer);
    return cardUid;
  }
}
