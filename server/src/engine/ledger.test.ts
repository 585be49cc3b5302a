import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDb } from '../../test/helpers.js';
import { getBalance, listLedger } from '../db/repos/ledger.js';
import { insertMemberIfAbsent } from '../db/repos/members.js';
import { appendLedgerEntry } from './ledger.js';

describe('appendLedgerEntry', () => {
  let t: Awaited<ReturnType<typeof tempDb>>;
  beforeEach(async () => {
    t = await tempDb();
    await insertMemberIfAbsent(t.db, {
      id: 'm1',
      number: 1,
      displayName: 'M',
      tier: 'bronze',
      createdAt: '2025-01-01T00:00:00.000Z',
    });
  });
  afterEach(() => t.cleanup());

  it('appends a row and moves the balance by the same amount', async () => {
    expect(
      (await appendLedgerEntry(t.db, { memberId: 'm1', kind: 'earn', points: 30, cause: 'test' })).balance,
    ).toBe(30);
    expect(
      (await appendLedgerEntry(t.db, { memberId: 'm1', kind: 'redeem', points: -12, cause: 'test' })).balance,
    ).toBe(18);
    const rows = await listLedger(t.db, 'm1');
    expect(rows.map((r) => [r.kind, r.points])).toEqual([
      ['earn', 30],
      ['redeem', -12],
    ]);
    expect(await getBalance(t.db, 'm1')).toBe(18);
  });

  it('writes neither the row nor the balance when the enclosing transaction fails', async () => {
    await expect(
      t.db.transaction(async () => {
        await appendLedgerEntry(t.db, { memberId: 'm1', kind: 'earn', points: 50, cause: 'test' });
        throw new Error('later step failed');
      }),
    ).rejects.toThrow('later step failed');
    expect(await listLedger(t.db, 'm1')).toEqual([]);
    expect(await getBalance(t.db, 'm1')).toBe(0);
  });

  it('refuses fractional points and unknown members', async () => {
    await expect(
      appendLedgerEntry(t.db, { memberId: 'm1', kind: 'earn', points: 1.5, cause: 'x' }),
    ).rejects.toThrow(/whole number/);
    await expect(
      appendLedgerEntry(t.db, { memberId: 'ghost', kind: 'earn', points: 1, cause: 'x' }),
    ).rejects.toThrow(/FOREIGN KEY/);
    expect(await getBalance(t.db, 'm1')).toBe(0);
  });
});
