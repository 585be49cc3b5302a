import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDb } from '../test/helpers.js';
import { getBalance } from './db/repos/ledger.js';
import { seedDemo } from './seed.js';

describe('seedDemo', () => {
  let t: Awaited<ReturnType<typeof tempDb>>;
  beforeEach(async () => {
    t = await tempDb();
  });
  afterEach(() => t.cleanup());

  it('creates the demo members with their cards and opening balances, once', async () => {
    expect(await seedDemo(t.db)).toEqual(['m-1001', 'm-1002', 'm-1003']);
    expect(await seedDemo(t.db)).toEqual([]);
    expect(await getBalance(t.db, 'm-1001')).toBe(120);
    expect(await getBalance(t.db, 'm-1002')).toBe(40);
    expect(await getBalance(t.db, 'm-1003')).toBe(2450);
    expect(await t.db.all('SELECT uid, member_id FROM cards ORDER BY member_id')).toEqual([
      { uid: '04A1B2C3D4E5F6', member_id: 'm-1001' },
      { uid: '04112233445566', member_id: 'm-1002' },
      { uid: '5A3C9E12', member_id: 'm-1003' },
    ]);
    expect(
      await t.db.all("SELECT member_id, kind, points FROM points_ledger WHERE cause = 'seed' ORDER BY id"),
    ).toEqual([
      { member_id: 'm-1001', kind: 'adjust', points: 120 },
      { member_id: 'm-1002', kind: 'adjust', points: 40 },
      { member_id: 'm-1003', kind: 'adjust', points: 2450 },
    ]);
    expect(await t.db.get("SELECT display_name, tier, number FROM members WHERE id = 'm-1003'")).toEqual({
      display_name: 'مریم حسینی',
      tier: 'gold',
      number: 1003,
    });
  });
});
