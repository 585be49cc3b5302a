import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger, tempDb } from '../../../test/helpers.js';
import { createCampaign, runCampaign } from '../../campaigns/campaigns.js';
import { importMembers } from '../../console/members.js';
import { createStore } from '../../engine/stores.js';
import { createApp } from '../app.js';

const NOW = new Date('2025-06-01T08:00:00.000Z');

describe('POS: non-member sales and campaign codes', () => {
  let t: Awaited<ReturnType<typeof tempDb>>;
  let app: ReturnType<typeof createApp>;
  let key = '';
  const post = (path: string, body: unknown, k = key) =>
    app.request(`/api/pos/v1${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${k}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  beforeEach(async () => {
    t = await tempDb();
    app = createApp({
      db: t.db,
      policy: { points: 10, timeZone: 'Asia/Tehran' },
      logger: silentLogger,
      mqttConnected: () => true,
      now: () => NOW,
    });
    key = (await createStore(t.db, { id: 'S1', name: 'Tajrish' }, NOW)).apiKey;
  });
  afterEach(() => t.cleanup());

  it('records a sale without a card once per receipt, for the store of the key', async () => {
    expect((await post('/anonymous-sales', { receiptId: 'A1', amountMinor: 500_000 })).status).toBe(201);
    expect((await post('/anonymous-sales', { receiptId: 'A1', amountMinor: 500_000 })).status).toBe(200);
    expect((await post('/anonymous-sales', { receiptId: 'A2', amountMinor: -1 })).status).toBe(400);
    expect((await post('/anonymous-sales', { receiptId: 'A3', amountMinor: 1 }, 'bgk_wrong')).status).toBe(
      401,
    );
    expect(await t.db.all('SELECT store_id, receipt_id, amount_minor FROM anonymous_sales')).toEqual([
      { store_id: 'S1', receipt_id: 'A1', amount_minor: 500_000 },
    ]);
  });

  it('redeems a campaign discount code once', async () => {
    await importMembers(t.db, [{ name: 'Ali', phone: '09121110001', consent_marketing: 'yes' }], 'test', NOW);
    const id = await createCampaign(
      t.db,
      {
        name: 'C',
        segment: {},
        action: {
          type: 'discount-code',
          percent: 15,
          validDays: 7,
          text: { fa: '{{code}}', en: '{{code}}' },
        },
      },
      'test',
      NOW,
    );
    await runCampaign(t.db, id, NOW);
    const code = (await t.db.get<{ code: string }>('SELECT code FROM campaign_members'))!.code;
    const ok = await post('/campaign-codes/redeem', { code, receiptId: 'R1' });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ memberId: 'm-1001', percent: 15 });
    expect((await post('/campaign-codes/redeem', { code, receiptId: 'R2' })).status).toBe(409);
    expect((await post('/campaign-codes/redeem', { code: 'CNOPE12345', receiptId: 'R2' })).status).toBe(404);
  });
});
