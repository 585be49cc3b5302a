import type {
  KioskActionEvent,
  KioskEvent,
  KioskPrinter,
  KioskSession,
  KioskState,
  ReaderState,
  StaffState,
} from '@bashgah/protocol';
import { SvelteMap } from 'svelte/reactivity';
import { type KioskApi, parseEvent } from '../api/client.js';
import { backoffDelay } from './backoff.js';
import { type CheckinOutcome, remember } from './checkin-view.js';

/** The kiosk's link to its own device agent (not the agent's link to the server: that is `online`). */
export type AgentLink = 'connecting' | 'open' | 'lost';

const IDLE: KioskSession = { kind: 'idle' };
const EVENT_TYPES: readonly KioskEvent['type'][] = [
  'state',
  'session',
  'checkin',
  'claim',
  'reload',
  'action',
  'staff',
];
const STAFF_CLOSED: StaffState = { phase: 'closed' };

export type ClaimEvent = Extract<KioskEvent, { type: 'claim' }>;
export type CheckinEvent = Extract<KioskEvent, { type: 'checkin' }>;

function sessionKey(s: KioskSession): string | null {
  return s.kind === 'idle' ? null : `${s.kind}:${s.tappedAt}`;
}

/**
 * Mirror of the agent's KioskState: loaded from GET /api/state, kept fresh by the SSE stream, and
 * re-synced on every (re)connect. The EventSource is reopened with backoff whenever the browser
 * gives up on it (agent restarted, non-200 answer).
 */
export class KioskStore {
  /** Last full state from the agent; null until the first answer. */
  state = $state.raw<KioskState | null>(null);
  link = $state<AgentLink>('connecting');
  /** Recent check-in outcomes by event id. */
  readonly checkins = new SvelteMap<string, CheckinOutcome>();
  /** Reward claims' progress by event id (queued → verdict with voucher → print outcome). */
  readonly claims = new SvelteMap<string, ClaimEvent>();
  /** Survey answers' and staff actions' progress by event id. */
  readonly actions = new SvelteMap<string, KioskActionEvent>();
  /** The newest check-in event of the session on screen (the automatic one at tap). */
  lastCheckin = $state.raw<CheckinEvent | null>(null);

  /** The session to show: the agent's, unless the shopper (or the idle timer) already closed it. */
  readonly session: KioskSession = $derived.by(() => {
    const s = this.state?.session ?? IDLE;
    return this.#dismissed !== null && sessionKey(s) === this.#dismissed ? IDLE : s;
  });
  readonly online: boolean = $derived(this.state?.online ?? false);
  readonly reader: ReaderState | undefined = $derived(this.state?.reader);
  readonly outboxDepth: number = $derived(this.state?.outboxDepth ?? 0);
  /** An operator has taken the kiosk out of service. */
  readonly maintenance: boolean = $derived(this.state?.maintenance ?? false);
  readonly printer: KioskPrinter | undefined = $derived(this.state?.printer);
  /** Staff mode as the agent has it; `closed` on agents without staff cards. */
  readonly staff: StaffState = $derived(this.state?.staff ?? STAFF_CLOSED);

  #dismissed = $state<string | null>(null);
  #source: EventSource | null = null;
  #attempt = 0;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #eventSeq = 0;
  #stopped = true;

  constructor(
    private readonly api: KioskApi,
    private readonly openStream: (url: string) => EventSource = (url) => new EventSource(url),
  ) {}

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#connect();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#retry);
    this.#source?.close();
    this.#source = null;
  }

  /**
   * Close the current member/unknown-card session on this screen and drop what it showed. Only the
   * session's key is kept, so a later resync of the same tap does not bring it back.
   */
  dismiss(): void {
    const s = this.state?.session;
    if (s) this.#dismissed = sessionKey(s);
    const hadSession = this.state !== null && this.state.session.kind !== 'idle';
    if (this.state && hadSession) this.state = { ...this.state, session: IDLE };
    this.checkins.clear();
    this.claims.clear();
    this.actions.clear();
    this.lastCheckin = null;
    // The agent drops the member too, so nothing of theirs outlives the screen.
    if (hadSession) void this.api.endSession();
  }

  outcome = (eventId: string): CheckinOutcome | undefined => this.checkins.get(eventId);

  apply(event: KioskEvent): void {
    this.#eventSeq++;
    switch (event.type) {
      case 'state':
        this.#setState(event.state);
        break;
      case 'session':
        if (this.state) this.#setState({ ...this.state, session: event.session });
        else void this.#resync();
        break;
      case 'checkin':
        remember(this.checkins, event.eventId, event);
        this.lastCheckin = event;
        break;
      case 'claim': {
        // Later steps keep what earlier ones said (the voucher stays when the print outcome comes).
        const prior = this.claims.get(event.eventId);
        this.claims.set(event.eventId, prior ? { ...prior, ...event } : event);
        break;
      }
      case 'reload':
        // The operator's reload-ui command: pick up a new build or clear a stuck screen.
        globalThis.location?.reload();
        break;
      case 'action':
        this.actions.set(event.eventId, { ...this.actions.get(event.eventId), ...event });
        break;
      case 'staff':
        if (this.state) this.state = { ...this.state, staff: event.staff };
        else void this.#resync();
        break;
    }
  }

  #setState(next: KioskState): void {
    // A new tap (different key) clears an earlier dismissal.
    if (this.#dismissed !== null && sessionKey(next.session) !== this.#dismissed) this.#dismissed = null;
    const prev = this.state?.session;
    const memberOf = (s: KioskSession | undefined) => (s?.kind === 'member' ? s.member.id : null);
    if (memberOf(prev) !== memberOf(next.session)) {
      this.lastCheckin = null;
      this.claims.clear();
      this.actions.clear();
    }
    this.state = next;
  }

  #connect(): void {
    if (this.#stopped) return;
    this.link = this.#attempt === 0 ? 'connecting' : 'lost';
    const es = this.openStream(this.api.eventsUrl);
    this.#source = es;
    es.onopen = () => {
      this.#attempt = 0;
      this.link = 'open';
      void this.#resync();
    };
    for (const type of EVENT_TYPES) {
      es.addEventListener(type, (e) => {
        const ev = parseEvent((e as MessageEvent<string>).data);
        if (ev) this.apply(ev);
      });
    }
    es.onerror = () => {
      // The browser retries by itself while CONNECTING; CLOSED means it gave up, so we take over.
      this.link = 'lost';
      if (es.readyState === EventSource.CLOSED) {
        es.close();
        if (this.#source === es) this.#source = null;
        const delay = backoffDelay(this.#attempt++);
        this.#retry = setTimeout(() => this.#connect(), delay);
      }
    };
  }

  async #resync(): Promise<void> {
    const seq = this.#eventSeq;
    try {
      const fresh = await this.api.getState();
      // An SSE event arrived meanwhile: its session is newer than this snapshot's.
      if (seq !== this.#eventSeq && this.state) this.#setState({ ...fresh, session: this.state.session });
      else this.#setState(fresh);
    } catch (err) {
      console.warn('kiosk: could not load /api/state', err);
    }
  }
}
