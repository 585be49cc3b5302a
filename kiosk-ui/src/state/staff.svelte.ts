import type { StaffPrintResponse } from '@bashgah/protocol';
import { ApiRequestError, type StaffClient } from '../api/client.js';
import { applyKey, type KeyAction } from '../lib/keypad.js';

export type StaffView = 'menu' | 'purchase';

/** Largest purchase staff may key in, in Toman (a typo guard, not a business rule). */
export const MAX_PURCHASE_TOMAN = 1_000_000_000;

/**
 * The staff panel's local state: what is typed (PIN, amount) and the outcome of the last action.
 * The agent holds the real staff state (PIN verified, idle close); this class only drives the calls.
 * A keystroke tells the agent staff are still busy, at most every few seconds.
 */
export class StaffFlow {
  pin = $state('');
  amount = $state('');
  view = $state<StaffView>('menu');
  busy = $state(false);
  /** The last refusal's code (wrong PIN, locked, not the member on screen, …). */
  error = $state<string | null>(null);
  /** A purchase sent; its verdict comes as an `action` event with this id. */
  purchaseEventId = $state<string | null>(null);
  print = $state<StaffPrintResponse['print'] | null>(null);
  #lastTouch = 0;
  #abort = new AbortController();

  constructor(
    private readonly api: StaffClient,
    private readonly now: () => number = () => Date.now(),
  ) {}

  keyPin(key: KeyAction): void {
    this.error = null;
    this.pin = applyKey(this.pin, key, { maxLength: 8, digitsOnly: true });
  }

  keyAmount(key: KeyAction): void {
    this.error = null;
    this.amount = applyKey(this.amount, key, { maxLength: 10, digitsOnly: true }).replace(/^0+/, '');
    this.#keepOpen();
  }

  get amountValid(): boolean {
    const n = Number(this.amount);
    return Number.isSafeInteger(n) && n > 0 && n <= MAX_PURCHASE_TOMAN;
  }

  /** A touch anywhere on the panel: staff are still there. */
  activity(): void {
    this.#keepOpen();
  }

  async submitPin(): Promise<void> {
    if (this.pin.length < 4 || this.busy) return;
    await this.#run(() => this.api.pin(this.pin));
    // Never keep a PIN around, right or wrong.
    this.pin = '';
  }

  show(view: StaffView): void {
    this.view = view;
    this.error = null;
    this.print = null;
    if (view === 'purchase') {
      this.amount = '';
      this.purchaseEventId = null;
    }
    this.#keepOpen();
  }

  async submitPurchase(memberId: string): Promise<void> {
    if (!this.amountValid || this.busy) return;
    const amount = Number(this.amount);
    await this.#run(async () => {
      const { eventId } = await this.api.purchase(memberId, amount, this.#abort.signal);
      this.purchaseEventId = eventId;
      this.amount = '';
    });
  }

  card(memberId: string, replace: boolean): Promise<void> {
    return this.#run(() => this.api.card(memberId, replace));
  }

  cancelCard(): Promise<void> {
    return this.#run(() => this.api.cancelCard());
  }

  reprint(): Promise<void> {
    this.print = null;
    return this.#run(async () => {
      this.print = (await this.api.reprint()).print;
    });
  }

  testPage(): Promise<void> {
    this.print = null;
    return this.#run(async () => {
      this.print = (await this.api.testPage()).print;
    });
  }

  close(): void {
    this.pin = '';
    this.amount = '';
    void this.api.close();
  }

  dispose(): void {
    this.#abort.abort();
    this.pin = '';
  }

  async #run(fn: () => Promise<unknown>): Promise<void> {
    this.busy = true;
    this.error = null;
    try {
      await fn();
    } catch (err) {
      if (this.#abort.signal.aborted) return;
      this.error = err instanceof ApiRequestError ? err.code : 'unknown';
    } finally {
      this.busy = false;
    }
  }

  #keepOpen(): void {
    const now = this.now();
    if (now - this.#lastTouch < 5_000) return;
    this.#lastTouch = now;
    void this.api.touch().catch(() => undefined);
  }
}
