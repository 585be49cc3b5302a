import { DEFAULT_IDLE_MS, IdleTimer, type TimerHost } from './idle-timer.js';

/**
 * Reactive face of the inactivity timer. `generation` changes on every (re)start so the UI can
 * restart its countdown bar; `armed` says whether a countdown is running.
 */
export class IdleWatch {
  armed = $state(false);
  generation = $state(0);
  readonly timeoutMs: number;
  #timer: IdleTimer;

  constructor(onIdle: () => void, timeoutMs: number = DEFAULT_IDLE_MS, host?: TimerHost) {
    this.timeoutMs = timeoutMs;
    this.#timer = new IdleTimer(
      () => {
        this.armed = false;
        onIdle();
      },
      timeoutMs,
      host,
    );
  }

  start(): void {
    this.#timer.arm();
    this.armed = true;
    this.generation++;
  }

  touch(): void {
    if (this.#timer.touch()) this.generation++;
  }

  stop(): void {
    this.#timer.disarm();
    this.armed = false;
  }
}
