import { CardUid, TIER_CODES } from '@bashgah/protocol';
import { z } from 'zod';
import type { Queryable } from '../db/sqlite.js';
import { normaliseIranMobile, toLatinDigits } from '../engine/phone.js';

export const RFM_SEGMENTS = [
  'champions',
  'loyal',
  'potential-loyalist',
  'new',
  'promising',
  'need-attention',
  'at-risk',
  'cannot-lose',
  'hibernating',
  'lost',
] as const;
export type RfmSegment = (typeof RFM_SEGMENTS)[number];

const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}(T[\d:.]+Z)?$/, 'a date YYYY-MM-DD or an ISO time');
const Minor = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/**
 * What picks members for a list, a saved segment or a campaign. Every field narrows; absent means
 * "any". Money in minor units (Rial), net of refunds.
 */
export const SegmentFilter = z
  .object({
    q: z.string().trim().min(1).max(80).optional(),
    tiers: z.array(z.enum(TIER_CODES)).min(1).max(4).optional(),
    minSpend: Minor.optional(),
    maxSpend: Minor.optional(),
    minVisits: z.number().int().min(0).optional(),
    maxVisits: z.number().int().min(0).optional(),
    lastVisitAfter: IsoDate.optional(),
    lastVisitBefore: IsoDate.optional(),
    categories: z.array(z.string().min(1).max(32)).min(1).max(20).optional(),
    rfm: z.array(z.enum(RFM_SEGMENTS)).min(1).max(RFM_SEGMENTS.length).optional(),
    store: z.string().min(1).max(80).optional(),
    /** Only members who agreed to marketing messages and did not opt out. */
    reachable: z.boolean().optional(),
  })
  .strict();
export type SegmentFilter = z.infer<typeof SegmentFilter>;

interface Where {
  sql: string;
  params: unknown[];
}

/**
 * How a free-text search is read: a mobile number (any way it is typed), a card UID, a member
 * number, or else a name. Each is answered by an index, so search stays fast on a million members.
 */
export function searchClause(raw: string): Where {
  const q = toLatinDigits(raw.trim());
  const phone = normaliseIranMobile(q);
  if (phone) return { sql: 'm.phone = ?', params: [phone] };
  if (/^\d{1,12}$/.test(q)) {
    // A member number; an operator typing the start of a mobile (0912…) gets a phone prefix too.
    return /^0?9\d{0,9}$/.test(q) && q.length >= 4
      ? {
          sql: '(m.number = ? OR (m.phone >= ? AND m.phone < ?))',
          params: [Number(q), ...prefixRange(`+98${q.replace(/^0/, '')}`)],
        }
      : { sql: 'm.number = ?', params: [Number(q)] };
  }
  const uid = CardUid.safeParse(q);
  if (uid.success) return { sql: 'm.id IN (SELECT member_id FROM cards WHERE uid = ?)', params: [uid.data] };
  if ([...raw.trim()].length >= 3) {
    // Trigram FTS: a substring anywhere in the name. Quoted, so operators' text is never FTS syntax.
    return {
      sql: 'm.rowid IN (SELECT rowid FROM members_fts WHERE members_fts MATCH ?)',
      params: [`"${raw.trim().replace(/"/g, '""')}"`],
    };
  }
  return { sql: 'm.display_name >= ? AND m.display_name < ?', params: prefixRange(raw.trim()) };
}

function prefixRange(prefix: string): [string, string] {
  return [prefix, `${prefix}\u{10FFFF}`];
}

