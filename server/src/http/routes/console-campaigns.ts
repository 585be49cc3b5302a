import { Hono } from 'hono';
import { z } from 'zod';
import { CampaignInput, campaignResults, createCampaign, runCampaign } from '../../campaigns/campaigns.js';
import { countMembers } from '../../console/segments.js';
import { audit } from '../../engine/fraud.js';
import { HttpError } from '../errors.js';
import type { OperatorEnv } from '../middleware/operator-auth.js';
import { parseInput, parseJsonBody } from '../validation.js';
import type { ConsoleDeps } from './console-deps.js';

const MessageQuery = z.object({
  status: z.enum(['queued', 'sent', 'failed', 'skipped']).optional(),
  kind: z.string().max(40).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** Campaigns (create, run now, results) and the message log. */
export function consoleCampaignRoutes(deps: ConsoleDeps) {
  const app = new Hono<OperatorEnv>();
  const { viewer, operator } = deps.roles;
  const actor = (c: { get(k: 'session'): { operator: { username: string } } }) =>
    c.get('session').operator.username;

  app.get('/campaigns', viewer, async (c) => {
    const ids = await deps.db.all<{ id: number }>('SELECT id FROM campaigns ORDER BY id DESC LIMIT 100');
    return c.json({ campaigns: await Promise.all(ids.map((r) => campaignResults(deps.db, r.id))) });
  });

  app.post('/campaigns', operator, async (c) => {
    const body = await parseJsonBody(c, CampaignInput);
    const audience = await countMembers(deps.db, body.segment);
    const id = await createCampaign(deps.db, body, actor(c), deps.now());
    // Immediate campaigns run now, inside the request, so the operator sees the result at once.
    if (!body.scheduledAt || new Date(body.scheduledAt) <= deps.now())
      await runCampaign(deps.db, id, deps.now());
    return c.json({ audience, campaign: await campaignResults(deps.db, id) }, 201);
  });

  app.get('/campaigns/:id', viewer, async (c) => {
    const r = await campaignResults(deps.db, Number(c.req.param('id')));
    if (!r) throw new HttpError(404, 'campaign-not-found', `no campaign ${c.req.param('id')}`);
    return c.json({ campaign: r });
  });

  app.post('/campaigns/:id/cancel', operator, async (c) => {
    const id = Number(c.req.param('id'));
    const r = await deps.db.run(
      "UPDATE campaigns SET status = 'cancelled' WHERE id = ? AND status = 'scheduled'",
      [id],
    );
    if (r.changes === 0)
      throw new HttpError(409, 'campaign-not-scheduled', 'only a scheduled campaign can be cancelled');
    await audit(
      deps.db,
      {
        actor: actor(c),
        action: 'campaign.cancel',
        subject: `campaign:${id}`,
        details: { before: 'scheduled', after: 'cancelled' },
      },
      deps.now(),
    );
    return c.json({ campaign: await campaignResults(deps.db, id) });
  });

  app.get('/messages', viewer, async (c) => {
    const q = parseInput(MessageQuery, c.req.query(), 'query');
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.status) {
      where.push('status = ?');
      params.push(q.status);
    }
    if (q.kind) {
      where.push('kind = ?');
      params.push(q.kind);
    }
    const rows = await deps.db.all(
      `SELECT id, member_id AS memberId, channel, kind, recipient, body, status, reason, attempts, provider, campaign_id AS campaignId,
         created_at AS createdAt, sent_at AS sentAt FROM message_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`,
      [...params, q.limit],
    );
    const totals = await deps.db.all('SELECT status, count(*) AS n FROM message_log GROUP BY status');
    return c.json({ messages: rows, totals });
  });

  return app;
}
