import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addMember, books, memoryDb } from '../../test/engine-fixtures.js';
import type { SqliteDb } from '../db/sqlite.js';
import { credit } from './ledger.js';
import { DAY_MS, expireDueLots } from './lots.js';
import { availableRewards, cancelVoucher, claimReward, createReward, useVoucher } from './rewards.js';
import { clubKey, normaliseVoucherCode, verifyVoucherToken } from './vouchers.js';

const now = new Date('2025-05-01T08:00:00.000Z');
const later = (days: number) => new Date(now.getTime() + days * DAY_MS);

describe('rewards and vouchers', () => {
  let db: SqliteDb;
  beforeEach(async () => {
    db = await memoryDb();
    await addMember(db, { id: 'a', number: 1 });
    await addMember(db, { id: 'b', number: 2, tier: 'gold' });
    await createReward(
      db,
      { id: 'coffee', name: { fa: 'قهوه رایگان', en: 'Free coffee' }, pointsCost: 100, stock: 1 },
      now,
    );
    await createReward(
      db,
      { id: 'mug', name: { fa: 'ماگ', en: 'Mug' }, pointsCost: 50, perMemberLimit: 1 },
      now,
    );
    await createReward(
      db,
      { id: 'lounge', name: { fa: 'سالن', en: 'Lounge' }, pointsCost: 10, minTier: 'gold' },
      now,
    );
    await credit(db, { memberId: 'a', kind: 'earn', points: 150, cause: 'x' }, now, { expiresAt: later(60) });
    await credit(db, { memberId: 'b', kind: 'earn', points: 150, cause: 'x' }, now);
  });
  afterEach(() => db.close());

  const claim = (memberId: string, rewardId: string, requestKey: string, when = now) =>
    claimReward(db, { memberId, rewardId, requestKey }, when);

  it('issues a voucher with an unguessable code and a token a till can check offline', async () => {
    const v = await claim('a', 'mug', 'k1');
    expect(v).toMatchObject({
      rewardId: 'mug',
      points: 50,
      balance: 100,
      replay: false,
      expiresAt: later(30).toISOString(),
    });
    expect(v.code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
    const { publicPem } = await clubKey(db);
    expect(verifyVoucherToken(v.token, publicPem, now)).toEqual({
      ok: true,
      claims: { v: 1, c: v.code, r: 'mug', m: 1, e: Date.parse(v.expiresAt) / 1000 },
    });
    // Tampered claims, a foreign key and an expired token all fail.
    const [body, sig] = v.token.split('.') as [string, string];
    const forged = Buffer.from(JSON.stringify({ v: 1, c: v.code, r: 'coffee', m: 1, e: 9e9 })).toString(
      'base64url',
    );
    expect(verifyVoucherToken(`${forged}.${sig}`, publicPem, now)).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
    const { generateKeyPairSync } = await import('node:crypto');
    const other = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(verifyVoucherToken(v.token, other, now)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verifyVoucherToken(`${body}.${sig}`, publicPem, later(31))).toEqual({
      ok: false,
      reason: 'expired',
    });
    expect(verifyVoucherToken('garbage', publicPem, now)).toEqual({ ok: false, reason: 'malformed' });
    // A replayed request returns the same voucher and spends nothing more.
    expect(await claim('a', 'mug', 'k1')).toMatchObject({ code: v.code, replay: true, balance: 100 });
  });

  it('enforces per-member limits, tier limits and spendable points, writing nothing when refused', async () => {
    await claim('a', 'mug', 'k1');
    await expect(claim('a', 'mug', 'k2')).rejects.toMatchObject({ code: 'reward-limit' });
    await expect(claim('a', 'lounge', 'k3')).rejects.toMatchObject({ code: 'reward-unavailable' });
    expect(await claim('b', 'lounge', 'k4')).toMatchObject({ points: 10 });
    await expect(claim('a', 'coffee', 'k5')).resolves.toMatchObject({ balance: 0 });
    await expect(claim('b', 'coffee', 'k6')).rejects.toMatchObject({ code: 'out-of-stock' });
    await expect(claim('a', 'ghost', 'k7')).rejects.toMatchObject({ code: 'reward-unavailable' });
    expect(await db.get('SELECT count(*) AS n FROM vouchers')).toEqual({ n: 3 });
  });

  it('lets exactly one of two racing claims have the last stock item', async () => {
    const results = await Promise.allSettled([claim('a', 'coffee', 'r1'), claim('b', 'coffee', 'r2')]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: { code: 'out-of-stock' } });
    expect(await db.get("SELECT stock FROM rewards WHERE id = 'coffee'")).toEqual({ stock: 0 });
  });

  it('lets exactly one of two racing claims have the last points', async () => {
    await createReward(db, { id: 'cake', name: { fa: 'کیک', en: 'Cake' }, pointsCost: 100 }, now);
    await createReward(db, { id: 'tea', name: { fa: 'چای', en: 'Tea' }, pointsCost: 100 }, now);
    const results = await Promise.allSettled([claim('a', 'cake', 'r1'), claim('a', 'tea', 'r2')]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({
      reason: { code: 'insufficient-points' },
    });
    expect((await books(db)).find((b) => b.member_id === 'a')).toMatchObject({
      balance: 50,
      ledger: 50,
      lots: 50,
    });
  });

  it('is used once at a till, by code as typed or by QR token', async () => {
    const v = await claim('a', 'mug', 'k1');
    const typed = v.code.toLowerCase().replace(/-/g, '').replace(/0/g, 'o');
    expect(normaliseVoucherCode(typed)).toBe(v.code);
    expect(
      await useVoucher(db, { codeOrToken: typed, storeId: 's1', receiptId: 'R1' }, later(1)),
    ).toMatchObject({
      code: v.code,
      rewardId: 'mug',
      name: { en: 'Mug' },
    });
    await expect(useVoucher(db, { codeOrToken: v.token, storeId: 's2' }, later(2))).rejects.toMatchObject({
      code: 'voucher-used',
      details: { usedStore: 's1' },
    });
    await expect(cancelVoucher(db, { code: v.code, memberId: 'a' }, later(2))).rejects.toMatchObject({
      code: 'voucher-used',
    });
    await expect(
      useVoucher(db, { codeOrToken: 'AAAA-BBBB-CCCC-DDDD', storeId: 's1' }, now),
    ).rejects.toMatchObject({
      code: 'voucher-not-found',
    });
  });

  it('refuses expired vouchers and returns the points of a cancelled one to their lots', async () => {
    const v = await claim('a', 'coffee', 'k1');
    await expect(useVoucher(db, { codeOrToken: v.code, storeId: 's1' }, later(31))).rejects.toMatchObject({
      code: 'voucher-expired',
    });
    expect(await cancelVoucher(db, { code: v.code, memberId: 'a' }, later(31))).toEqual({
      code: v.code,
      pointsReturned: 100,
      balance: 150,
    });
    // Back in stock, and the points keep their original expiry (day 60), not a fresh one.
    expect(await db.get("SELECT stock FROM rewards WHERE id = 'coffee'")).toEqual({ stock: 1 });
    expect(await expireDueLots(db, later(60))).toMatchObject({ points: 150 });
    expect((await books(db)).find((b) => b.member_id === 'a')).toMatchObject({
      balance: 0,
      ledger: 0,
      lots: 0,
    });
    await expect(cancelVoucher(db, { code: v.code, memberId: 'a' }, later(61))).rejects.toMatchObject({
      code: 'voucher-cancelled',
    });
  });

  it('lists what a member may claim: in stock, in date, in tier, cheapest first', async () => {
    expect((await availableRewards(db, 'bronze', now)).map((r) => r.id)).toEqual(['mug', 'coffee']);
    expect((await availableRewards(db, 'gold', now)).map((r) => r.id)).toEqual(['lounge', 'mug', 'coffee']);
    await createReward(
      db,
      {
        id: 'yalda',
        name: { fa: 'یلدا', en: 'Yalda' },
        pointsCost: 5,
        validFrom: later(10).toISOString(),
        validTo: later(11).toISOString(),
      },
      now,
    );
    expect((await availableRewards(db, 'bronze', later(10))).map((r) => r.id)).toContain('yalda');
    expect((await availableRewards(db, 'bronze', later(11))).map((r) => r.id)).not.toContain('yalda');
  });
});