/** The WHERE clause (over members m JOIN member_stats s) for a filter. */
export function segmentWhere(f: SegmentFilter): Where {
  const parts: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, ...p: unknown[]) => {
    parts.push(sql);
    params.push(...p);
  };
  if (f.q) {
    const w = searchClause(f.q);
    add(w.sql, ...w.params);
  }
  if (f.tiers) add(`s.tier IN (${f.tiers.map(() => '?').join(',')})`, ...f.tiers);
  if (f.minSpend !== undefined) add('s.spend_minor >= ?', f.minSpend);
  if (f.maxSpend !== undefined) add('s.spend_minor <= ?', f.maxSpend);
  if (f.minVisits !== undefined) add('s.visits >= ?', f.minVisits);
  if (f.maxVisits !== undefined) add('s.visits <= ?', f.maxVisits);
  if (f.lastVisitAfter) add('s.last_visit_at >= ?', f.lastVisitAfter);
  // "Not seen since" includes members never seen at all (their last_visit_at is '').
  if (f.lastVisitBefore) add('s.last_visit_at < ?', f.lastVisitBefore);
  if (f.categories) {
    add(
      `s.member_id IN (SELECT member_id FROM member_categories WHERE category IN (${f.categories.map(() => '?').join(',')}))`,
      ...f.categories,
    );
  }
  if (f.rfm) add(`s.rfm_segment IN (${f.rfm.map(() => '?').join(',')})`, ...f.rfm);
  if (f.store) add('s.member_id IN (SELECT member_id FROM member_stores WHERE store_id = ?)', f.store);
  if (f.reachable) add('s.reachable = 1');
  return { sql: parts.length ? parts.join(' AND ') : '1', params };
}

export interface MemberListRow {
  id: string;
  number: number;
  displayName: string;
  phone: string | null;
  tier: string;
  points: number;
  spendMinor: number;
  visits: number;
  lastVisitAt: string | null;
  rfmSegment: string | null;
  createdAt: string;
}

const LIST_COLUMNS = `m.id, m.number, m.display_name AS displayName, m.phone, m.tier,
  coalesce(b.points, 0) AS points, s.spend_minor AS spendMinor, s.visits, nullif(s.last_visit_at, '') AS lastVisitAt,
  s.rfm_segment AS rfmSegment, m.created_at AS createdAt`;

/** One page of members, by member number (keyset paging: page 10,000 costs what page 1 does). */
export async function listMembers(
  db: Queryable,
  filter: SegmentFilter,
  page: { after?: number; limit: number },
): Promise<MemberListRow[]> {
  const w = segmentWhere(filter);
  return db.all<MemberListRow>(
    `SELECT ${LIST_COLUMNS} FROM members m JOIN member_stats s ON s.member_id = m.id
     LEFT JOIN balances b ON b.member_id = m.id
     WHERE ${w.sql} AND m.number > ? ORDER BY m.number LIMIT ?`,
    [...w.params, page.after ?? 0, page.limit],
  );
}

export async function countMembers(db: Queryable, filter: SegmentFilter): Promise<number> {
  // One store or one category alone: the membership table's primary key answers it directly.
  const keys = Object.keys(filter).filter((k) => filter[k as keyof SegmentFilter] !== undefined);
  if (keys.length === 1 && filter.store) {
    return (
      (
        await db.get<{ n: number }>('SELECT count(*) AS n FROM member_stores WHERE store_id = ?', [
          filter.store,
        ])
      )?.n ?? 0
    );
  }
  if (keys.length === 1 && filter.categories?.length === 1) {
    return (
      (
        await db.get<{ n: number }>('SELECT count(*) AS n FROM member_categories WHERE category = ?', [
          filter.categories[0],
        ])
      )?.n ?? 0
    );
  }
  // Every filter but free-text search reads member_stats alone (tier and consent are copied
  // there), so a count is answered from its indexes without touching a million member rows.
  if (!filter.q) {
    // A single category or store drives the scan: walk its member list and check each member's
    // statistics (CROSS JOIN fixes that order; the planner would rather scan a wide stats index).
    const driver =
      filter.categories?.length === 1 && !filter.store
        ? {
            sql: 'member_categories d',
            on: 'd.category = ?',
            param: filter.categories[0],
            rest: { ...filter, categories: undefined },
          }
        : filter.store && !filter.categories
          ? {
              sql: 'member_stores d',
              on: 'd.store_id = ?',
              param: filter.store,
              rest: { ...filter, store: undefined },
            }
          : undefined;
    if (driver) {
      const shortcut = await countByComplement(db, driver, driver.rest);
      if (shortcut !== undefined) return shortcut;
      const w = segmentWhere(driver.rest);
      const row = await db.get<{ n: number }>(
        `SELECT count(*) AS n FROM ${driver.sql} CROSS JOIN member_stats s ON s.member_id = d.member_id WHERE ${driver.on} AND ${w.sql}`,
        [driver.param, ...w.params],
      );
      return row?.n ?? 0;
    }
  }
  const w = segmentWhere(filter);
  const needsMembers = /\bm\./.test(w.sql);
  const row = await db.get<{ n: number }>(
    needsMembers
      ? `SELECT count(*) AS n FROM members m JOIN member_stats s ON s.member_id = m.id WHERE ${w.sql}`
      : `SELECT count(*) AS n FROM member_stats s WHERE ${w.sql}`,
    w.params,
  );
  return row?.n ?? 0;
}

