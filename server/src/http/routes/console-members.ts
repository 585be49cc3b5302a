import { CardUid } from '@bashgah/protocol';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { stream } from 'hono/streaming';
import { z } from 'zod';
import { roleAtLeast } from '../../auth/operators.js';
import { csvLine, csvObjects } from '../../console/csv.js';
import {
  Adjustment,
  adjustPoints,
  blockMemberCard,
  EXPORT_COLUMNS,
  IMPORT_COLUMNS,
  importMembers,
  MemberPatch,
  memberDetail,
  moveToNewCard,
  revealPhoneAudit,
  updateMember,
} from '../../console/members.js';
import {
  countMembers,
  getSegment,
  listMembers,
  listSegments,
  SegmentFilter,
} from '../../console/segments.js';
import { audit } from '../../engine/fraud.js';
import { maskPhone } from '../../engine/phone.js';
import { HttpError } from '../errors.js';
import type { OperatorEnv } from '../middleware/operator-auth.js';
import { parseInput, parseJsonBody } from '../validation.js';
import type { ConsoleDeps } from './console-deps.js';

export const IMPORT_MAX_BYTES = 8 * 2 ** 20;

const QueryBody = z
  .object({
    filter: SegmentFilter.default({}),
    segmentId: z.number().int().positive().optional(),
    after: z.number().int().min(0).optional(),
    limit: z.number().int().min(1).max(200).default(50),
    count: z.boolean().default(true),
  })
  .strict();

const SegmentBody = z.object({ name: z.string().trim().min(1).max(80), filter: SegmentFilter }).strict();
const BlockBody = z.object({ reason: z.string().trim().min(3).max(200) }).strict();
const ReplaceBody = z.object({ newUid: CardUid }).strict();
const MemberIdParam = z.string().min(1).max(64);

