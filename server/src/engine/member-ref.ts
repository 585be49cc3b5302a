import type { Queryable } from '../db/sqlite.js';
import { EngineError } from './errors.js';

/** How a till names a member: the card they tapped, their mobile, or the number on the card. */
export type MemberRef = { cardUid: string } | { phone: string } | { memberNumber: number };

/** The member a reference points at; throws member-not-found or card-blocked. Phones are E.164. */
export async function resolveMember(db: Queryable, ref: MemberRef): Promise<string> {
  if ('cardUid' in ref) {
    const card = await db.get<{ member_id: string; status: string }>(
      'SELECT member_id, status FROM cards WHERE uid = ?',
      [ref.cardUid],
    );
    if (!card)
      throw new EngineError('member-not-found', `no member has card ${ref.cardUid}; issue the card first`);
    if (card.status !== 'active') {
      throw new EngineError(
        'card-blocked',
        `card ${ref.cardUid} is blocked (reported lost or moved); ask the member for their mobile number or new card`,
      );
    }
    return card.member_id;
  }
  const row =
    'phone' in ref
      ? await db.get<{ id: string }>('SELECT id FROM members WHERE phone = ?', [ref.phone])
      : await db.get<{ id: string }>('SELECT id FROM members WHERE number = ?', [ref.memberNumber]);
  if (!row) {
    const what = 'phone' in ref ? `mobile ${ref.phone}` : `member number ${ref.memberNumber}`;
    throw new EngineError(
      'member-not-found',
      `no member with ${what}; check it with the member or sign them up`,
    );
  }
  return row.id;
}
