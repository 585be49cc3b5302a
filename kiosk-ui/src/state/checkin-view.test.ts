import { describe, expect, it } from 'vitest';
import { type CheckinOutcome, checkinView, remember } from './checkin-view.js';

const sent = { kind: 'sent', eventId: 'e1', requested: 50, slow: false } as const;
const outcome = (o: Partial<CheckinOutcome>): CheckinOutcome => ({
  type: 'checkin',
  eventId: 'e1',
  status: 'applied',
  ...o,
});

describe('checkinView', () => {
  it('offers the check-in only when points are available', () => {
    expect(checkinView(50, { kind: 'ready' }, undefined)).toEqual({ kind: 'offer', points: 50 });
    expect(checkinView(0, { kind: 'ready' }, undefined)).toEqual({ kind: 'done-today' });
  });

  it('waits for the outcome, then says it is queued once the wait is long', () => {
    expect(checkinView(50, sent, undefined)).toEqual({ kind: 'waiting' });
    expect(checkinView(50, { ...sent, slow: true }, undefined)).toEqual({ kind: 'queued' });
  });

  it('shows the awarded points and the new balance', () => {
    expect(checkinView(50, sent, outcome({ pointsAwarded: 60, balance: 1310 }))).toEqual({
      kind: 'applied',
      pointsAwarded: 60,
      balance: 1310,
    });
  });

  it('falls back to the requested points when the event omits them', () => {
    expect(checkinView(50, sent, outcome({}))).toEqual({
      kind: 'applied',
      pointsAwarded: 50,
      balance: undefined,
    });
  });

  it('maps duplicate, rejected and queued outcomes', () => {
    expect(checkinView(50, sent, outcome({ status: 'duplicate' })).kind).toBe('duplicate');
    expect(checkinView(50, sent, outcome({ status: 'rejected' })).kind).toBe('rejected');
    expect(checkinView(50, sent, outcome({ status: 'queued' })).kind).toBe('queued');
  });

  it('reports a failed request with its error code', () => {
    expect(checkinView(50, { kind: 'failed', code: 'network' }, undefined)).toEqual({
      kind: 'failed',
      code: 'network',
    });
  });
});

describe('remember', () => {
  it('keeps the newest entries up to the cap', () => {
    const log = new Map<string, number>();
    for (let i = 0; i < 5; i++) remember(log, `e${i}`, i, 3);
    expect([...log.keys()]).toEqual(['e2', 'e3', 'e4']);
  });

  it('replaces an id with its latest status', () => {
    const log = new Map<string, string>();
    remember(log, 'e1', 'queued');
    remember(log, 'e1', 'applied');
    expect(log.get('e1')).toBe('applied');
    expect(log.size).toBe(1);
  });
});
