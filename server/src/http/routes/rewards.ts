import { MemberId } from '@bashgah/protocol';
import { Hono } from 'hono';
import { z } from 'zod';
import type { Queryable } from '../../db/sqlite.js';
import { audit, withFraudAlerts } from '../../engine/fraud.js';
import { availableRewards, cancelVoucher, claimReward } from '../../engine/rewards.js';
import { type OperatorEnv, requireOperator } from '../middleware/operator-auth.js';
import { parseInput, parseJsonBody } from '../validation.js';

export const ClaimBody = z
  .object({
    rewardId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'reward ids are 1-40 of a-z 0-9 -'),
    /** The client's idempotency key: a retried claim with the same id returns the same voucher. */
    requestId: z
      .string()
      .regex(/^[A-Za-z0-9._:-]{8,64}$/, 'requestId must be 8-64 of letters, digits and . _ : -'),
  })
  .strict();
export const CancelBody = z.object({ code: z.string().min(4).max(64) }).strict();

/** Rewards catalog, claims and cancellations for members. */
export function rewardRoutes(deps: { db: Queryable; now: () => Date; timeZone: string }) {
  const { db } = deps;
  const app = new Hono<OperatorEnv>();
  // Members claim and cancel at the kiosk, over MQTT from an authenticated device; over HTTP it is
  // head-office staff acting for a member, so it takes an operator session.
  const staff = requireOperator(db, 'operator');

  app.get('/api/rewards', async (c) => {
    const tier = parseInput(
      z.enum(['bronze', 'silver', 'gold', 'platinum']).default('platinum'),
      c.req.query('tier'),
      'tier',
    );
    const rows = await availableRewards(db, tier, deps.now());
    return c.json({
      rewards: rows.map((r) => ({
        id: r.id,
        name: { fa: r.name_fa, en: r.name_en },
        pointsCost: r.points_cost,
        stock: r.stock,
        minTier: r.min_tier,
        validTo: r.valid_to,
      })),
    });
  });

  app.post('/api/members/:id/redemptions', staff, async (c) => {
    const memberId = parseInput(MemberId, c.req.param('id'), 'member id');
    const body = await parseJsonBody(c, ClaimBody);
    const now = deps.now();
    const v = await withFraudAlerts(db, now, () =>
      claimReward(db, { memberId, rewardId: body.rewardId, requestKey: `http:${body.requestId}` }, now, {
        timeZone: deps.timeZone,
      }),
    );
    return c.json(v, v.replay ? 200 : 201);
  });

  app.post('/api/members/:id/vouchers/cancel', staff, async (c) => {
    const memberId = parseInput(MemberId, c.req.param('id'), 'member id');
    const body = await parseJsonBody(c, CancelBody);
    const now = deps.now();
    const result = await cancelVoucher(db, { code: body.code, memberId }, now);
    await audit(
      db,
      {
        actor: `operator:${c.get('session').operator.username}`,
        action: 'voucher.cancel',
        subject: `member:${memberId}`,
        details: result,
      },
      now,
    );
    return c.json(result);
  });

  return app;
}
