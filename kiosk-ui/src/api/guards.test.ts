import {
  ApiError,
  CheckinResponse,
  ClaimResponse,
  KioskEvent,
  KioskState,
  type MemberView,
  SignupResponse,
} from '@bashgah/protocol';
import { describe, expect, it } from 'vitest';
import { parseEvent } from './client.js';
import {
  parseApiError,
  parseCheckinResponse,
  parseClaimResponse,
  parseKioskEvent,
  parseKioskState,
  parseSignupResponse,
} from './guards.js';

const member: MemberView = {
  id: 'm-1',
  number: 1042,
  displayName: 'سارا',
  points: 320,
  tier: 'silver',
  cardUid: '04A1B2C3D4E5F6',
  checkinPointsAvailable: 10,
  asOf: '2026-11-23T10:00:00.000Z',
  maskedPhone: '0912***4567',
  pointsPending: 20,
  tierProgress: { measure: 'points', current: 320, nextTier: 'gold', remaining: 180, windowDays: 365 },
  expiringSoon: { points: 40, firstExpiresAt: '2026-12-01T00:00:00Z', withinDays: 30 },
  rewards: {
    affordable: [{ id: 'coffee', name: { fa: 'قهوه', en: 'Coffee' }, pointsCost: 100, pointsShort: 0 }],
    next: { id: 'cake', name: { fa: 'کیک', en: 'Cake' }, pointsCost: 500, pointsShort: 180 },
  },
  punchCards: [{ id: 'p1', name: { fa: 'قهوه', en: 'Coffee' }, stamps: 3, required: 8 }],
  lastActivityAt: null,
};

const state = {
  deviceId: 'kiosk-1',
  online: true,
  reader: 'ready',
  outboxDepth: 0,
  session: { kind: 'member', member, source: 'server', tappedAt: '2026-11-23T10:00:00Z' },
  maintenanceMessage: { fa: 'تعمیر' },
  printer: { state: 'ready', paperLow: false, failedJobs: 0 },
};

type Json = Record<string, unknown>;
/** A deep copy with one path set (or deleted, for `undefined`). */
function mutate(v: Json, path: string, value: unknown): Json {
  const copy = structuredClone(v);
  const keys = path.split('.');
  let at: Json = copy;
  for (const k of keys.slice(0, -1)) at = at[k] as Json;
  const last = keys.at(-1) as string;
  if (value === undefined) delete at[last];
  else at[last] = value;
  return copy;
}

const accepts = (parse: (v: unknown) => unknown, v: unknown) => {
  try {
    parse(v);
    return true;
  } catch {
    return false;
  }
};

/** The guard and the protocol's zod schema must agree on every sample. */
function agree(
  name: string,
  schema: { safeParse(v: unknown): { success: boolean } },
  guard: (v: unknown) => unknown,
  samples: unknown[],
) {
  it(`${name} agrees with the protocol schema`, () => {
    for (const s of samples)
      expect([JSON.stringify(s), accepts(guard, s)]).toEqual([
        JSON.stringify(s),
        schema.safeParse(s).success,
      ]);
  });
}

