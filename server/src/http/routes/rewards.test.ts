import { ApiError } from '@bashgah/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger, tempDb } from '../../../test/helpers.js';
import { createOperator, openSession } from '../../auth/operators.js';
import { createReward } from '../../engine/rewards.js';
import { createStore } from '../../engine/stores.js';
import { verifyVoucherToken } from '../../engine/vouchers.js';
import { seedDemo } from '../../seed.js';
import { createApp } from '../app.js';

let clock = new Date('2025-05-01T08:00:00.000Z');
const policy = { points: 10, timeZone: 'Asia/Tehran' };

describe('rewards over HTTP', () => {
  let t: Awaited<ReturnType<typeof tempDb>>;
  let app: ReturnType<typeof createApp>;
  let key: string;
  let staff: string;
  beforeEach(async () => {
    clock = new Date('2025-05-01T08:00:00.000Z');
    t = await tempDb();
    await seedDemo(t.db, clock);
    // m-1001 has 120 points, m-1003 has 2,450.
    await createReward(
      t.db,
      { id: 'coffee', name: { fa: 'قهوه', en: 'Coffee' }, pointsCost: 100, stock: 1 },
      clock,
    );
    await createReward(t.db, { id: 'cake', name: { fa: 'کیک', en: 'Cake' }, pointsCost: 70 }, clock);
    key = (await createStore(t.db, { id: 'store-1', name: 'Shop 1' })).apiKey;
    const op = await createOperator(t.db, {
      username: 'sara',
      password: 'correct horse battery',
      role: 'operator',
    });
    staff = (await openSession(t.db, op)).token;
    app = createApp({ db: t.db, policy, logger: silentLogger, mqttConnected: () => true, now: () => clock });
  });
  afterEach(() => t.cleanup());

  const claim = (memberId: string, rewardId: string, requestId: string) =>
    app.request(`/api/members/${memberId}/redemptions`, {
      method: 'POST',
      body: JSON.stringify({ rewardId, requestId }),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${staff}` },
    });
  const redeem = (code: string) =>
    app.request('/api/pos/v1/vouchers/redeem', {
      method: 'POST',
      body: JSON.stringify({ code, receiptId: 'R-1' }),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    });
  const code = async (res: Response) => ApiError.parse(await res.json()).error.code;

  it('two members racing for the last item: exactly one gets it', async () => {
    const [a, b] = await Promise.all([
      claim('m-1001', 'coffee', 'req-000001'),
      claim('m-1003', 'coffee', 'req-000002'),
    ]);
    expect([a.status, b.status].sort()).toEqual([201, 409]);
    expect(await code(a.status === 409 ? a : b)).toBe('out-of-stock');
    expect(await t.db.get('SELECT count(*) AS n FROM vouchers')).toEqual({ n: 1 });
  });

  it('one member racing two claims for their last points: exactly one wins', async () => {
    const [a, b] = await Promise.all([
      claim('m-1001', 'cake', 'req-000001'),
      claim('m-1001', 'coffee', 'req-000002'),
    ]);
    expect([a.status, b.status].sort()).toEqual([201, 409]);
    expect(await code(a.status === 409 ? a : b)).toBe('insufficient-points');
  });

  it('a till redeems the voucher once, by QR token, and checks it offline with the public key', async () => {
    const v = (await (await claim('m-1003', 'cake', 'req-000001')).json()) as { code: string; token: string };
    const { publicKeyPem } = (await (await app.request('/api/club/public-key')).json()) as {
      publicKeyPem: string;
    };
    expect(verifyVoucherToken(v.token, publicKeyPem, clock)).toMatchObject({
      ok: true,
      claims: { c: v.code, r: 'cake', m: 1003 },
    });
    const first = await redeem(v.token);
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ code: v.code, rewardId: 'cake', memberId: 'm-1003' });
    const again = await redeem(v.code);
    expect(again.status).toBe(409);
    expect(await code(again)).toBe('voucher-used');
  });

  it('refuses expired, unknown and forged vouchers with their own codes', async () => {
    const v = (await (await claim('m-1003', 'cake', 'req-000001')).json()) as { code: string; token: string };
    await expect(code(await redeem('ZZZZ-ZZZZ-ZZZZ-ZZZZ'))).resolves.toBe('voucher-not-found');
    await expect(code(await redeem(`${v.token.split('.')[0]}.AAAA`))).resolves.toBe('voucher-not-found');
    clock = new Date('2025-06-15T08:00:00.000Z');
    const expired = await redeem(v.code);
    expect(expired.status).toBe(422);
    expect(await code(expired)).toBe('voucher-expired');
    // Cancelling the unused voucher gives the 70 points back.
    const cancel = await app.request('/api/members/m-1003/vouchers/cancel', {
      method: 'POST',
      body: JSON.stringify({ code: v.code }),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${staff}` },
    });
    expect(await cancel.json()).toMatchObject({ pointsReturned: 70, balance: 2450 });
  });

  it('takes an operator session to claim or cancel over HTTP (kiosks claim over MQTT)', async () => {
    const res = await app.request('/api/members/m-1003/redemptions', {
      method: 'POST',
      body: JSON.stringify({ rewardId: 'cake', requestId: 'req-000009' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(401);
    expect(await t.db.get('SELECT count(*) AS n FROM vouchers')).toEqual({ n: 0 });
  });

  it('answers a retried claim with the same voucher, and lists the catalog by tier', async () => {
    const a = (await (await claim('m-1003', 'cake', 'req-000001')).json()) as { code: string };
    const retry = await claim('m-1003', 'cake', 'req-000001');
    expect(retry.status).toBe(200);
    expect(await retry.json()).toMatchObject({ code: a.code, replay: true });
    const list = (await (await app.request('/api/rewards?tier=bronze')).json()) as {
      rewards: Array<{ id: string }>;
    };
    expect(list.rewards.map((r) => r.id)).toEqual(['cake', 'coffee']);
    expect((await claim('m-1003', 'cake', 'short')).status).toBe(400);
  });
});