/** Members, segments, import and export for the console, under /api/console. */
export function consoleMemberRoutes(deps: ConsoleDeps) {
  const app = new Hono<OperatorEnv>();
  const { viewer, operator, admin } = deps.roles;
  const actor = (c: { get(k: 'session'): { operator: { username: string } } }) =>
    c.get('session').operator.username;

  async function resolveFilter(filter: SegmentFilter, segmentId: number | undefined): Promise<SegmentFilter> {
    if (segmentId === undefined) return filter;
    const seg = await getSegment(deps.db, segmentId);
    if (!seg) throw new HttpError(404, 'segment-not-found', `no saved segment ${segmentId}`);
    return { ...seg.filter, ...filter };
  }

  app.post('/members/query', viewer, async (c) => {
    const body = await parseJsonBody(c, QueryBody);
    const filter = await resolveFilter(body.filter, body.segmentId);
    const [members, count] = await Promise.all([
      listMembers(deps.db, filter, { after: body.after, limit: body.limit }),
      body.count ? countMembers(deps.db, filter) : Promise.resolve(undefined),
    ]);
    // Lists never carry full numbers: the member page reveals one on request, audited.
    return c.json({
      members: members.map((m) => ({ ...m, phone: m.phone ? maskPhone(m.phone) : null })),
      count,
      next: members.length === body.limit ? members.at(-1)?.number : undefined,
    });
  });

  app.get('/members/:id', viewer, async (c) => {
    const id = parseInput(MemberIdParam, c.req.param('id'), 'member id');
    const reveal = c.req.query('reveal') === 'phone';
    if (reveal) {
      if (!roleAtLeast(c.get('session').operator.role, 'operator')) {
        throw new HttpError(403, 'forbidden', 'seeing the full mobile number needs the operator role');
      }
      await revealPhoneAudit(deps.db, id, actor(c), deps.now());
    }
    return c.json(await memberDetail(deps.db, id, { revealPhone: reveal }));
  });

  app.patch('/members/:id', operator, async (c) => {
    const patch = await parseJsonBody(c, MemberPatch);
    return c.json({ member: await updateMember(deps.db, c.req.param('id'), patch, actor(c), deps.now()) });
  });

  app.post('/members/:id/adjust', operator, async (c) => {
    const body = await parseJsonBody(c, Adjustment);
    return c.json(await adjustPoints(deps.db, c.req.param('id'), body, actor(c), deps.now()));
  });

  app.post('/members/:id/cards/:uid/block', operator, async (c) => {
    const uid = parseInput(CardUid, c.req.param('uid'), 'card uid');
    const body = await parseJsonBody(c, BlockBody);
    await blockMemberCard(deps.db, c.req.param('id'), uid, body.reason, actor(c), deps.now());
    return c.json({ ok: true });
  });

  app.post('/members/:id/cards/:uid/replace', operator, async (c) => {
    const uid = parseInput(CardUid, c.req.param('uid'), 'card uid');
    const body = await parseJsonBody(c, ReplaceBody);
    await moveToNewCard(deps.db, c.req.param('id'), uid, body.newUid, actor(c), deps.now());
    return c.json({ ok: true });
  });

  app.post(
    '/members-import',
    admin,
    bodyLimit({
      maxSize: IMPORT_MAX_BYTES,
      onError: () => {
        throw new HttpError(
          413,
          'payload-too-large',
          `an import file may be at most ${IMPORT_MAX_BYTES} bytes; split it`,
        );
      },
    }),
    async (c) => {
      const type = c.req.header('content-type') ?? '';
      if (!/^text\/csv\b/i.test(type))
        throw new HttpError(415, 'unsupported-media-type', 'send the file as text/csv');
      const { header, rows } = csvObjects(await c.req.text());
      const unknown = header.filter((h) => !IMPORT_COLUMNS.includes(h));
      if (!header.includes('name') || !header.includes('phone') || unknown.length > 0) {
        throw new HttpError(
          400,
          'bad-header',
          `the header must name columns among ${IMPORT_COLUMNS.join(', ')} (name and phone required)`,
          {
            unknown,
          },
        );
      }
      if (rows.length === 0) throw new HttpError(400, 'empty-file', 'the file has no data rows');
      if (rows.length > 50_000) throw new HttpError(413, 'too-many-rows', 'at most 50,000 rows per import');
      const r = await importMembers(deps.db, rows, actor(c), deps.now());
      if ('errors' in r) {
        throw new HttpError(
          422,
          'import-invalid',
          `${r.errors.length} problem(s) found; nothing was imported`,
          {
            errors: r.errors.slice(0, 1000),
          },
        );
      }
      deps.logger.info({ imported: r.imported, by: actor(c) }, 'members imported');
      return c.json(r);
    },
  );

  /** CSV of the members a filter picks (`?filter=<json>` or `?segment=<id>`), streamed page by page. */
  app.get('/members-export.csv', operator, async (c) => {
    const raw = c.req.query('filter');
    let json: unknown = {};
    try {
      json = raw ? JSON.parse(raw) : {};
    } catch {
      throw new HttpError(400, 'bad-request', 'filter must be JSON');
    }
    const seg = c.req.query('segment');
    const filter = await resolveFilter(
      parseInput(SegmentFilter, json, 'filter'),
      seg ? Number(seg) : undefined,
    );
    await audit(
      deps.db,
      { actor: actor(c), action: 'members.export', subject: 'members', details: { filter } },
      deps.now(),
    );
    c.header('content-type', 'text/csv; charset=utf-8');
    c.header('content-disposition', 'attachment; filename="members.csv"');
    return stream(c, async (s) => {
      await s.write(`\uFEFF${csvLine(EXPORT_COLUMNS)}`);
      let after = 0;
      for (;;) {
        const page = await listMembers(deps.db, filter, { after, limit: 1000 });
        if (page.length === 0) break;
        await s.write(
          page
            .map((m) =>
              csvLine([
                m.number,
                m.displayName,
                m.phone ? `0${m.phone.slice(3)}` : '',
                '',
                m.tier,
                m.points,
                m.spendMinor,
                m.visits,
                m.lastVisitAt,
                m.rfmSegment,
                m.createdAt,
              ]),
            )
            .join(''),
        );
        after = page.at(-1)!.number;
      }
    });
  });

  // --- saved segments ---
  app.get('/segments', viewer, async (c) => c.json({ segments: await listSegments(deps.db) }));

  app.post('/segments', operator, async (c) => {
    const body = await parseJsonBody(c, SegmentBody);
    const at = deps.now();
    const r = await deps.db.transaction(async () => {
      const exists = await deps.db.get('SELECT 1 FROM saved_segments WHERE name = ?', [body.name]);
      if (exists) throw new HttpError(409, 'segment-exists', `a segment named ${body.name} exists`);
      const ins = await deps.db.run(
        'INSERT INTO saved_segments (name, filter, created_by, created_at) VALUES (?, ?, ?, ?)',
        [body.name, JSON.stringify(body.filter), actor(c), at.toISOString()],
      );
      await audit(
        deps.db,
        {
          actor: actor(c),
          action: 'segment.create',
          subject: `segment:${ins.lastID}`,
          details: { after: body },
        },
        at,
      );
      return ins.lastID;
    });
    return c.json({ id: r, count: await countMembers(deps.db, body.filter) }, 201);
  });

  app.get('/segments/:id/count', viewer, async (c) => {
    const seg = await getSegment(deps.db, Number(c.req.param('id')));
    if (!seg) throw new HttpError(404, 'segment-not-found', `no saved segment ${c.req.param('id')}`);
    return c.json({ count: await countMembers(deps.db, seg.filter) });
  });

  app.delete('/segments/:id', operator, async (c) => {
    const seg = await getSegment(deps.db, Number(c.req.param('id')));
    if (!seg) throw new HttpError(404, 'segment-not-found', `no saved segment ${c.req.param('id')}`);
    await deps.db.transaction(async () => {
      await deps.db.run('DELETE FROM saved_segments WHERE id = ?', [seg.id]);
      await audit(
        deps.db,
        { actor: actor(c), action: 'segment.delete', subject: `segment:${seg.id}`, details: { before: seg } },
        deps.now(),
      );
    });
    return c.body(null, 204);
  });

  return app;
}
