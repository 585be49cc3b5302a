import type { KioskActionEvent } from '@bashgah/protocol';
import { describe, expect, it } from 'vitest';
import { surveyView } from './survey-view.js';

const ack = (over: Partial<KioskActionEvent>): KioskActionEvent => ({
  type: 'action',
  action: 'survey',
  eventId: 'e1',
  status: 'applied',
  ...over,
});

describe('surveyView', () => {
  it('asks, then offers reasons for the chosen face, and hides when skipped', () => {
    expect(surveyView({ kind: 'ask' }, undefined)).toEqual({ kind: 'ask' });
    expect(surveyView({ kind: 'reasons', answer: 4 }, undefined)).toEqual({ kind: 'reasons', answer: 4 });
    expect(surveyView({ kind: 'dismissed' }, undefined)).toEqual({ kind: 'hidden' });
  });

  it('thanks at once, with the bonus once the server applied it', () => {
    const sent = { kind: 'sent', eventId: 'e1' } as const;
    expect(surveyView(sent, undefined)).toEqual({ kind: 'thanks', pointsAwarded: null });
    expect(surveyView(sent, ack({ status: 'queued' }))).toEqual({ kind: 'thanks', pointsAwarded: null });
    expect(surveyView(sent, ack({ pointsAwarded: 20 }))).toEqual({ kind: 'thanks', pointsAwarded: 20 });
    // Answered before at another kiosk: thanks, no second bonus.
    expect(surveyView(sent, ack({ pointsAwarded: 0 }))).toEqual({ kind: 'thanks', pointsAwarded: 0 });
  });

  it('says so when the server refused the answer or the agent did', () => {
    const sent = { kind: 'sent', eventId: 'e1' } as const;
    expect(surveyView(sent, ack({ status: 'rejected', code: 'survey-unknown' }))).toEqual({
      kind: 'failed',
      code: 'survey-unknown',
    });
    expect(surveyView({ kind: 'failed', code: 'network' }, undefined)).toEqual({
      kind: 'failed',
      code: 'network',
    });
  });
});
