/**
 * A typed event bus in the manner of Zigbee2MQTT's: each module subscribes to what it needs, and
 * a throwing listener is logged and isolated so one faulty module cannot stop the others (or kill
 * the process, as an unhandled 'error' on a Node EventEmitter would).
 */
export type Listener<T> = (payload: T) => void | Promise<void>;

export type BusErrorSink = (event: string, error: unknown) => void;

export class EventBus<Events extends Record<string, unknown>> {
  readonly #listeners = new Map<keyof Events, Set<Listener<never>>>();
  readonly #onError: BusErrorSink;

  constructor(onError: BusErrorSink) {
    this.#onError = onError;
  }

  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    let set = this.#listeners.get(event);
    if (!set) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(listener as Listener<never>);
    return () => set.delete(listener as Listener<never>);
  }

  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const set = this.#listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        const result = (listener as Listener<Events[K]>)(payload);
        if (result instanceof Promise) result.catch((error) => this.#onError(String(event), error));
      } catch (error) {
        this.#onError(String(event), error);
      }
    }
  }

  listenerCount(event: keyof Events): number {
    return this.#listeners.get(event)?.size ?? 0;
  }
}
