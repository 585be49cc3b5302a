import type { SignupOtpResponse, SignupRequest, SignupResponse } from '@bashgah/protocol';
import type { Logger } from 'pino';
import { HttpError } from '../api/errors.js';
import type { Lang } from '../hardware/printer/index.js';
import { type RpcClient, RpcError } from '../link/rpc-client.js';
import type { PrintService } from '../print/print-service.js';
import type { TapSession } from '../session/tap-session.js';

export interface SignupOptions {
  rpc: Pick<RpcClient, 'call'>;
  session: TapSession;
  print: PrintService;
  logger: Logger;
  rpcTimeoutMs: number;
  /** How long "tap your new card" waits. */
  cardWaitMs?: number;
}

/** Statuses for the server's business refusals: the kiosk branches on `code`. */
const REFUSAL_STATUS: Record<string, 409 | 422 | 429> = {
  'otp-too-soon': 429,
  'otp-locked': 429,
  'phone-taken': 409,
  'card-taken': 409,
};

/**
 * Self-signup at the kiosk. It needs the server (the SMS code is checked there), so these calls go
 * over MQTT request/response rather than the outbox; offline, the kiosk says signup is unavailable
 * rather than pretending. With `card: 'tap'` the next card presented is bound to the new member
 * and then looked up like any tap, so the kiosk lands on the new member's home screen.
 */
export class SignupAction {
  readonly #o: SignupOptions;
  readonly #log: Logger;

  constructor(options: SignupOptions) {
    this.#o = options;
    this.#log = options.logger.child({ module: 'signup' });
  }

  /** An unreachable server becomes one clear 503 for the kiosk. */
  async #online<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof RpcError) {
        throw new HttpError(
          503,
          'offline',
          'signup needs the club server, which cannot be reached right now; please try again later',
        );
      }
      throw error;
    }
  }

  async requestOtp(phone: string): Promise<SignupOtpResponse> {
    const r = await this.#online(() => this.#o.rpc.call('signup.otp', { phone }, this.#o.rpcTimeoutMs * 3));
    if (!r.ok) throw new HttpError(REFUSAL_STATUS[r.code] ?? 422, r.code, r.message);
    return { sent: true, retryAfterSeconds: r.retryAfterSeconds };
  }

  async signup(req: SignupRequest, lang: Lang, signal?: AbortSignal): Promise<SignupResponse> {
    let tap: Awaited<ReturnType<TapSession['captureNextTap']>> | undefined;
    if (req.card === 'tap') {
      this.#log.info('signup: waiting for the new card');
      try {
        tap = await this.#o.session.captureNextTap(this.#o.cardWaitMs ?? 90_000, signal);
      } catch (error) {
        this.#log.info({ err: error }, 'signup: no card');
        throw new HttpError(408, 'no-card', (error as Error).message);
      }
      this.#log.info({ cardUid: tap.uid }, 'signup: card presented');
    }
    const { card: _card, ...form } = req;
    const params = { ...form, ...(tap ? { cardUid: tap.uid } : {}) };
    const r = await this.#online(() => this.#o.rpc.call('signup.complete', params, this.#o.rpcTimeoutMs * 3));
    if (!r.ok) throw new HttpError(REFUSAL_STATUS[r.code] ?? 422, r.code, r.message);
    this.#log.info({ memberId: r.memberId, card: Boolean(tap) }, 'member signed up');
    let printed: boolean | undefined;
    if (tap) {
      // Show the new member's home screen, exactly as a tap of the new card would.
      await this.#o.session.handleTap(tap);
    } else {
      printed =
        (await this.#o.print.printWelcome(
          { memberNumber: r.number, displayName: req.name, qrData: `bashgah:member:${r.number}` },
          lang,
        )) === 'printed';
    }
    return {
      memberId: r.memberId,
      number: r.number,
      welcomePoints: r.welcomePoints,
      ...(tap ? { cardUid: tap.uid } : {}),
      ...(printed === undefined ? {} : { printed }),
    };
  }
}
