import { Hono } from 'hono';
import type { Queryable } from '../../db/sqlite.js';
import { creditBalance, spendCredit } from '../../engine/credit.js';
import { withFraudAlerts } from '../../engine/fraud.js';
import { pointsSummary } from '../../engine/lots.js';
import { resolveMember } from '../../engine/member-ref.js';
import { recordPurchase, refundPurchase } from '../../engine/purchases.js';
import { useVoucher } from '../../engine/rewards.js';
import { activeRules } from '../../engine/rules/store.js';
import { requireStoreKey, type StoreEnv } from '../middleware/api-key.js';
import { parseInput, parseJsonBody } from '../validation.js';
import { CreditSpendBody, MemberQuery, PurchaseBody, RefundBody, VoucherRedeemBody } from './pos-schemas.js';

export interface PosDeps {
  db: Queryable;
  timeZone: string;
  now: () => Date;
}

/**
 * The till's API (`/api/pos/v1`). Every write is idempotent by the till's own id (receipt, refund,
 * spend): a retry after a timeout gets the first answer (200, `replay: true`) instead of a second
 * sale. New records answer 201. Bodies are validated in full before anything is looked up.
 */
export function posRoutes(deps: PosDeps) {
  const { db } = deps;
  const app = new Hono<StoreEnv>();
  app.use('*', requireStoreKey(db));

  app.get('/members', async (c) => {
    const q = parseInput(MemberQuery, c.req.query(), 'query');
    const ref = q.card ? { cardUid: q.card } : q.phone ? { phone: q.phone } : { memberNumber: q.number! };
    const memberId = await resolveMember(db, ref);
    const member = await db.get<{ number: number; display_name: string; tier: string }>(
      'SELECT number, display_name, tier FROM members WHERE id = ?',
      [memberId],
    );
    const { config } = await activeRules(db);
    return c.json({
      memberId,
      number: member!.number,
      displayName: member!.display_name,
      tier: member!.tier,
      points: await pointsSummary(db, memberId, deps.now()),
      credit: { balanceMinor: await creditBalance(db, memberId, config.currency), currency: config.currency },
    });
  });

  app.post('/purchases', async (c) => {
    const body = await parseJsonBody(c, PurchaseBody);
    const store = c.get('store');
    const memberId = await resolveMember(db, body.member);
    const now = deps.now();
    const result = await withFraudAlerts(db, now, () =>
      recordPurchase(
        db,
        {
          storeId: store.id,
          receiptId: body.receiptId,
          memberId,
          amountMinor: body.amountMinor,
          currency: body.currency,
          lines: body.lines.map((l) => ({
            category: l.category,
            amountMinor: l.amountMinor,
            quantity: l.quantity,
          })),
          staffId: body.staffId,
        },
        { now, timeZone: deps.timeZone },
      ),
    );
    return c.json(result, result.replay ? 200 : 201);
  });

  app.post('/refunds', async (c) => {
    const body = await parseJsonBody(c, RefundBody);
    const result = await refundPurchase(
      db,
      { storeId: c.get('store').id, ...body },
      { now: deps.now(), timeZone: deps.timeZone },
    );
    return c.json(result, result.replay ? 200 : 201);
  });

  app.post('/credit/spend', async (c) => {
    const body = await parseJsonBody(c, CreditSpendBody);
    const memberId = await resolveMember(db, body.member);
    const result = await spendCredit(
      db,
      {
        storeId: c.get('store').id,
        spendId: body.spendId,
        memberId,
        amountMinor: body.amountMinor,
        currency: body.currency,
      },
      deps.now(),
    );
    return c.json(result, result.replay ? 200 : 201);
  });

  app.post('/vouchers/redeem', async (c) => {
    const body = await parseJsonBody(c, VoucherRedeemBody);
    return c.json(
      await useVoucher(
        db,
        { codeOrToken: body.code, storeId: c.get('store').id, receiptId: body.receiptId },
        deps.now(),
      ),
    );
  });

  return app;
}