const stateMutations: [string, unknown][] = [
  ['online', 'yes'],
  ['reader', 'broken'],
  ['reader', 'simulated'],
  ['outboxDepth', -1],
  ['outboxDepth', 1.5],
  ['deviceId', undefined],
  ['maintenance', true],
  ['maintenance', 'on'],
  ['maintenanceMessage', { fa: 1 }],
  ['printer', undefined],
  ['printer.state', 'paper-out'],
  ['printer.state', 'jammed'],
  ['printer.failedJobs', -2],
  ['session', { kind: 'idle' }],
  ['session', { kind: 'nobody' }],
  ['session', null],
  ['session', { kind: 'unknown-card', cardUid: '04A1B2C3', tappedAt: '2026-11-23T10:00:00Z' }],
  [
    'session',
    { kind: 'unknown-card', cardUid: '04A1B2C3', tappedAt: '2026-11-23T10:00:00Z', rejected: 'replayed' },
  ],
  ['session', { kind: 'unknown-card', cardUid: 'XYZ', tappedAt: '2026-11-23T10:00:00Z' }],
  ['session', { kind: 'unknown-card', cardUid: '04A1B2C3', tappedAt: 'yesterday' }],
  ['session.source', 'guess'],
  ['session.tappedAt', '2026-11-23T10:00:00+03:30'],
  ['session.member.number', 0],
  ['session.member.points', -5],
  ['session.member.points', '5'],
  ['session.member.displayName', ''],
  ['session.member.tier', 'diamond'],
  ['session.member.cardUid', '04a1b2c3d4e5f6x'],
  ['session.member.maskedPhone', null],
  ['session.member.maskedPhone', 9121234567],
  ['session.member.asOf', '2026-11-23'],
  ['session.member.tierProgress.nextTier', null],
  ['session.member.tierProgress.nextTier', 'copper'],
  ['session.member.tierProgress.measure', 'visits'],
  ['session.member.tierProgress.windowDays', 0],
  ['session.member.expiringSoon.firstExpiresAt', null],
  ['session.member.expiringSoon.firstExpiresAt', 12],
  ['session.member.rewards.affordable', []],
  [
    'session.member.rewards.affordable',
    [{ id: 'x', name: { fa: 'x', en: '' }, pointsCost: 1, pointsShort: 0 }],
  ],
  ['session.member.rewards.affordable', Array(11).fill(member.rewards.next)],
  ['session.member.rewards.affordable', {}],
  ['session.member.rewards.next', null],
  ['session.member.rewards.next', { id: 'x', name: { fa: 'x', en: 'x' }, pointsCost: 0, pointsShort: 0 }],
  ['session.member.punchCards', [{ id: 'p', name: { fa: 'a', en: 'b' }, stamps: 1, required: 0 }]],
  ['session.member.lastActivityAt', '2026-11-23T10:00:00.5Z'],
  ['session.member.id', 'x'.repeat(65)],
  ['session.member.recentActivity', [{ at: '2026-11-23T10:00:00Z', kind: 'purchase', points: 120 }]],
  ['session.member.recentActivity', [{ at: '2026-11-23T10:00:00Z', kind: 'lottery', points: 1 }]],
  ['session.member.recentActivity', [{ at: '2026-11-23T10:00:00Z', kind: 'reward', points: 1.5 }]],
  ['session.member.recentActivity', Array(6).fill({ at: '2026-11-23T10:00:00Z', kind: 'visit', points: 10 })],
  ['session.member.survey', null],
  [
    'session.member.survey',
    {
      id: 'visit-experience',
      question: { fa: 'چطور بود؟', en: 'How was it?' },
      reasons: [{ id: 'staff', label: { fa: 'کارکنان', en: 'Staff' } }],
      points: 20,
    },
  ],
  ['session.member.survey', { id: 'Bad Id', question: { fa: 'ا', en: 'a' }, reasons: [], points: 20 }],
  ['session.member.survey', { id: 'ok', question: { fa: 'ا', en: 'a' }, reasons: [], points: -1 }],
  ['staff', { phase: 'closed' }],
  ['staff', { phase: 'pin', staffId: 'ali', attemptsLeft: 4, closesAt: '2026-11-23T10:00:00Z' }],
  [
    'staff',
    {
      phase: 'pin',
      staffId: 'ali',
      attemptsLeft: 0,
      lockedUntil: '2026-11-23T10:05:00Z',
      closesAt: '2026-11-23T10:00:00Z',
    },
  ],
  ['staff', { phase: 'open', staffId: 'ali', closesAt: '2026-11-23T10:00:00Z', awaitingCard: false }],
  ['staff', { phase: 'open', staffId: 'Ali', closesAt: '2026-11-23T10:00:00Z', awaitingCard: false }],
  ['staff', { phase: 'open', staffId: 'ali', closesAt: '2026-11-23T10:00:00Z' }],
  ['staff', { phase: 'sleeping' }],
];

