import { Hono } from 'hono';
import { z } from 'zod';
import { redeemCampaignCode } from '../../campaigns/campaigns.js';
import type { Queryable } from '../../db/sqlite.js';
import { HttpError } from '../errors.js';
import { requireStoreKey, type StoreEnv } from '../middleware/api-key.js';
import { parseJsonBody } from '../validation.js';

const AnonymousSale = z
  .object({
    receiptId: z.string().min(1).max(64),
    amountMinor: z.number().int().positive().max(1e13),
  })
  .strict();

const Redeem = z
  .object({
    code: z.string().trim().min(4).max(32),
    receiptId: z.string().min(1).max(64),
  })
  .strict();

/**
 * POS calls the console's reports and campaigns need, beside the engine's POS API (same store key):
 * sales to shoppers without a card (for the member vs non-member basket) and campaign discount codes.
 */
export function posClubExtraRoutes(deps: { db: Queryable; now: () => Date }) {
  const app = new Hono<StoreEnv>();
  app.use('*', requireStoreKey(deps.db));

  /** Idempotent by receipt id: a replay changes nothing. */
  app.post('/anonymous-sales', async (c) => {
    const body = await parseJsonBody(c, AnonymousSale);
    const store = c.get('store').id;
    const r = await deps.db.run(
      'INSERT INTO anonymous_sales (store_id, receipt_id, amount_minor, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
      [store, body.receiptId, body.amountMinor, deps.now().toISOString()],
    );
    return c.json({ recorded: r.changes === 1 }, r.changes === 1 ? 201 : 200);
  });

  app.post('/campaign-codes/redeem', async (c) => {
    const body = await parseJsonBody(c, Redeem);
    const r = await redeemCampaignCode(deps.db, body.code, c.get('store').id, body.receiptId, deps.now());
    if (!r.ok) {
      const status = r.reason === 'unknown-code' ? 404 : 409;
      throw new HttpError(status, r.reason, `discount code ${body.code}: ${r.reason.replace('-', ' ')}`);
    }
    return c.json({ memberId: r.memberId, percent: r.percent });
  });

  return app;
}
