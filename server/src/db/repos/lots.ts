import type { Queryable } from '../sqlite.js';

export interface LotRow {
  id: number;
  member_id: string;
  ledger_id: number;
  points: number;
  remaining: number;
  earned_at: string;
  available_at: string;
  expires_at: string | null;
}

export async function insertLot(
  db: Queryable,
  lot: {
    memberId: string;
    ledgerId: number;
    points: number;
    earnedAt: string;
    availableAt: string;
    expiresAt: string | null;
  },
): Promise<number> {
  const r = await db.run(
    `INSERT INTO point_lots (member_id, ledger_id, points, remaining, earned_at, available_at, expires_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
    [lot.memberId, lot.ledgerId, lot.points, lot.points, lot.earnedAt, lot.availableAt, lot.expiresAt],
  );
  return r.lastID;
}

/** A member's lots with points left, oldest first: the order debits consume them in. */
export function openLots(db: Queryable, memberId: string): Promise<LotRow[]> {
  return db.all<LotRow>(
    'SELECT * FROM point_lots WHERE member_id = ? AND remaining > 0 ORDER BY earned_at, id',
    [memberId],
  );
}

export function listLots(db: Queryable, memberId: string): Promise<LotRow[]> {
  return db.all<LotRow>('SELECT * FROM point_lots WHERE member_id = ? ORDER BY id', [memberId]);
}

export async function takeFromLot(
  db: Queryable,
  c: { ledgerId: number; lotId: number; points: number },
): Promise<void> {
  const r = await db.run('UPDATE point_lots SET remaining = remaining - ? WHERE id = ? AND remaining >= ?', [
    c.points,
    c.lotId,
    c.points,
  ]);
  if (r.changes !== 1) throw new Error(`lot ${c.lotId} has fewer than ${c.points} points left`);
  await db.run('INSERT INTO lot_consumptions (ledger_id, lot_id, points) VALUES (?, ?, ?)', [
    c.ledgerId,
    c.lotId,
    c.points,
  ]);
}

export interface LotConsumption {
  ledger_id: number;
  lot_id: number;
  points: number;
}

export function consumptionsOf(db: Queryable, ledgerId: number): Promise<LotConsumption[]> {
  return db.all<LotConsumption>('SELECT * FROM lot_consumptions WHERE ledger_id = ? ORDER BY lot_id', [
    ledgerId,
  ]);
}
