import { randomInt } from 'node:crypto';
import { z } from 'zod';
import { SegmentFilter, segmentMemberIds } from '../console/segments.js';
import type { Queryable } from '../db/sqlite.js';
import { audit } from '../engine/fraud.js';
import { credit } from '../engine/ledger.js';
import { enqueueMessage } from '../messaging/outbox.js';

const Text = z
  .object({ fa: z.string().trim().min(1).max(300), en: z.string().trim().min(1).max(300) })
  .strict();

export const CampaignAction = z.discriminatedUnion('type', [
  z.object({ type: z.literal('message'), text: Text }).strict(),
  z
    .object({
      type: z.literal('bonus-points'),
      points: z.number().int().min(1).max(100_000),
      text: Text.optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('discount-code'),
      percent: z.number().int().min(1).max(100),
      validDays: z.number().int().min(1).max(365),
      /** {{code}} in the text is the member's own code. */
      text: Text,
    })
    .strict(),
]);
export type CampaignAction = z.infer<typeof CampaignAction>;

export const CampaignInput = z
  .object({
    name: z.string().trim().min(1).max(80),
    segment: SegmentFilter,
    action: CampaignAction,
    /** Absent: now. */
    scheduledAt: z.iso.datetime().optional(),
  })
  .strict();
export type CampaignInput = z.infer<typeof CampaignInput>;

/** Purchases this long after a campaign count towards its results. */
export const ATTRIBUTION_DAYS = 30;

export async function createCampaign(
  db: Queryable,
  input: CampaignInput,
  by: string,
  now: Date,
): Promise<number> {
  return db.transaction(async () => {
    const r = await db.run(
      `INSERT INTO campaigns (name, segment, action, status, scheduled_at, created_by, created_at) VALUES (?, ?, ?, 'scheduled', ?, ?, ?)`,
      [
        input.name,
        JSON.stringify(input.segment),
        JSON.stringify(input.action),
        input.scheduledAt ?? now.toISOString(),
        by,
        now.toISOString(),
      ],
    );
    await audit(
      db,
      { actor: by, action: 'campaign.create', subject: `campaign:${r.lastID}`, details: { after: input } },
      now,
    );
    return r.lastID;
  });
}

const CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
function discountCode(): string {
  let s = 'C';
  for (let i = 0; i < 9; i++) s += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return s;
}

/**
 * Runs a campaign: every member of the segment (as it is now) gets the bonus points or their own
 * discount code, and a message. Members are handled in chunks of a transaction each, and each
 * member is recorded in campaign_members in the same transaction as their points, so a campaign
 * interrupted halfway resumes where it stopped and never pays anyone twice.
 */
export async function runCampaign(db: Queryable, id: number, now: Date): Promise<{ members: number }> {
  const c = await db.get<{ segment: string; action: string; status: string; name: string }>(
    'SELECT segment, action, status, name FROM campaigns WHERE id = ?',
    [id],
  );
  if (!c || c.status === 'done' || c.status === 'cancelled') return { members: 0 };
  await db.run("UPDATE campaigns SET status = 'running', started_at = coalesce(started_at, ?) WHERE id = ?", [
    now.toISOString(),
    id,
  ]);
  const action = CampaignAction.parse(JSON.parse(c.action));
  const ids = await segmentMemberIds(db, SegmentFilter.parse(JSON.parse(c.segment)));
  const validUntil =
    action.type === 'discount-code'
      ? new Date(now.getTime() + action.validDays * 86_400_000).toISOString()
      : undefined;
  for (let i = 0; i < ids.length; i += 200) {
    await db.transaction(async () => {
      for (const memberId of ids.slice(i, i + 200)) {
        const code = action.type === 'discount-code' ? discountCode() : null;
        const ins = await db.run(
          'INSERT INTO campaign_members (campaign_id, member_id, code, at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
          [id, memberId, code, now.toISOString()],
        );
        if (ins.changes === 0) continue;
        if (action.type === 'bonus-points') {
          await credit(db, { memberId, kind: 'earn', points: action.points, cause: `campaign:${id}` }, now);
        }
        const text = action.text;
        if (text) {
          await enqueueMessage(
            db,
            {
              memberId,
              kind: 'campaign',
              campaignId: id,
              dedupeKey: `campaign:${id}:${memberId}`,
              text,
              vars: {
                code: code ?? '',
                points: action.type === 'bonus-points' ? action.points : 0,
                date: validUntil?.slice(0, 10) ?? '',
              },
            },
            now,
          );
        }
      }
    });
  }
  await db.run("UPDATE campaigns SET status = 'done', finished_at = ? WHERE id = ?", [now.toISOString(), id]);
  return { members: ids.length };
}

