import type { TierCode } from '@bashgah/protocol';
import type { Queryable } from '../sqlite.js';

export interface MemberRow {
  id: string;
  number: number;
  display_name: string;
  phone: string | null;
  tier: TierCode;
  created_at: string;
  /** Gregorian YYYY-MM-DD; Jalali input is converted at signup. */
  birthday: string | null;
  referred_by: string | null;
}

export interface CardRow {
  uid: string;
  member_id: string;
  status: 'active' | 'blocked';
  issued_at: string;
}

export function findMember(db: Queryable, id: string): Promise<MemberRow | undefined> {
  return db.get<MemberRow>('SELECT * FROM members WHERE id = ?', [id]);
}

export function findCard(db: Queryable, uid: string): Promise<CardRow | undefined> {
  return db.get<CardRow>('SELECT * FROM cards WHERE uid = ?', [uid]);
}

/** The card a member-id lookup shows: the most recently issued active one. */
export function findActiveCardOf(db: Queryable, memberId: string): Promise<CardRow | undefined> {
  return db.get<CardRow>(
    "SELECT * FROM cards WHERE member_id = ? AND status = 'active' ORDER BY issued_at DESC, uid LIMIT 1",
    [memberId],
  );
}

export interface NewMember {
  id: string;
  number: number;
  displayName: string;
  phone?: string | null;
  tier: TierCode;
  createdAt: string;
}

/** Returns false when a member with this id already exists (nothing is changed then). */
export async function insertMemberIfAbsent(db: Queryable, m: NewMember): Promise<boolean> {
  const r = await db.run(
    `INSERT INTO members (id, number, display_name, phone, tier, created_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO NOTHING`,
    [m.id, m.number, m.displayName, m.phone ?? null, m.tier, m.createdAt],
  );
  return r.changes === 1;
}

export async function insertCardIfAbsent(
  db: Queryable,
  card: { uid: string; memberId: string; issuedAt: string },
): Promise<boolean> {
  const r = await db.run(
    `INSERT INTO cards (uid, member_id, status, issued_at) VALUES (?, ?, 'active', ?) ON CONFLICT (uid) DO NOTHING`,
    [card.uid, card.memberId, card.issuedAt],
  );
  return r.changes === 1;
}
