import { describe, expect, it } from 'vitest';
import { issueCardToken, verifyCardToken } from './token.js';

const key = {
  kid: 'k1',
  key: Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex'),
};
const UID = '04A1B2C3D4E5F6';

describe('member card token', () => {
  it('matches the known-answer vector (HMAC-SHA256 cross-checked with openssl dgst -mac HMAC)', () => {
    // printf 'BG1|k1|04A1B2C3D4E5F6|C0000123' | openssl dgst -sha256 -mac HMAC -macopt hexkey:0001…1f -binary
    //   | head -c 16 | base64url
    expect(issueCardToken(key, UID, 'C0000123')).toBe('BG1.k1.C0000123.H8VtKdeaF6a3CtS8odgPPQ');
  });

  it('verifies a token on its own card, with any key id it knows', () => {
    const token = issueCardToken(key, UID, 'C0000123');
    expect(verifyCardToken([{ kid: 'k0', key: Buffer.alloc(32) }, key], UID, token)).toEqual({
      ok: true,
      kid: 'k1',
      serial: 'C0000123',
    });
    expect(verifyCardToken([key], UID.toLowerCase(), token).ok).toBe(true);
  });

  it('rejects the token on another UID (copied to a blank card), a forged MAC, an unknown key, garbage', () => {
    const token = issueCardToken(key, UID, 'C0000123');
    expect(verifyCardToken([key], '04A1B2C3D4E5F7', token)).toEqual({ ok: false, reason: 'bad-mac' });
    expect(verifyCardToken([key], UID, token.replace('C0000123', 'C0000124'))).toEqual({
      ok: false,
      reason: 'bad-mac',
    });
    const forged = `${token.slice(0, -2)}${token.endsWith('AA') ? 'AB' : 'AA'}`;
    expect(verifyCardToken([key], UID, forged)).toEqual({ ok: false, reason: 'bad-mac' });
    expect(verifyCardToken([{ kid: 'k2', key: key.key }], UID, token)).toEqual({
      ok: false,
      reason: 'unknown-key',
    });
    expect(verifyCardToken([key], UID, 'hello')).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyCardToken([key], UID, `${token}x`)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuses to issue with a bad serial or key id', () => {
    expect(() => issueCardToken(key, UID, 'c-1')).toThrow(/serial/);
    expect(() => issueCardToken({ kid: 'K!', key: key.key }, UID, 'C0000123')).toThrow(/key id/);
  });
});
