import { type Ack, type EventEnvelope, newId, PROTOCOL_VERSION, topics } from '@bashgah/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger, tempDb } from '../../test/helpers.js';
import { createReward } from '../engine/rewards.js';
import { seedDemo } from '../seed.js';
import { createIngress } from './ingress.js';

const now = new Date('2025-05-01T08:00:00.000Z');

/**
 * The MQTT path of reward claims and survey answers, through the server's ingress handler with
 * a recording publisher (the broker itself is covered by test/mqtt.test.ts).
 */
describe('kiosk claims over MQTT ingress', () => {
  let t: Awaited<ReturnType<typeof tempDb>>;
  let acks: Array<{ topic: string; ack: Ack }>;
  let onEvent: ReturnType<typeof createIngress>;
  beforeEach(async () => {
    t = await tempDb();
    await seedDemo(t.db, now);
    await createReward(
      t.db,
      { id: 'coffee', name: { fa: 'قهوه', en: 'Coffee' }, pointsCost: 100, stock: 1 },
      now,
    );
    acks = [];
    onEvent = createIngress({
      db: t.db,
      policy: { points: 10, timeZone: 'Asia/Tehran' },
      logger: silentLogger,
      now: () => now,
      publish: async (topic, message) => {
        acks.push({ topic, ack: message as Ack });
      },
    });
  });
  afterEach(() => t.cleanup());

  const event = (deviceId: string, type: EventEnvelope['type'], payload: Record<string, unknown>) =>
    ({ v: PROTOCOL_VERSION, id: newId(), deviceId, type, at: now.toISOString(), payload }) as EventEnvelope;
  const send = (e: EventEnvelope) =>
    onEvent(e.deviceId, topics.events(e.deviceId), Buffer.from(JSON.stringify(e)));

  it('two kiosks claiming the last item at once: exactly one voucher, the other rejected with a code', async () => {
    const a = event('kiosk-01', 'reward.claim', {
      memberId: 'm-1001',
      cardUid: '04A1B2C3D4E5F6',
      rewardId: 'coffee',
    });
    const b = event('kiosk-02', 'reward.claim', {
      memberId: 'm-1003',
      cardUid: '5A3C9E12',
      rewardId: 'coffee',
    });
    await Promise.all([send(a), send(b)]);
    const statuses = acks.map((x) => x.ack.status).sort();
    expect(statuses).toEqual(['applied', 'rejected']);
    const won = acks.find((x) => x.ack.status === 'applied')!.ack;
    expect(won.result?.voucher?.code).toMatch(/^[0-9A-Z]{4}-/);
    expect(acks.find((x) => x.ack.status === 'rejected')!.ack.code).toBe('out-of-stock');
    // A redelivery of the winning event is acked as a duplicate with the same voucher.
    const winner = won.eventId === a.id ? a : b;
    await send(winner);
    expect(acks.at(-1)!.ack).toMatchObject({
      status: 'duplicate',
      result: { voucher: { code: won.result!.voucher!.code } },
    });
    expect(await t.db.get('SELECT count(*) AS n FROM vouchers')).toEqual({ n: 1 });
  });

  it('pays the survey bonus once per survey, and refuses a card that is not the member’s', async () => {
    // Only surveys the club defined (migration 015) can be answered; these two are the test's.
    for (const id of ['nps-1', 'nps-2'])
      await t.db.run(
        "INSERT INTO surveys (id, question_fa, question_en, created_at) VALUES (?, 'س', 'Q', '2025-01-01T00:00:00Z')",
        [id],
      );
    await send(
      event('kiosk-01', 'survey.answer', {
        memberId: 'm-1001',
        cardUid: '04A1B2C3D4E5F6',
        surveyId: 'nps-1',
        answer: 5,
      }),
    );
    await send(
      event('kiosk-01', 'survey.answer', {
        memberId: 'm-1001',
        cardUid: '04A1B2C3D4E5F6',
        surveyId: 'nps-1',
        answer: 1,
      }),
    );
    await send(
      event('kiosk-01', 'survey.answer', {
        memberId: 'm-1001',
        cardUid: '5A3C9E12',
        surveyId: 'nps-2',
        answer: 3,
      }),
    );
    expect(acks.map((x) => [x.ack.status, x.ack.result?.pointsAwarded ?? x.ack.code])).toEqual([
      ['applied', 20],
      ['applied', 0],
      ['rejected', 'card-mismatch'],
    ]);
    expect(await t.db.get("SELECT answer FROM survey_answers WHERE member_id = 'm-1001'")).toEqual({
      answer: '5',
    });
  });
});
