/**
 * Inactivity timer, free of DOM and Svelte so it can be unit-tested with fake timers.
 *
 * It runs only while armed (a member or unknown-card screen is showing). `touch()` restarts the
 * countdown if armed and does nothing otherwise; when the countdown ends the timer disarms itself
 * and calls `onIdle` once.
 */

export interface TimerHost {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const defaultHost: TimerHost = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
};

export const DEFAULT_IDLE_MS = 30_000;

export class IdleTimer {
  #handle: unknown = undefined;
  #armed = false;

  constructor(
    private readonly onIdle: () => void,
    readonly timeoutMs: number = DEFAULT_IDLE_MS,
    private readonly host: TimerHost = defaultHost,
  ) {
    if (!(timeoutMs > 0)) throw new RangeError(`idle timeout must be positive, got ${timeoutMs}`);
  }

  get armed(): boolean {
    return this.#armed;
  }

  /** Start (or restart) the countdown. */
  arm(): void {
    this.#clear();
    this.#armed = true;
    this.#handle = this.host.setTimeout(() => {
      this.#handle = undefined;
      this.#armed = false;
      this.onIdle();
    }, this.timeoutMs);
  }

  /** Any user activity: restart the countdown if it is running. Returns whether it was. */
  touch(): boolean {
    if (!this.#armed) return false;
    this.arm();
    return true;
  }

  disarm(): void {
    this.#clear();
    this.#armed = false;
  }

  #clear(): void {
    if (this.#handle !== undefined) this.host.clearTimeout(this.#handle);
    this.#handle = undefined;
  }
}
