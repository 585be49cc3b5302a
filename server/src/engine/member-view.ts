import { MemberView } from '@bashgah/protocol';
import { hasCheckedIn } from '../db/repos/checkins.js';
import type { Queryable } from '../db/sqlite.js';
import type { CheckinPolicy } from './checkin.js';
import { clubDay } from './day.js';

export interface MemberViewContext {
  policy: CheckinPolicy;
  /** The kiosk asking; without one (e.g. the HTTP API) a check-in at any device today counts. */
  deviceId?: string | undefined;
  now?: Date;
}

interface Row {
  id: string;
  number: number;
  display_name: string;
  tier: string;
  card_uid: string;
  points: number | null;
}

const SELECT = `
  SELECT m.id, m.number, m.display_name, m.tier, c.uid AS card_uid, b.points
  FROM members m
  JOIN cards c ON c.member_id = m.id AND c.status = 'active'
  LEFT JOIN balances b ON b.member_id = m.id`;

/** The view a kiosk shows after a tap; undefined for an unknown or blocked card. */
export async function memberViewByCard(
  db: Queryable,
  cardUid: string,
  ctx: MemberViewContext,
): Promise<MemberView | undefined> {
  const row = await db.get<Row>(`${SELECT} WHERE c.uid = ?`, [cardUid]);
  return row && build(db, row, ctx);
}

/** The view for a member id, showing their newest active card; undefined if none. */
export async function memberViewById(
  db: Queryable,
  memberId: string,
  ctx: MemberViewContext,
): Promise<MemberView | undefined> {
  const row = await db.get<Row>(`${SELECT} WHERE m.id = ? ORDER BY c.issued_at DESC, c.uid LIMIT 1`, [
    memberId,
  ]);
  return row && build(db, row, ctx);
}

async function build(db: Queryable, row: Row, ctx: MemberViewContext): Promise<MemberView> {
  const now = ctx.now ?? new Date();
  const done = await hasCheckedIn(db, row.id, clubDay(now, ctx.policy.timeZone), ctx.deviceId);
  // Parsed, not just typed: a row that breaks the contract (say a 90-character name) must fail
  // here, loudly, rather than on every kiosk that receives it.
  return MemberView.parse({
    id: row.id,
    number: row.number,
    displayName: row.display_name,
    points: row.points ?? 0,
    tier: row.tier,
    cardUid: row.card_uid,
    checkinPointsAvailable: done ? 0 : ctx.policy.points,
    asOf: now.toISOString(),
  });
}