export async function runDueCampaigns(db: Queryable, now: Date): Promise<number> {
  const due = await db.all<{ id: number }>(
    "SELECT id FROM campaigns WHERE status IN ('scheduled', 'running') AND scheduled_at <= ? ORDER BY scheduled_at",
    [now.toISOString()],
  );
  for (const c of due) await runCampaign(db, c.id, now);
  return due.length;
}

/**
 * Results: members reached, messages by status, codes redeemed, and purchases by the campaign's
 * members within ATTRIBUTION_DAYS of its start ("redeemers": used the code, or bought at all for
 * campaigns without a code) and their revenue.
 */
export async function campaignResults(db: Queryable, id: number) {
  const c = await db.get<{
    id: number;
    name: string;
    status: string;
    action: string;
    segment: string;
    scheduled_at: string;
    started_at: string | null;
    finished_at: string | null;
    created_by: string;
  }>('SELECT * FROM campaigns WHERE id = ?', [id]);
  if (!c) return undefined;
  const action = JSON.parse(c.action) as CampaignAction;
  const start = c.started_at ?? c.scheduled_at;
  const end = new Date(new Date(start).getTime() + ATTRIBUTION_DAYS * 86_400_000).toISOString();
  const reached = (await db.get<{ n: number }>(
    'SELECT count(*) AS n FROM campaign_members WHERE campaign_id = ?',
    [id],
  ))!.n;
  const messages = await db.all<{ status: string; n: number }>(
    'SELECT status, count(*) AS n FROM message_log WHERE campaign_id = ? GROUP BY status',
    [id],
  );
  const redeemers =
    action.type === 'discount-code'
      ? await db.get<{ n: number; revenue: number }>(
          `SELECT count(*) AS n, coalesce((SELECT sum(p.amount_minor - p.refunded_minor) FROM purchases p
             WHERE p.member_id IN (SELECT member_id FROM campaign_members WHERE campaign_id = ? AND redeemed_at IS NOT NULL)
               AND p.created_at >= ? AND p.created_at < ?), 0) AS revenue
           FROM campaign_members WHERE campaign_id = ? AND redeemed_at IS NOT NULL`,
          [id, start, end, id],
        )
      : await db.get<{ n: number; revenue: number }>(
          `SELECT count(DISTINCT p.member_id) AS n, coalesce(sum(p.amount_minor - p.refunded_minor), 0) AS revenue
           FROM campaign_members cm JOIN purchases p ON p.member_id = cm.member_id
           WHERE cm.campaign_id = ? AND p.created_at >= ? AND p.created_at < ?`,
          [id, start, end],
        );
  return {
    id: c.id,
    name: c.name,
    status: c.status,
    action,
    segment: JSON.parse(c.segment),
    scheduledAt: c.scheduled_at,
    startedAt: c.started_at,
    finishedAt: c.finished_at,
    createdBy: c.created_by,
    reached,
    messages: Object.fromEntries(messages.map((m) => [m.status, m.n])),
    redeemed: redeemers?.n ?? 0,
    revenueMinor: redeemers?.revenue ?? 0,
  };
}

/** A till redeems a member's campaign code (once). */
export async function redeemCampaignCode(
  db: Queryable,
  code: string,
  store: string,
  receipt: string,
  now: Date,
) {
  return db.transaction(async () => {
    const row = await db.get<{
      campaign_id: number;
      member_id: string;
      redeemed_at: string | null;
      action: string;
      started_at: string;
    }>(
      `SELECT cm.campaign_id, cm.member_id, cm.redeemed_at, c.action, c.started_at FROM campaign_members cm
       JOIN campaigns c ON c.id = cm.campaign_id WHERE cm.code = ?`,
      [code.trim().toUpperCase()],
    );
    if (!row) return { ok: false as const, reason: 'unknown-code' };
    if (row.redeemed_at) return { ok: false as const, reason: 'already-used' };
    const action = JSON.parse(row.action) as CampaignAction;
    if (action.type !== 'discount-code') return { ok: false as const, reason: 'unknown-code' };
    if (new Date(row.started_at).getTime() + action.validDays * 86_400_000 < now.getTime())
      return { ok: false as const, reason: 'expired' };
    await db.run(
      'UPDATE campaign_members SET redeemed_at = ?, redeemed_store = ?, redeemed_receipt = ? WHERE code = ?',
      [now.toISOString(), store, receipt, code.trim().toUpperCase()],
    );
    return { ok: true as const, memberId: row.member_id, percent: action.percent };
  });
}
