import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { TIER_CODES } from '@bashgah/protocol';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import { audit } from '../../engine/fraud.js';
import { createReward, RewardInput } from '../../engine/rewards.js';
import { HttpError } from '../errors.js';
import type { OperatorEnv } from '../middleware/operator-auth.js';
import { parseJsonBody } from '../validation.js';
import type { ConsoleDeps } from './console-deps.js';

export const IMAGE_MAX_BYTES = 1024 * 1024;

/** Image types by their first bytes: the content-type header alone is whatever the client says. */
const SIGNATURES: Array<{ type: string; ext: string; test: (b: Buffer) => boolean }> = [
  {
    type: 'image/png',
    ext: 'png',
    test: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  },
  { type: 'image/jpeg', ext: 'jpg', test: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  {
    type: 'image/webp',
    ext: 'webp',
    test: (b) =>
      b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP',
  },
];

const RewardPatch = z
  .object({
    name: z
      .object({ fa: z.string().min(1).max(80), en: z.string().min(1).max(80) })
      .strict()
      .optional(),
    pointsCost: z.number().int().positive().max(10_000_000).optional(),
    stock: z.number().int().min(0).nullable().optional(),
    validFrom: z.iso.datetime().nullable().optional(),
    validTo: z.iso.datetime().nullable().optional(),
    minTier: z.enum(TIER_CODES).nullable().optional(),
    perMemberLimit: z.number().int().positive().nullable().optional(),
    voucherDays: z.number().int().positive().max(365).optional(),
    active: z.boolean().optional(),
  })
  .strict();

const COLUMNS: Record<string, string> = {
  pointsCost: 'points_cost',
  stock: 'stock',
  validFrom: 'valid_from',
  validTo: 'valid_to',
  minTier: 'min_tier',
  perMemberLimit: 'per_member_limit',
  voucherDays: 'voucher_days',
};

interface Row {
  id: string;
  name_fa: string;
  name_en: string;
  points_cost: number;
  stock: number | null;
  valid_from: string | null;
  valid_to: string | null;
  min_tier: string | null;
  per_member_limit: number | null;
  voucher_days: number;
  active: number;
  image: string | null;
  issued?: number;
  used?: number;
}

const view = (r: Row) => ({
  id: r.id,
  name: { fa: r.name_fa, en: r.name_en },
  pointsCost: r.points_cost,
  stock: r.stock,
  validFrom: r.valid_from,
  validTo: r.valid_to,
  minTier: r.min_tier,
  perMemberLimit: r.per_member_limit,
  voucherDays: r.voucher_days,
  active: r.active === 1,
  image: r.image ? `/api/console/rewards/${r.id}/image` : null,
  issued: r.issued ?? 0,
  used: r.used ?? 0,
});

/** The rewards catalog: create, edit, retire, images. Every change is audited and pushed to kiosks. */
export function consoleRewardRoutes(
  deps: ConsoleDeps & { push: (by: string) => Promise<unknown>; uploadDir: string },
) {
  const app = new Hono<OperatorEnv>();
  const { viewer, operator } = deps.roles;
  const actor = (c: { get(k: 'session'): { operator: { username: string } } }) =>
    c.get('session').operator.username;
  const one = async (id: string) => {
    const r = await deps.db.get<Row>('SELECT * FROM rewards WHERE id = ?', [id]);
    if (!r) throw new HttpError(404, 'reward-not-found', `no reward ${id}`);
    return r;
  };

  app.get('/rewards', viewer, async (c) => {
    const rows = await deps.db.all<Row>(
      `SELECT r.*, (SELECT count(*) FROM vouchers v WHERE v.reward_id = r.id) AS issued,
         (SELECT count(*) FROM vouchers v WHERE v.reward_id = r.id AND v.status = 'used') AS used
       FROM rewards r ORDER BY r.active DESC, r.points_cost, r.id`,
    );
    return c.json({ rewards: rows.map(view) });
  });

  app.post('/rewards', operator, async (c) => {
    const body = await parseJsonBody(c, RewardInput);
    if (await deps.db.get('SELECT 1 FROM rewards WHERE id = ?', [body.id])) {
      throw new HttpError(409, 'reward-exists', `a reward with id ${body.id} exists; pick another id`);
    }
    await deps.db.transaction(async () => {
      await createReward(deps.db, body, deps.now());
      await audit(
        deps.db,
        { actor: actor(c), action: 'reward.create', subject: `reward:${body.id}`, details: { after: body } },
        deps.now(),
      );
    });
    await deps.push(actor(c));
    return c.json({ reward: view(await one(body.id)) }, 201);
  });

  app.patch('/rewards/:id', operator, async (c) => {
    const patch = await parseJsonBody(c, RewardPatch);
    const id = c.req.param('id');
    const before = view(await one(id));
    const sets: string[] = [];
    const params: unknown[] = [];
    for (const [k, col] of Object.entries(COLUMNS)) {
      const v = patch[k as keyof typeof patch];
      if (v !== undefined) {
        sets.push(`${col} = ?`);
        params.push(v);
      }
    }
    if (patch.name) {
      sets.push('name_fa = ?', 'name_en = ?');
      params.push(patch.name.fa, patch.name.en);
    }
    if (patch.active !== undefined) {
      sets.push('active = ?');
      params.push(patch.active ? 1 : 0);
    }
    const from = patch.validFrom !== undefined ? patch.validFrom : before.validFrom;
    const to = patch.validTo !== undefined ? patch.validTo : before.validTo;
    if (from && to && from >= to)
      throw new HttpError(400, 'invalid-request', 'validTo must be after validFrom');
    if (sets.length > 0) {
      await deps.db.transaction(async () => {
        await deps.db.run(`UPDATE rewards SET ${sets.join(', ')} WHERE id = ?`, [...params, id]);
        await audit(
          deps.db,
          {
            actor: actor(c),
            action: 'reward.update',
            subject: `reward:${id}`,
            details: { before, after: view(await one(id)) },
          },
          deps.now(),
        );
      });
      await deps.push(actor(c));
    }
    return c.json({ reward: view(await one(id)) });
  });

  app.put(
    '/rewards/:id/image',
    operator,
    bodyLimit({
      maxSize: IMAGE_MAX_BYTES,
      onError: () => {
        throw new HttpError(413, 'image-too-large', `an image may be at most ${IMAGE_MAX_BYTES / 1024} KiB`);
      },
    }),
    async (c) => {
      const id = c.req.param('id');
      await one(id);
      const bytes = Buffer.from(await c.req.arrayBuffer());
      const sig = SIGNATURES.find((s) => s.test(bytes));
      if (!sig) throw new HttpError(415, 'unsupported-image', 'send a PNG, JPEG or WebP image');
      const claimed = c.req.header('content-type') ?? '';
      if (claimed && claimed !== sig.type)
        throw new HttpError(415, 'unsupported-image', `the file is ${sig.type}, not ${claimed}`);
      const dir = path.join(deps.uploadDir, 'rewards');
      await mkdir(dir, { recursive: true });
      // Named by content: no operator-supplied text ever reaches the file system.
      const file = `${id}-${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}.${sig.ext}`;
      await writeFile(path.join(dir, file), bytes);
      await deps.db.transaction(async () => {
        const before = (await one(id)).image;
        await deps.db.run('UPDATE rewards SET image = ? WHERE id = ?', [file, id]);
        await audit(
          deps.db,
          {
            actor: actor(c),
            action: 'reward.image',
            subject: `reward:${id}`,
            details: { before, after: file, bytes: bytes.length },
          },
          deps.now(),
        );
      });
      return c.json({ reward: view(await one(id)) });
    },
  );

  app.get('/rewards/:id/image', viewer, async (c) => {
    const r = await one(c.req.param('id'));
    if (!r.image || !/^[a-z0-9-]+-[0-9a-f]{16}\.(png|jpg|webp)$/.test(r.image))
      throw new HttpError(404, 'no-image', 'this reward has no image');
    const ext = r.image.split('.').pop()!;
    const bytes = await readFile(path.join(deps.uploadDir, 'rewards', r.image));
    return c.body(new Uint8Array(bytes), 200, {
      'content-type': ext === 'jpg' ? 'image/jpeg' : `image/${ext}`,
      'cache-control': 'private, max-age=86400',
    });
  });

  return app;
}