/** The opposite of a one-column range filter, as an index range on member_stats. */
const COMPLEMENTS: Partial<Record<keyof SegmentFilter, (v: unknown) => Where>> = {
  minVisits: (v) => ({ sql: 's.visits < ?', params: [v] }),
  maxVisits: (v) => ({ sql: 's.visits > ?', params: [v] }),
  minSpend: (v) => ({ sql: 's.spend_minor < ?', params: [v] }),
  maxSpend: (v) => ({ sql: 's.spend_minor > ?', params: [v] }),
  lastVisitAfter: (v) => ({ sql: 's.last_visit_at < ?', params: [v] }),
  lastVisitBefore: (v) => ({ sql: 's.last_visit_at >= ?', params: [v] }),
};

/**
 * A category or store list narrowed by one range (≥ 2 visits, spent ≤ X, …) is counted from
 * whichever side is smaller: usually the list, checking each member's statistics; but when few
 * members fall outside the range (everyone in the list has ≥ 2 visits), as the list's size minus
 * those outside it, found by walking the range's index and checking each against the list.
 * Undefined when the filter is not of that shape or the list is the smaller side.
 */
async function countByComplement(
  db: Queryable,
  driver: { sql: string; on: string; param: unknown },
  rest: SegmentFilter,
): Promise<number | undefined> {
  const keys = (Object.keys(rest) as Array<keyof SegmentFilter>).filter((k) => rest[k] !== undefined);
  const complement = keys.length === 1 ? COMPLEMENTS[keys[0]!]?.(rest[keys[0]!]) : undefined;
  if (!complement) return undefined;
  const [listed, outside] = await Promise.all([
    db.get<{ n: number }>(`SELECT count(*) AS n FROM ${driver.sql} WHERE ${driver.on}`, [driver.param]),
    db.get<{ n: number }>(
      `SELECT count(*) AS n FROM member_stats s WHERE ${complement.sql}`,
      complement.params,
    ),
  ]);
  if ((outside?.n ?? 0) >= (listed?.n ?? 0)) return undefined;
  const both = await db.get<{ n: number }>(
    `SELECT count(*) AS n FROM member_stats s CROSS JOIN ${driver.sql} WHERE ${complement.sql} AND ${driver.on} AND d.member_id = s.member_id`,
    [...complement.params, driver.param],
  );
  return (listed?.n ?? 0) - (both?.n ?? 0);
}

/** Member ids matching a filter, for campaigns; in number order. */
export async function segmentMemberIds(db: Queryable, filter: SegmentFilter): Promise<string[]> {
  const w = segmentWhere(filter);
  const rows = await db.all<{ id: string }>(
    `SELECT m.id FROM members m JOIN member_stats s ON s.member_id = m.id WHERE ${w.sql} ORDER BY m.number`,
    w.params,
  );
  return rows.map((r) => r.id);
}

export interface SavedSegment {
  id: number;
  name: string;
  filter: SegmentFilter;
  createdBy: string;
  createdAt: string;
}

export async function listSegments(db: Queryable): Promise<SavedSegment[]> {
  const rows = await db.all<{
    id: number;
    name: string;
    filter: string;
    createdBy: string;
    createdAt: string;
  }>(
    'SELECT id, name, filter, created_by AS createdBy, created_at AS createdAt FROM saved_segments ORDER BY name',
  );
  return rows.map((r) => ({ ...r, filter: SegmentFilter.parse(JSON.parse(r.filter)) }));
}

export async function getSegment(db: Queryable, id: number): Promise<SavedSegment | undefined> {
  return (await listSegments(db)).find((s) => s.id === id);
}
