import type { SignupResponse } from '@bashgah/protocol';
import { ApiRequestError, type KioskApi } from '../api/client.js';
import { applyKey, type KeyAction } from '../lib/keypad.js';
import { checkMobile } from '../lib/phone.js';

export type SignupStep =
  | 'phone'
  | 'code'
  | 'name'
  | 'birthday'
  | 'referral'
  | 'consent'
  | 'card'
  | 'tap-wait'
  | 'working'
  | 'done';

/** The steps a shopper walks through, in order, for the "step n of N" line. */
export const FORM_STEPS: readonly SignupStep[] = [
  'phone',
  'code',
  'name',
  'birthday',
  'referral',
  'consent',
  'card',
];

/** Messages the flow can show; the screen maps each to the catalogue. */
export type SignupNotice =
  | 'phone-invalid'
  | 'code-sent'
  | 'code-wrong'
  | 'too-soon'
  | 'phone-taken'
  | 'offline'
  | 'failed'
  | 'card-taken'
  | 'no-card';

/**
 * Self-signup, one step at a time. Nothing leaves the kiosk until the shopper asks for the code
 * (phone) and finishes (everything else); the code is checked by the server at the end, and a
 * wrong code brings the shopper back to the code step with the rest kept.
 */
export class SignupFlow {
  step = $state<SignupStep>('phone');
  phone = $state('');
  code = $state('');
  name = $state('');
  nameLayout = $state<'fa' | 'en'>('fa');
  birthday = $state<string | undefined>(undefined);
  referral = $state('');
  terms = $state(false);
  marketing = $state(false);
  showRules = $state(false);
  notice = $state<SignupNotice | null>(null);
  busy = $state(false);
  result = $state.raw<SignupResponse | null>(null);
  #abort = new AbortController();

  constructor(
    private readonly api: Pick<KioskApi, 'signupOtp' | 'signup'>,
    readonly lang: () => 'fa' | 'en',
  ) {
    this.nameLayout = lang();
  }

  get stepNumber(): number {
    return Math.max(1, FORM_STEPS.indexOf(this.step) + 1);
  }

  key(field: 'phone' | 'code' | 'name' | 'referral', key: KeyAction): void {
    this.notice = null;
    if (field === 'phone') this.phone = applyKey(this.phone, key, { maxLength: 11, digitsOnly: true });
    else if (field === 'code') this.code = applyKey(this.code, key, { maxLength: 6, digitsOnly: true });
    else if (field === 'referral')
      this.referral = applyKey(this.referral, key, { maxLength: 12, digitsOnly: true });
    else this.name = applyKey(this.name, key, { maxLength: 60 });
  }

  #fail(err: unknown): void {
    const code = err instanceof ApiRequestError ? err.code : 'failed';
    this.notice =
      code === 'otp-too-soon' || code === 'otp-locked'
        ? 'too-soon'
        : code === 'phone-taken'
          ? 'phone-taken'
          : code === 'offline' || code === 'network'
            ? 'offline'
            : code === 'otp-invalid'
              ? 'code-wrong'
              : code === 'card-taken'
                ? 'card-taken'
                : code === 'no-card'
                  ? 'no-card'
                  : 'failed';
  }

  async sendCode(): Promise<void> {
    const check = checkMobile(this.phone);
    if (!check.ok) {
      this.notice = 'phone-invalid';
      return;
    }
    this.busy = true;
    try {
      await this.api.signupOtp(check.phone, this.#abort.signal);
      this.phone = check.phone;
      this.code = '';
      this.step = 'code';
      this.notice = 'code-sent';
    } catch (err) {
      if (this.#abort.signal.aborted) return;
      this.#fail(err);
    } finally {
      this.busy = false;
    }
  }

  next(): void {
    this.notice = null;
    switch (this.step) {
      case 'code':
        if (this.code.length === 6) this.step = 'name';
        break;
      case 'name':
        if (this.name.trim()) this.step = 'birthday';
        break;
      case 'birthday':
        this.step = 'referral';
        break;
      case 'referral':
        this.step = 'consent';
        break;
      case 'consent':
        if (this.terms) this.step = 'card';
        break;
      default:
        break;
    }
  }

  back(): void {
    this.notice = null;
    const i = FORM_STEPS.indexOf(this.step);
    if (i > 0) this.step = FORM_STEPS[i - 1]!;
  }

  async finish(card: 'tap' | 'slip'): Promise<void> {
    if (!this.terms) return;
    this.notice = null;
    this.step = card === 'tap' ? 'tap-wait' : 'working';
    try {
      this.result = await this.api.signup(
        {
          phone: this.phone,
          code: this.code,
          name: this.name.trim(),
          ...(this.birthday ? { birthday: this.birthday } : {}),
          ...(this.referral ? { referralCode: this.referral } : {}),
          consent: { terms: true, marketing: this.marketing },
          card,
          lang: this.lang(),
        },
        this.#abort.signal,
      );
      this.step = 'done';
    } catch (err) {
      if (this.#abort.signal.aborted) return;
      this.#fail(err);
      this.step = this.notice === 'code-wrong' ? 'code' : this.notice === 'phone-taken' ? 'phone' : 'card';
    }
  }

  dispose(): void {
    this.#abort.abort();
  }
}
