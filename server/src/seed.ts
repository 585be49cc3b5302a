import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TierCode } from '@bashgah/protocol';
import { pino } from 'pino';
import { loadServerConfig } from './config.js';
import { migrate } from './db/migrate.js';
import { insertCardIfAbsent, insertMemberIfAbsent } from './db/repos/members.js';
import { SqliteDb } from './db/sqlite.js';
import { appendLedgerEntry } from './engine/ledger.js';

interface DemoMember {
  id: string;
  number: number;
  displayName: string;
  tier: TierCode;
  points: number;
  cardUid: string;
}

/** Demo data other workspaces' tests and the one-command demo rely on: change it with care. */
export const DEMO_MEMBERS: readonly DemoMember[] = [
  {
    id: 'm-1001',
    number: 1001,
    displayName: 'سارا احمدی',
    tier: 'silver',
    points: 120,
    cardUid: '04A1B2C3D4E5F6',
  },
  {
    id: 'm-1002',
    number: 1002,
    displayName: 'Reza Karimi',
    tier: 'bronze',
    points: 40,
    cardUid: '04112233445566',
  },
  { id: 'm-1003', number: 1003, displayName: 'مریم حسینی', tier: 'gold', points: 2450, cardUid: '5A3C9E12' },
];

export const SEED_CAUSE = 'seed';

/**
 * Creates the demo members, cards and opening balances. Idempotent piece by piece: a member,
 * card or opening entry that already exists is left alone, so re-running never doubles points.
 * Returns the ids of members created this time.
 */
export function seedDemo(db: SqliteDb, now: Date = new Date()): Promise<string[]> {
  const at = now.toISOString();
  return db.transaction(async () => {
    const created: string[] = [];
    for (const m of DEMO_MEMBERS) {
      if (await insertMemberIfAbsent(db, { ...m, createdAt: at })) created.push(m.id);
      await insertCardIfAbsent(db, { uid: m.cardUid, memberId: m.id, issuedAt: at });
      const seeded = await db.get('SELECT 1 FROM points_ledger WHERE member_id = ? AND cause = ?', [
        m.id,
        SEED_CAUSE,
      ]);
      if (!seeded) {
        await appendLedgerEntry(
          db,
          { memberId: m.id, kind: 'adjust', points: m.points, cause: SEED_CAUSE },
          now,
        );
      }
    }
    return created;
  });
}

async function cli(): Promise<void> {
  const config = loadServerConfig();
  const logger = pino({ level: config.logLevel });
  await mkdir(path.dirname(config.dbPath), { recursive: true });
  const db = await SqliteDb.open(config.dbPath);
  try {
    await migrate(db, { logger });
    const created = await seedDemo(db);
    logger.info(
      { dbPath: config.dbPath, created, existing: DEMO_MEMBERS.length - created.length },
      'demo members seeded',
    );
  } finally {
    await db.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  cli().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}
