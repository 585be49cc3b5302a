import type {
  CheckinRequest,
  CheckinResponse,
  ClaimRequest,
  ClaimResponse,
  KioskEvent,
  KioskState as KioskStateT,
  QueuedResponse,
  SignupOtpResponse,
  SignupRequest,
  SignupResponse,
  StaffPrintResponse,
  StaffState,
  SurveyRequest,
} from '@bashgah/protocol';
import {
  parseApiError,
  parseCheckinResponse,
  parseClaimResponse,
  parseKioskEvent,
  parseKioskState,
  parseQueuedResponse,
  parseSignupResponse,
  parseStaffPrintResponse,
  parseStaffState,
} from './guards.js';

/**
 * Typed client of the device agent's local API (same origin as the kiosk). Every answer is checked
 * against the protocol's shapes (guards.ts: the schemas' rules without zod's weight on first load): a kiosk that renders a half-understood payload is worse than one
 * that says it lost the agent.
 */

export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiRequestError';
  }
}

export interface KioskApi {
  getState(signal?: AbortSignal): Promise<KioskStateT>;
  checkin(memberId: string, signal?: AbortSignal): Promise<CheckinResponse>;
  claim(req: ClaimRequest, signal?: AbortSignal): Promise<ClaimResponse>;
  signupOtp(phone: string, signal?: AbortSignal): Promise<SignupOtpResponse>;
  /** With `card: 'tap'` this resolves only once the new card has been presented. */
  signup(req: SignupRequest, signal?: AbortSignal): Promise<SignupResponse>;
  /** Tells the agent the shopper is done, so it drops the member's session at once. */
  endSession(): Promise<void>;
  survey(req: SurveyRequest, signal?: AbortSignal): Promise<QueuedResponse>;
  staff: StaffClient;
  /** URL of the Server-Sent Events stream. */
  readonly eventsUrl: string;
}

/** Staff mode calls; the agent checks each against its own staff state (PIN, idle close). */
export interface StaffClient {
  pin(pin: string): Promise<StaffState>;
  touch(): Promise<StaffState>;
  close(): Promise<void>;
  purchase(memberId: string, amountToman: number, signal?: AbortSignal): Promise<QueuedResponse>;
  card(memberId: string, replace: boolean): Promise<StaffState>;
  cancelCard(): Promise<StaffState>;
  reprint(): Promise<StaffPrintResponse>;
  testPage(): Promise<StaffPrintResponse>;
}

type Fetch = typeof fetch;

export function createApi(base = '', fetchImpl: Fetch = (...a) => fetch(...a)): KioskApi {
  async function call<T>(path: string, init: RequestInit, parse: (v: unknown) => T): Promise<T> {
    let res: Response;
    try {
      res = await fetchImpl(`${base}${path}`, {
        ...init,
        headers: { accept: 'application/json', ...(init.body ? { 'content-type': 'application/json' } : {}) },
      });
    } catch (err) {
      if (err instanceof DOMException && err.name === 'AbortError') throw err;
      throw new ApiRequestError(0, 'network', err instanceof Error ? err.message : String(err));
    }
    const body: unknown = await res.json().catch(() => undefined);
    if (!res.ok) {
      let e: ReturnType<typeof parseApiError> | undefined;
      try {
        e = parseApiError(body);
      } catch {}
      throw e
        ? new ApiRequestError(res.status, e.error.code, e.error.message)
        : new ApiRequestError(res.status, 'http', `HTTP ${res.status}`);
    }
    try {
      return parse(body);
    } catch (err) {
      throw new ApiRequestError(res.status, 'bad-response', err instanceof Error ? err.message : String(err));
    }
  }

  return {
    eventsUrl: `${base}/api/events`,
    getState: (signal) => call('/api/state', { method: 'GET', signal: signal ?? null }, parseKioskState),
    checkin: (memberId, signal) => {
      const body: CheckinRequest = { memberId };
      return call(
        '/api/checkin',
        { method: 'POST', body: JSON.stringify(body), signal: signal ?? null },
        parseCheckinResponse,
      );
    },
    claim: (req, signal) =>
      call(
        '/api/claim',
        { method: 'POST', body: JSON.stringify(req), signal: signal ?? null },
        parseClaimResponse,
      ),
    signupOtp: (phone, signal) =>
      call(
        '/api/signup/otp',
        { method: 'POST', body: JSON.stringify({ phone }), signal: signal ?? null },
        (v) => v as SignupOtpResponse,
      ),
    signup: (req, signal) =>
      call(
        '/api/signup',
        { method: 'POST', body: JSON.stringify(req), signal: signal ?? null },
        parseSignupResponse,
      ),
    endSession: async () => {
      await fetchImpl(`${base}/api/session/end`, { method: 'POST', keepalive: true }).catch(() => undefined);
    },
    survey: (req, signal) =>
      call(
        '/api/survey',
        { method: 'POST', body: JSON.stringify(req), signal: signal ?? null },
        parseQueuedResponse,
      ),
    staff: {
      pin: (pin) =>
        call('/api/staff/pin', { method: 'POST', body: JSON.stringify({ pin }) }, parseStaffState),
      touch: () => call('/api/staff/touch', { method: 'POST' }, parseStaffState),
      close: async () => {
        await fetchImpl(`${base}/api/staff/close`, { method: 'POST', keepalive: true }).catch(
          () => undefined,
        );
      },
      purchase: (memberId, amountToman, signal) =>
        call(
          '/api/staff/purchase',
          { method: 'POST', body: JSON.stringify({ memberId, amountToman }), signal: signal ?? null },
          parseQueuedResponse,
        ),
      card: (memberId, replace) =>
        call(
          '/api/staff/card',
          { method: 'POST', body: JSON.stringify({ memberId, replace }) },
          parseStaffState,
        ),
      cancelCard: () => call('/api/staff/card/cancel', { method: 'POST' }, parseStaffState),
      reprint: () => call('/api/staff/reprint', { method: 'POST' }, parseStaffPrintResponse),
      testPage: () => call('/api/staff/test-page', { method: 'POST' }, parseStaffPrintResponse),
    },
  };
}

/** Parses one SSE message; `undefined` (and a console warning) for anything off-contract. */
export function parseEvent(data: string): KioskEvent | undefined {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    console.warn('kiosk: SSE data is not JSON', data.slice(0, 200));
    return undefined;
  }
  try {
    return parseKioskEvent(json);
  } catch (err) {
    console.warn('kiosk: SSE event does not match the protocol', err instanceof Error ? err.message : err);
    return undefined;
  }
}
