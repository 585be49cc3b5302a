import type { Queryable } from '../db/sqlite.js';
import { EngineError } from './errors.js';
import { audit } from './fraud.js';

/** Binds a card to a member; refuses a card that is already someone's (blocked or not). */
export async function bindCard(
  db: Queryable,
  memberId: string,
  cardUid: string,
  actor: string,
  now: Date,
): Promise<void> {
  await db.transaction(async () => {
    const existing = await db.get<{ member_id: string }>('SELECT member_id FROM cards WHERE uid = ?', [
      cardUid,
    ]);
    if (existing) {
      throw new EngineError(
        'card-taken',
        existing.member_id === memberId
          ? `card ${cardUid} is already bound to this member`
          : `card ${cardUid} belongs to another member; use a fresh card`,
      );
    }
    await db.run("INSERT INTO cards (uid, member_id, status, issued_at) VALUES (?, ?, 'active', ?)", [
      cardUid,
      memberId,
      now.toISOString(),
    ]);
    await audit(db, { actor, action: 'card.bind', subject: `member:${memberId}`, details: { cardUid } }, now);
  });
}

/** Blocks a card (lost, stolen): taps stop resolving at once; the account and points stay. */
export async function blockCard(
  db: Queryable,
  cardUid: string,
  actor: string,
  reason: string,
  now: Date,
): Promise<void> {
  await db.transaction(async () => {
    const r = await db.run("UPDATE cards SET status = 'blocked' WHERE uid = ? AND status = 'active'", [
      cardUid,
    ]);
    if (r.changes === 0) throw new EngineError('member-not-found', `no active card ${cardUid} to block`);
    await audit(db, { actor, action: 'card.block', subject: `card:${cardUid}`, details: { reason } }, now);
  });
}

/** A lost card: block the old one and bind the new one to the same account, in one step. */
export async function replaceCard(
  db: Queryable,
  r: { memberId: string; oldCardUid: string; newCardUid: string; actor: string },
  now: Date,
): Promise<void> {
  await db.transaction(async () => {
    const old = await db.get<{ member_id: string }>('SELECT member_id FROM cards WHERE uid = ?', [
      r.oldCardUid,
    ]);
    if (!old || old.member_id !== r.memberId) {
      throw new EngineError('member-not-found', `card ${r.oldCardUid} is not a card of member ${r.memberId}`);
    }
    await db.run("UPDATE cards SET status = 'blocked' WHERE uid = ?", [r.oldCardUid]);
    await bindCard(db, r.memberId, r.newCardUid, r.actor, now);
    await audit(
      db,
      { actor: r.actor, action: 'card.replace', subject: `member:${r.memberId}`, details: r },
      now,
    );
  });
}
