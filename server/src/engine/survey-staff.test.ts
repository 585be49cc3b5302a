import { type Ack, type EventEnvelope, newId, PROTOCOL_VERSION, topics } from '@bashgah/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger, tempDb } from '../../test/helpers.js';
import { createIngress } from '../mqtt/ingress.js';
import { seedDemo } from '../seed.js';
import { memberViewById } from './member-view.js';

const now = new Date('2026-05-01T08:00:00.000Z');
const SARA = { memberId: 'm-1001', cardUid: '04A1B2C3D4E5F6' };
const policy = { points: 10, timeZone: 'Asia/Tehran' };

/**
 * The kiosk's survey and staff-mode events through the server's ingress, on a migrated SQLite file:
 * the survey is offered after enough visits and pays its bonus once; a staff purchase earns points
 * once however often it is resent; a staff card binding blocks the old card on a replace.
 */
describe('kiosk survey and staff events', () => {
  let t: Awaited<ReturnType<typeof tempDb>>;
  let acks: Ack[];
  let onEvent: ReturnType<typeof createIngress>;
  beforeEach(async () => {
    t = await tempDb();
    await seedDemo(t.db, now);
    acks = [];
    onEvent = createIngress({
      db: t.db,
      policy,
      logger: silentLogger,
      now: () => now,
      publish: async (_topic, message) => {
        acks.push(message as Ack);
      },
    });
  });
  afterEach(() => t.cleanup());

  const event = (type: EventEnvelope['type'], payload: Record<string, unknown>) =>
    ({
      v: PROTOCOL_VERSION,
      id: newId(),
      deviceId: 'kiosk-01',
      type,
      at: now.toISOString(),
      payload,
    }) as EventEnvelope;
  const send = (e: EventEnvelope) =>
    onEvent(e.deviceId, topics.events(e.deviceId), Buffer.from(JSON.stringify(e)));
  let day = 0;
  const visits = async (n: number) => {
    for (let i = 0; i < n; i++, day++)
      await t.db.run(
        "INSERT INTO checkins (member_id, device_id, day, event_id) VALUES (?, 'kiosk-01', ?, ?)",
        [SARA.memberId, `2026-04-${String(day + 1).padStart(2, '0')}`, newId()],
      );
  };
  const view = () => memberViewById(t.db, SARA.memberId, { policy, now });

  it('offers the survey from the third visit, with its reason chips, until it is answered', async () => {
    await visits(2);
    expect((await view())?.survey).toBeNull();
    await visits(1);
    const offer = (await view())?.survey;
    expect(offer).toMatchObject({
      id: 'visit-experience',
      points: 20,
      question: { en: 'How was your visit today?' },
    });
    expect(offer?.reasons.map((r) => r.id)).toEqual(['staff', 'prices', 'variety', 'clean', 'waiting']);

    const answer = event('survey.answer', {
      ...SARA,
      surveyId: 'visit-experience',
      answer: 4,
      reasons: ['staff', 'clean'],
    });
    await send(answer);
    await send(answer); // the outbox resends: same id
    await send(event('survey.answer', { ...SARA, surveyId: 'visit-experience', answer: 1 })); // another kiosk
    expect(acks.map((a) => [a.status, a.result?.pointsAwarded])).toEqual([
      ['applied', 20],
      ['duplicate', 20],
      ['applied', 0],
    ]);
    expect(
      await t.db.get('SELECT answer, reasons FROM survey_answers WHERE member_id = ?', [SARA.memberId]),
    ).toEqual({
      answer: '4',
      reasons: '["staff","clean"]',
    });
    const after = await view();
    expect(after?.survey).toBeNull();
    expect(after?.recentActivity?.[0]).toMatchObject({ kind: 'survey', points: 20 });
  });

  it('refuses answers to surveys the club never defined, and reasons the survey does not offer', async () => {
    await send(event('survey.answer', { ...SARA, surveyId: 'made-up', answer: 5 }));
    await send(
      event('survey.answer', { ...SARA, surveyId: 'visit-experience', answer: 5, reasons: ['bribe'] }),
    );
    expect(acks.map((a) => [a.status, a.code])).toEqual([
      ['rejected', 'survey-unknown'],
      ['rejected', 'survey-reason'],
    ]);
    expect(await t.db.get("SELECT count(*) AS n FROM member_bonuses WHERE kind = 'survey'")).toEqual({
      n: 0,
    });
  });

  it('records a staff purchase once: points pending in the refund window, resends change nothing', async () => {
    const before = (await view())!.points;
    const purchase = event('staff.purchase', { ...SARA, amountMinor: 1_200_000, staffId: 'ali' });
    await send(purchase);
    await send(purchase);
    expect(acks.map((a) => a.status)).toEqual(['applied', 'duplicate']);
    const awarded = acks[0]!.result!.pointsAwarded!;
    expect(awarded).toBeGreaterThan(0);
    expect(acks[0]!.result).toMatchObject({ balance: before + awarded, pointsPending: awarded });
    expect(
      await t.db.all(
        'SELECT store_id, receipt_id, amount_minor, staff_id FROM purchases WHERE member_id = ?',
        [SARA.memberId],
      ),
    ).toEqual([
      {
        store_id: 'kiosk:kiosk-01',
        receipt_id: `kiosk-${purchase.id}`,
        amount_minor: 1_200_000,
        staff_id: 'kiosk-01/ali',
      },
    ]);
    expect((await view())?.recentActivity?.[0]).toMatchObject({ kind: 'purchase', points: awarded });
  });

  it('refuses a staff purchase for a card that is not the member’s', async () => {
    await send(
      event('staff.purchase', {
        memberId: SARA.memberId,
        cardUid: '5A3C9E12',
        amountMinor: 10_000,
        staffId: 'ali',
      }),
    );
    expect(acks.map((a) => [a.status, a.code])).toEqual([['rejected', 'card-mismatch']]);
  });

  it('binds a new card; a replace blocks the old one; a card already in use is refused', async () => {
    await send(
      event('staff.card', {
        memberId: SARA.memberId,
        newCardUid: '04AA0000000001',
        replace: false,
        staffId: 'ali',
      }),
    );
    await send(
      event('staff.card', {
        memberId: SARA.memberId,
        newCardUid: '04AA0000000002',
        replace: true,
        staffId: 'ali',
      }),
    );
    await send(
      event('staff.card', { memberId: SARA.memberId, newCardUid: '5A3C9E12', replace: true, staffId: 'ali' }),
    );
    expect(acks.map((a) => [a.status, a.code])).toEqual([
      ['applied', undefined],
      ['applied', undefined],
      ['rejected', 'card-taken'],
    ]);
    expect(
      await t.db.all('SELECT uid, status FROM cards WHERE member_id = ? ORDER BY uid', [SARA.memberId]),
    ).toEqual([
      { uid: '04A1B2C3D4E5F6', status: 'blocked' },
      { uid: '04AA0000000001', status: 'blocked' },
      { uid: '04AA0000000002', status: 'active' },
    ]);
  });
});
