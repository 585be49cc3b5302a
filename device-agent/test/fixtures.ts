import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MemberView } from '@bashgah/protocol';

export const sampleMember = (over: Partial<MemberView> = {}): MemberView => ({
  id: 'm-1001',
  number: 1001,
  displayName: 'Sara Ahmadi',
  points: 120,
  tier: 'silver',
  cardUid: '04A1B2C3D4E5F6',
  checkinPointsAvailable: 10,
  asOf: new Date().toISOString(),
  maskedPhone: null,
  pointsPending: 0,
  tierProgress: { measure: 'points', current: 0, nextTier: 'gold', remaining: 5000, windowDays: 365 },
  expiringSoon: { points: 0, firstExpiresAt: null, withinDays: 30 },
  rewards: { affordable: [], next: null },
  punchCards: [],
  lastActivityAt: null,
  ...over,
});

export async function tempDir(prefix: string): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `bashgah-${prefix}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

export async function waitFor<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
