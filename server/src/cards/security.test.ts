import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDb } from '../../test/helpers.js';
import type { SqliteDb } from '../db/sqlite.js';
import { type CardSecurityConfig, cardSecurityFromEnv } from './config.js';
import { checkCard, recordIssuedToken } from './security.js';
import { deriveSunCardKey, sdmMac } from './sun.js';
import { issueCardToken } from './token.js';

const UID = '04DE5F1EACC040';
const tokenKey = { kid: 'k1', key: Buffer.alloc(32, 7) };
const master = Buffer.from('00112233445566778899AABBCCDDEEFF', 'hex');
const now = new Date('2026-03-01T10:00:00Z');

const sunAt = (counter: number, uid = UID) => ({
  kind: 'sun' as const,
  uid,
  counter: counter.toString(16).toUpperCase().padStart(6, '0'),
  mac: sdmMac(deriveSunCardKey(master, uid), Buffer.from(uid, 'hex'), counter).toString('hex').toUpperCase(),
});

describe('checkCard (CARD_SECURITY)', () => {
  let db: SqliteDb;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ db, cleanup } = await tempDb());
  });
  afterEach(() => cleanup());
  const config = (mode: CardSecurityConfig['mode']): CardSecurityConfig => ({
    mode,
    tokenKeys: [tokenKey],
    sunMasterKey: master,
  });

  it('uid: the UID alone is enough, whatever else the card says', async () => {
    expect(await checkCard(db, config('uid'), UID, undefined, now)).toEqual({ ok: true, proof: 'none' });
  });

  it('token: a valid token passes; a plain UID clone (no token) and a moved token are rejected', async () => {
    const token = { kind: 'token' as const, token: issueCardToken(tokenKey, UID, 'C0000001') };
    expect(await checkCard(db, config('token'), UID, token, now)).toEqual({ ok: true, proof: 'token' });
    expect(await checkCard(db, config('token'), UID, undefined, now)).toMatchObject({
      ok: false,
      rejected: 'proof-missing',
    });
    expect(await checkCard(db, config('token'), '04DE5F1EACC041', token, now)).toMatchObject({
      ok: false,
      rejected: 'proof-invalid',
    });
  });

  it('token: a token of an earlier issue of the card is refused once it was re-issued', async () => {
    await recordIssuedToken(db, UID, 'C0000002', now);
    const old = { kind: 'token' as const, token: issueCardToken(tokenKey, UID, 'C0000001') };
    expect(await checkCard(db, config('token'), UID, old, now)).toMatchObject({
      ok: false,
      rejected: 'revoked',
    });
  });

  it('sun: the counter must rise; a replayed or older message is rejected, and the next one passes', async () => {
    const c = config('sun');
    expect(await checkCard(db, c, UID, sunAt(5), now)).toEqual({ ok: true, proof: 'sun' });
    expect(await checkCard(db, c, UID, sunAt(5), now)).toMatchObject({ ok: false, rejected: 'replayed' });
    expect(await checkCard(db, c, UID, sunAt(4), now)).toMatchObject({ ok: false, rejected: 'replayed' });
    expect(await checkCard(db, c, UID, sunAt(6), now)).toEqual({ ok: true, proof: 'sun' });
    expect(await db.get('SELECT sun_counter FROM card_security WHERE uid = ?', [UID])).toEqual({
      sun_counter: 6,
    });
    expect(await checkCard(db, c, UID, { ...sunAt(7), mac: '0000000000000000' }, now)).toMatchObject({
      ok: false,
      rejected: 'proof-invalid',
    });
    expect(await checkCard(db, c, UID, undefined, now)).toMatchObject({
      ok: false,
      rejected: 'proof-missing',
    });
    const token = { kind: 'token' as const, token: issueCardToken(tokenKey, UID, 'C0000001') };
    expect(await checkCard(db, c, UID, token, now)).toMatchObject({ ok: false, rejected: 'proof-missing' });
  });

  it('sun: two lookups racing with the same message: exactly one wins', async () => {
    const c = config('sun');
    const results = await Promise.all([
      checkCard(db, c, UID, sunAt(9), now),
      checkCard(db, c, UID, sunAt(9), now),
    ]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
  });

  it('reads its configuration from the environment, with clear errors', () => {
    expect(cardSecurityFromEnv({})).toEqual({
      ok: true,
      value: { mode: 'uid', tokenKeys: [], sunMasterKey: undefined },
    });
    const ok = cardSecurityFromEnv({
      CARD_SECURITY: 'token',
      CARD_TOKEN_KEYS: `k2:${'ab'.repeat(16)},k1:${'cd'.repeat(32)}`,
    });
    expect(ok.ok && ok.value.tokenKeys.map((k) => k.kid)).toEqual(['k2', 'k1']);
    expect(cardSecurityFromEnv({ CARD_SECURITY: 'token' })).toMatchObject({
      ok: false,
      errors: [expect.stringMatching(/CARD_TOKEN_KEYS: required/)],
    });
    expect(cardSecurityFromEnv({ CARD_SECURITY: 'sun', CARD_SUN_MASTER_KEY: 'xyz' })).toMatchObject({
      ok: false,
      errors: [expect.stringMatching(/32 hex digits/)],
    });
    expect(cardSecurityFromEnv({ CARD_SECURITY: 'nfc' })).toMatchObject({ ok: false });
  });
});
