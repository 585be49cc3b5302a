import { ApiError } from '@bashgah/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger, tempDb } from '../../../test/helpers.js';
import { DEFAULT_RULES } from '../../engine/rules/config.js';
import { publishRules } from '../../engine/rules/store.js';
import { createStore } from '../../engine/stores.js';
import { seedDemo } from '../../seed.js';
import { createApp } from '../app.js';

const now = new Date('2025-05-01T08:00:00.000Z');
const policy = { points: 10, timeZone: 'Asia/Tehran' };

describe('POS API', () => {
  let t: Awaited<ReturnType<typeof tempDb>>;
  let app: ReturnType<typeof createApp>;
  let key: string;
  beforeEach(async () => {
    t = await tempDb();
    await seedDemo(t.db, now);
    await t.db.run("UPDATE members SET phone = '+989121234567' WHERE id = 'm-1002'");
    // 1 point per 100,000 Rial, coffee ×2, 5% cashback.
    await publishRules(
      t.db,
      { ...DEFAULT_RULES, categories: { general: 100, coffee: 200 }, cashback: { basisPoints: 500 } },
      'test',
    );
    key = (await createStore(t.db, { id: 'store-1', name: 'Shop 1' })).apiKey;
    app = createApp({ db: t.db, policy, logger: silentLogger, mqttConnected: () => true, now: () => now });
  });
  afterEach(() => t.cleanup());

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    app.request(`/api/pos/v1${path}`, {
      method: 'POST',
      body: typeof body === 'string' ? body : JSON.stringify(body),
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    });
  const sale = (over: Record<string, unknown> = {}) => ({
    receiptId: 'R-1001',
    member: { cardUid: '04A1B2C3D4E5F6' },
    amountMinor: 1_000_000,
    currency: 'IRR',
    lines: [
      { category: 'coffee', amountMinor: 400_000, quantity: 2 },
      { category: 'general', amountMinor: 600_000, quantity: 1 },
    ],
    ...over,
  });
  const written = async () => ({
    purchases: await t.db.get('SELECT count(*) AS n FROM purchases'),
    ledger: await t.db.get('SELECT count(*) AS n FROM points_ledger'),
    credit: await t.db.get('SELECT count(*) AS n FROM credit_ledger'),
    refunds: await t.db.get('SELECT count(*) AS n FROM refunds'),
  });
  const expectError = async (res: Response, status: number, code: string) => {
    expect(res.status, await res.clone().text()).toBe(status);
    const body = ApiError.parse(await res.json());
    expect(body.error.code).toBe(code);
    expect(body.error.message.length).toBeGreaterThan(10);
    return body;
  };

  it('records a purchase by card once and answers the retry with the same result', async () => {
    // m-1001 is silver (×1.25): coffee 400,000 ×2 + general 600,000 = 1,400,000 → 14 × 1.25 = 17.5 → 17.
    const first = await post('/purchases', sale());
    expect(first.status).toBe(201);
    expect(await first.json()).toMatchObject({
      memberId: 'm-1001',
      points: 17,
      balance: 137,
      credit: { earnedMinor: 50_000, balanceMinor: 50_000, currency: 'IRR' },
      replay: false,
    });
    const again = await post('/purchases', sale());
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ points: 17, balance: 137, replay: true });
    const before = await written();
    await expectError(
      await post('/purchases', sale({ amountMinor: 2_000_000, lines: [] })),
      409,
      'receipt-conflict',
    );
    expect(await written()).toEqual(before);
  });

  it('finds members by mobile (any digits) and by member number', async () => {
    const byPhone = await post(
      '/purchases',
      sale({ receiptId: 'R-2', member: { phone: '۰۹۱۲ ۱۲۳ ۴۵۶۷' }, lines: [] }),
    );
    expect(byPhone.status).toBe(201);
    expect(await byPhone.json()).toMatchObject({ memberId: 'm-1002', points: 10 });
    const byNumber = await post(
      '/purchases',
      sale({ receiptId: 'R-3', member: { memberNumber: 1003 }, lines: [] }),
    );
    // m-1003 is gold: 10 × 1.5 = 15.
    expect(await byNumber.json()).toMatchObject({ memberId: 'm-1003', points: 15 });
    const lookup = await app.request('/api/pos/v1/members?phone=09121234567', {
      headers: { 'x-api-key': key },
    });
    expect(await lookup.json()).toMatchObject({
      memberId: 'm-1002',
      points: { balance: 50, spendable: 40, pending: 10 },
      credit: { balanceMinor: 50_000, currency: 'IRR' },
    });
  });

  it('refunds reverse points and cashback; spending credit is idempotent and bounded', async () => {
    await post('/purchases', sale());
    const refund = await post('/refunds', { refundId: 'F-1', receiptId: 'R-1001', amountMinor: 500_000 });
    expect(refund.status).toBe(201);
    // Half of 17 → floor(8.5) = 8 points; half of 50,000 → 25,000 credit.
    expect(await refund.json()).toMatchObject({
      pointsReversed: 8,
      creditReversedMinor: 25_000,
      balance: 129,
    });
    const spend = {
      spendId: 'S-1',
      member: { cardUid: '04a1b2c3d4e5f6' },
      amountMinor: 20_000,
      currency: 'IRR',
    };
    expect((await post('/credit/spend', spend)).status).toBe(201);
    const again = await post('/credit/spend', spend);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ balance: 5_000, replay: true });
    await expectError(
      await post('/credit/spend', { ...spend, spendId: 'S-2', amountMinor: 5_001 }),
      409,
      'insufficient-credit',
    );
    await expectError(
      await post('/refunds', { refundId: 'F-2', receiptId: 'R-1001', amountMinor: 500_001 }),
      422,
      'refund-exceeds-purchase',
    );
    await expectError(
      await post('/refunds', { refundId: 'F-3', receiptId: 'R-404' }),
      404,
      'purchase-not-found',
    );
  });

  it.each([
    ['a negative amount', sale({ amountMinor: -5 }), 400, 'invalid-request'],
    ['a fractional amount', sale({ amountMinor: 100.5 }), 400, 'invalid-request'],
    ['an absurd amount', sale({ amountMinor: 10 ** 15, lines: [] }), 400, 'invalid-request'],
    ['an amount as a string', sale({ amountMinor: '1000000' }), 400, 'invalid-request'],
    ['an invalid phone', sale({ member: { phone: '02188776655' } }), 400, 'invalid-phone'],
    [
      'two ways to name the member',
      sale({ member: { cardUid: '04A1B2C3D4E5F6', memberNumber: 1001 } }),
      400,
      'invalid-request',
    ],
    ['a malformed card UID', sale({ member: { cardUid: 'xyz' } }), 400, 'invalid-request'],
    ['a receipt id with spaces', sale({ receiptId: 'R 1' }), 400, 'invalid-request'],
    ['an unknown field', sale({ discount: 5 }), 400, 'invalid-request'],
    [
      'an unknown category',
      sale({ lines: [{ category: 'tobacco', amountMinor: 1_000_000, quantity: 1 }] }),
      422,
      'unknown-category',
    ],
    ['lines that do not add up', sale({ amountMinor: 999_999 }), 422, 'lines-mismatch'],
    ['a foreign currency', sale({ currency: 'USD', lines: [] }), 422, 'currency-mismatch'],
    ['an unknown card', sale({ member: { cardUid: 'DEADBEEF' } }), 404, 'member-not-found'],
    ['an unknown mobile', sale({ member: { phone: '09350000000' } }), 404, 'member-not-found'],
    ['not JSON', '{"receiptId": ', 400, 'invalid-json'],
  ])('refuses %s with a clear code and writes nothing', async (_name, body, status, code) => {
    const before = await written();
    await expectError(await post('/purchases', body), status, code);
    expect(await written()).toEqual(before);
  });

  it('refuses a blocked card', async () => {
    await t.db.run("UPDATE cards SET status = 'blocked' WHERE uid = '04A1B2C3D4E5F6'");
    await expectError(await post('/purchases', sale()), 403, 'card-blocked');
  });

  it('refuses missing and wrong API keys, other content types and oversize bodies', async () => {
    const before = await written();
    await expectError(await post('/purchases', sale(), { authorization: '' }), 401, 'missing-api-key');
    await expectError(
      await post('/purchases', sale(), { authorization: 'Bearer bgk_wrong' }),
      401,
      'invalid-api-key',
    );
    await expectError(
      await post('/purchases', sale(), { 'content-type': 'text/plain' }),
      415,
      'unsupported-media-type',
    );
    const big = JSON.stringify(sale({ lines: [], pad: 'x'.repeat(70_000) }));
    await expectError(
      await post('/purchases', big, { 'content-length': String(big.length) }),
      413,
      'payload-too-large',
    );
    expect(await written()).toEqual(before);
  });

  it('lists every problem in machine-readable details', async () => {
    const res = await post('/purchases', sale({ amountMinor: -1, currency: 'rial' }));
    const body = (await res.json()) as { error: { details: { issues: Array<{ path: string }> } } };
    expect(body.error.details.issues.map((i) => i.path).sort()).toEqual(['amountMinor', 'currency']);
  });
});
