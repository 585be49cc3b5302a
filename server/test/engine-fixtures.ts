import type { TierCode } from '@bashgah/protocol';
import { migrate } from '../src/db/migrate.js';
import { insertCardIfAbsent, insertMemberIfAbsent } from '../src/db/repos/members.js';
import { SqliteDb } from '../src/db/sqlite.js';
import { DEFAULT_RULES, type RuleConfig } from '../src/engine/rules/config.js';

/** An in-memory database, migrated: for property tests that open hundreds of them. */
export async function memoryDb(): Promise<SqliteDb> {
  const db = await SqliteDb.open(':memory:');
  await migrate(db);
  return db;
}

export async function addMember(
  db: SqliteDb,
  m: { id: string; number: number; tier?: TierCode; birthday?: string; referredBy?: string; card?: string },
): Promise<void> {
  await insertMemberIfAbsent(db, {
    id: m.id,
    number: m.number,
    displayName: `Member ${m.number}`,
    tier: m.tier ?? 'bronze',
    createdAt: '2025-01-01T00:00:00.000Z',
  });
  if (m.birthday || m.referredBy) {
    await db.run('UPDATE members SET birthday = ?, referred_by = ? WHERE id = ?', [
      m.birthday ?? null,
      m.referredBy ?? null,
      m.id,
    ]);
  }
  if (m.card)
    await insertCardIfAbsent(db, { uid: m.card, memberId: m.id, issuedAt: '2025-01-01T00:00:00.000Z' });
}

/** Default rules with overrides, for tests that want round numbers. */
export function rulesWith(over: Partial<RuleConfig>): RuleConfig {
  return { ...structuredClone(DEFAULT_RULES), ...over };
}

/** Balance, sum of ledger and sum of open lots of every member: the three must always agree. */
export async function books(db: SqliteDb) {
  return db.all<{ member_id: string; balance: number; ledger: number; lots: number }>(
    `SELECT m.id AS member_id,
       coalesce((SELECT points FROM balances b WHERE b.member_id = m.id), 0) AS balance,
       coalesce((SELECT sum(points) FROM points_ledger l WHERE l.member_id = m.id), 0) AS ledger,
       coalesce((SELECT sum(remaining) FROM point_lots p WHERE p.member_id = m.id), 0) AS lots
     FROM members m ORDER BY m.id`,
  );
}
