import type { ClaimResponse, RewardOffer } from '@bashgah/protocol';
import { ApiRequestError } from '../api/client.js';
import type { ClaimEvent } from './kiosk.svelte.js';

/** Where one claim stands, as the claim sheet shows it. */
export type ClaimPhase =
  | { kind: 'confirm'; reward: RewardOffer }
  | { kind: 'sending'; reward: RewardOffer }
  | { kind: 'sent'; reward: RewardOffer; eventId: string; slow: boolean }
  | { kind: 'failed'; reward: RewardOffer; code: string };

export type ClaimView =
  | { kind: 'confirm' | 'sending' }
  | { kind: 'waiting'; slow: boolean }
  | { kind: 'voucher'; event: ClaimEvent & { voucher: NonNullable<ClaimEvent['voucher']> } }
  | { kind: 'rejected'; code: string };

/** How long "issuing your voucher" shows before the sheet says the claim waits for the link. */
export const CLAIM_WAIT_MS = 8_000;

/** Pure: what the sheet shows, from the request phase and the agent's events for it. */
export function claimView(phase: ClaimPhase, event: ClaimEvent | undefined): ClaimView {
  switch (phase.kind) {
    case 'confirm':
    case 'sending':
      return { kind: phase.kind };
    case 'failed':
      return { kind: 'rejected', code: phase.code };
    case 'sent':
      if (event?.status === 'rejected') return { kind: 'rejected', code: event.code ?? 'rejected' };
      if (event?.voucher) return { kind: 'voucher', event: { ...event, voucher: event.voucher } };
      return { kind: 'waiting', slow: phase.slow };
  }
}

export class ClaimFlow {
  phase = $state<ClaimPhase | null>(null);
  #timer: ReturnType<typeof setTimeout> | undefined;
  #abort = new AbortController();

  constructor(
    private readonly post: (rewardId: string, signal: AbortSignal) => Promise<ClaimResponse>,
    private readonly waitMs = CLAIM_WAIT_MS,
  ) {}

  choose(reward: RewardOffer): void {
    this.phase = { kind: 'confirm', reward };
  }

  close(): void {
    clearTimeout(this.#timer);
    this.phase = null;
  }

  async confirm(): Promise<void> {
    const p = this.phase;
    if (p?.kind !== 'confirm') return;
    this.phase = { kind: 'sending', reward: p.reward };
    try {
      const { eventId } = await this.post(p.reward.id, this.#abort.signal);
      this.phase = { kind: 'sent', reward: p.reward, eventId, slow: false };
      this.#timer = setTimeout(() => {
        if (this.phase?.kind === 'sent') this.phase = { ...this.phase, slow: true };
      }, this.waitMs);
    } catch (err) {
      if (this.#abort.signal.aborted) return;
      this.phase = {
        kind: 'failed',
        reward: p.reward,
        code: err instanceof ApiRequestError ? err.code : 'unknown',
      };
    }
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.#abort.abort();
  }
}
