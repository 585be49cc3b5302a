import type { CardProof, KioskSession, MemberView } from '@bashgah/protocol';
import type { Logger } from 'pino';
import type { AgentBus } from '../agent-events.js';
import type { Tap } from '../hardware/reader/card-reader.js';
import { RpcError } from '../link/rpc-client.js';
import type { MemberCache } from '../store/member-cache.js';

/** Rewards re-sorted into affordable / next after the balance moved (check-in, claim). */
export function reprice(member: MemberView): MemberView['rewards'] {
  const spendable = member.points - member.pointsPending;
  const offers = [...member.rewards.affordable, ...(member.rewards.next ? [member.rewards.next] : [])]
    .map((r) => ({ ...r, pointsShort: Math.max(0, r.pointsCost - spendable) }))
    .sort((a, b) => a.pointsCost - b.pointsCost);
  return {
    affordable: offers.filter((r) => r.pointsShort === 0),
    next: offers.find((r) => r.pointsShort > 0) ?? null,
  };
}

/** The lookup half of RpcClient, so the session can be driven without MQTT. */
export interface MemberLookup {
  call(
    method: 'member.lookup',
    params: { cardUid: string; proof?: CardProof },
    timeoutMs: number,
  ): Promise<{ found: true; member: MemberView } | { found: false; rejected?: string | undefined }>;
}

export interface TapSessionOptions {
  bus: AgentBus;
  cache: MemberCache;
  rpc: MemberLookup;
  logger: Logger;
  idleMs: number;
  lookupTimeoutMs: number;
  /** Sees every tap first; returning true consumes it (a staff card is not a member lookup). */
  intercept?: (tap: Tap) => boolean;
}

/**
 * Who is in front of the kiosk. A tap shows the cached member at once and the server's fresh view
 * when it arrives; idling out clears the member so the next shopper never sees the last one's
 * points. A later tap wins over a slower lookup from an earlier one.
 */
export class TapSession {
  readonly #o: TapSessionOptions;
  readonly #log: Logger;
  readonly #offTap: () => void;
  #session: KioskSession = { kind: 'idle' };
  #generation = 0;
  #idleTimer: NodeJS.Timeout | undefined;
  #inflight = new Set<Promise<void>>();
  #capture: ((tap: Tap) => void) | undefined;

  constructor(options: TapSessionOptions) {
    this.#o = options;
    this.#log = options.logger.child({ module: 'session' });
    this.#offTap = options.bus.on('tap', (tap) => this.handleTap(tap));
  }

  current(): KioskSession {
    return this.#session;
  }

  /** Member activity (an action on screen) keeps the session from idling out. */
  touch(): void {
    if (this.#session.kind !== 'idle') this.#armIdle();
  }

  /**
   * The kiosk closed the session (Done, inactivity): the member's data leaves the agent's session
   * at once rather than when the agent's own idle timer fires.
   */
  end(): void {
    this.#generation++;
    if (this.#session.kind !== 'idle') this.#set({ kind: 'idle' });
  }

  /**
   * Hands the next tap to the caller instead of looking it up (binding a new card at signup).
   * Rejects after `timeoutMs` or when `signal` aborts; only one capture at a time.
   */
  captureNextTap(timeoutMs: number, signal?: AbortSignal): Promise<Tap> {
    if (this.#capture) return Promise.reject(new Error('already waiting for a card'));
    return new Promise<Tap>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.#capture = undefined;
      };
      const onAbort = () => {
        done();
        reject(new Error('card capture cancelled'));
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error('no card was presented in time'));
      }, timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#capture = (tap) => {
        done();
        resolve(tap);
      };
    });
  }

  /** Applies what an acked action changed, to the session and the cache alike. */
  async updateMember(
    memberId: string,
    patch: Partial<
      Pick<
        MemberView,
        | 'points'
        | 'pointsPending'
        | 'checkinPointsAvailable'
        | 'rewards'
        | 'survey'
        | 'recentActivity'
        | 'cardUid'
      >
    >,
  ) {
    const s = this.#session;
    if (s.kind !== 'member' || s.member.id !== memberId) return;
    const member = { ...s.member, ...patch };
    if ((patch.points !== undefined || patch.pointsPending !== undefined) && !patch.rewards)
      member.rewards = reprice(member);
    this.#set({ ...s, member });
    await this.#o.cache.put(member);
  }

  handleTap(tap: Tap): Promise<void> {
    if (this.#o.intercept?.(tap)) return Promise.resolve();
    const capture = this.#capture;
    if (capture) {
      capture(tap);
      return Promise.resolve();
    }
    const work = this.#resolve(tap).finally(() => this.#inflight.delete(work));
    this.#inflight.add(work);
    return work;
  }

  async stop(): Promise<void> {
    this.#offTap();
    clearTimeout(this.#idleTimer);
    this.#generation++;
    await Promise.allSettled([...this.#inflight]);
  }

  async #resolve(tap: Tap): Promise<void> {
    const generation = ++this.#generation;
    const tappedAt = tap.at.toISOString();
    const cardUid = tap.uid;
    const stale = () => generation !== this.#generation;

    const cached = await this.#o.cache.get(cardUid);
    if (stale()) return;
    if (cached) {
      this.#set({ kind: 'member', member: cached, source: 'cache', tappedAt });
    } else if (this.#session.kind !== 'idle') {
      // Nothing to show for this card yet; at least stop showing the previous one.
      this.#set({ kind: 'idle' });
    }

    try {
      // What the card carried (token, SUN message) goes along: the server decides if it is genuine.
      const proof = tap.card?.proof;
      const result = await this.#o.rpc.call(
        'member.lookup',
        proof ? { cardUid, proof } : { cardUid },
        this.#o.lookupTimeoutMs,
      );
      if (result.found) {
        await this.#o.cache.put(result.member);
        if (stale()) return;
        this.#set({ kind: 'member', member: result.member, source: 'server', tappedAt });
      } else {
        await this.#o.cache.delete(cardUid);
        if (stale()) return;
        if (result.rejected)
          this.#log.warn({ cardUid, rejected: result.rejected }, 'server rejected the card');
        this.#set({
          kind: 'unknown-card',
          cardUid,
          tappedAt,
          ...(result.rejected ? { rejected: result.rejected } : {}),
        });
      }
    } catch (error) {
      if (stale()) return;
      const reason = error instanceof RpcError ? error.code : 'error';
      if (cached) {
        this.#log.info({ cardUid, reason }, 'member lookup failed; showing the cached member');
        return;
      }
      this.#log.warn(
        { cardUid, reason, err: error },
        'server unreachable and card not cached; showing it as unknown',
      );
      this.#set({ kind: 'unknown-card', cardUid, tappedAt });
    }
  }

  #set(session: KioskSession): void {
    this.#session = session;
    if (session.kind === 'idle') clearTimeout(this.#idleTimer);
    else this.#armIdle();
    this.#o.bus.emit('session', session);
  }

  #armIdle(): void {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => {
      this.#generation++;
      this.#log.debug('session idle; member data cleared');
      this.#set({ kind: 'idle' });
    }, this.#o.idleMs);
    this.#idleTimer.unref();
  }
}