describe('api guards', () => {
  agree('KioskState', KioskState, parseKioskState, [
    state,
    null,
    [],
    'state',
    ...stateMutations.map(([p, v]) => mutate(state, p, v)),
  ]);

  agree('KioskEvent', KioskEvent, parseKioskEvent, [
    { type: 'state', state },
    { type: 'state', state: mutate(state, 'online', 1) },
    { type: 'session', session: { kind: 'idle' } },
    { type: 'session' },
    { type: 'reload' },
    { type: 'party' },
    { type: 'checkin', eventId: 'e', status: 'applied', pointsAwarded: 10, balance: 330 },
    { type: 'checkin', eventId: 'e', status: 'lost' },
    { type: 'checkin', eventId: 'e', status: 'queued', balance: 1.5 },
    { type: 'claim', eventId: 'e', rewardId: 'coffee', status: 'queued' },
    {
      type: 'claim',
      eventId: 'e',
      rewardId: 'coffee',
      status: 'applied',
      pointsSpent: 100,
      balance: 220,
      voucher: { code: 'ABCD-1234', rewardId: 'coffee', expiresAt: '2026-12-23T10:00:00Z' },
      print: 'printed',
    },
    {
      type: 'claim',
      eventId: 'e',
      rewardId: 'coffee',
      status: 'applied',
      voucher: { code: 'x'.repeat(33), rewardId: 'c', expiresAt: '2026-12-23T10:00:00Z' },
    },
    { type: 'claim', eventId: 'e', rewardId: 'coffee', status: 'applied', print: 'smudged' },
    { type: 'claim', eventId: 'e', status: 'rejected', code: 'insufficient-points' },
    { type: 'action', action: 'survey', eventId: 'e', status: 'applied', pointsAwarded: 20, balance: 150 },
    { type: 'action', action: 'staff.card', eventId: 'e', status: 'queued', cardUid: '04A1B2C3' },
    { type: 'action', action: 'staff.card', eventId: 'e', status: 'queued', cardUid: 'nope' },
    { type: 'action', action: 'dance', eventId: 'e', status: 'queued' },
    { type: 'action', action: 'staff.purchase', eventId: 'e', status: 'rejected', code: 'velocity-limit' },
    { type: 'staff', staff: { phase: 'closed' } },
    { type: 'staff', staff: { phase: 'open' } },
  ]);

  agree('CheckinResponse', CheckinResponse, parseCheckinResponse, [
    { eventId: 'e', status: 'queued' },
    { eventId: 'e', status: 'applied' },
    { status: 'queued' },
  ]);
  agree('ClaimResponse', ClaimResponse, parseClaimResponse, [
    { eventId: 'e', status: 'queued', pointsCost: 100, balanceAfter: 220 },
    { eventId: 'e', status: 'queued', pointsCost: 0, balanceAfter: 220 },
    { eventId: 'e', status: 'queued', pointsCost: 100 },
  ]);
  agree('SignupResponse', SignupResponse, parseSignupResponse, [
    { memberId: 'm', number: 7, welcomePoints: 50 },
    { memberId: 'm', number: 7, welcomePoints: 50, cardUid: '04A1B2C3', printed: true },
    { memberId: 'm', number: 7, welcomePoints: -1 },
    { memberId: '', number: 7, welcomePoints: 0 },
    { memberId: 'm', number: 7, welcomePoints: 0, printed: 'yes' },
  ]);
  agree('ApiError', ApiError, parseApiError, [
    { error: { code: 'x', message: 'y' } },
    { error: { code: 'x' } },
    { message: 'y' },
  ]);

  it('names the offending field', () => {
    expect(() => parseKioskState(mutate(state, 'session.member.tier', 'diamond'))).toThrow(
      /session\.member\.tier/,
    );
    expect(() => parseKioskEvent({ type: 'party' })).toThrow(/^type:/);
  });

  it('parseEvent drops off-contract SSE data', () => {
    expect(parseEvent(JSON.stringify({ type: 'reload' }))).toEqual({ type: 'reload' });
    expect(parseEvent(JSON.stringify({ type: 'checkin', eventId: 'e', status: 'lost' }))).toBeUndefined();
    expect(parseEvent('{not json')).toBeUndefined();
  });
});
