import { createPrivateKey, createPublicKey, generateKeyPairSync, randomInt, sign, verify } from 'node:crypto';
import type { Queryable } from '../db/sqlite.js';

/**
 * Voucher codes and their signed QR tokens.
 *
 * The code (printed as XXXX-XXXX-XXXX-XXXX) is 16 symbols of Crockford base32 from the CSPRNG:
 * 80 bits, so guessing a live code is hopeless even with the API open to every till. The QR
 * carries a token signed with the club's Ed25519 key, so a till can check a slip offline with
 * only the public key; marking it used still needs the server (once only).
 */

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function newVoucherCode(): string {
  let s = '';
  for (let i = 0; i < 16; i++) s += ALPHABET[randomInt(32)];
  return s.match(/.{4}/g)!.join('-');
}

/** Accepts what people type: lower case, no dashes, O for 0, I/L for 1. */
export function normaliseVoucherCode(input: string): string | undefined {
  const s = input.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  if (!/^[0-9A-HJKMNP-TV-Z]{16}$/.test(s)) return undefined;
  return s.match(/.{4}/g)!.join('-');
}

export interface VoucherClaims {
  v: 1;
  /** Voucher code. */
  c: string;
  /** Reward id. */
  r: string;
  /** Member number. */
  m: number;
  /** Expiry, Unix seconds. */
  e: number;
}

export interface ClubKey {
  privateKey: ReturnType<typeof createPrivateKey>;
  publicKey: ReturnType<typeof createPublicKey>;
  publicPem: string;
}

/** The club's signing key, created on first use and kept in the database. */
export async function clubKey(db: Queryable, now: Date = new Date()): Promise<ClubKey> {
  return db.transaction(async () => {
    let row = await db.get<{ public_pem: string; private_pem: string }>(
      'SELECT public_pem, private_pem FROM signing_keys ORDER BY id DESC LIMIT 1',
    );
    if (!row) {
      const { publicKey, privateKey } = generateKeyPairSync('ed25519');
      row = {
        public_pem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
        private_pem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      };
      await db.run('INSERT INTO signing_keys (public_pem, private_pem, created_at) VALUES (?, ?, ?)', [
        row.public_pem,
        row.private_pem,
        now.toISOString(),
      ]);
    }
    return {
      privateKey: createPrivateKey(row.private_pem),
      publicKey: createPublicKey(row.public_pem),
      publicPem: row.public_pem,
    };
  });
}

/** `base64url(claims JSON).base64url(Ed25519 signature of the first part)`. */
export function signVoucherToken(claims: VoucherClaims, key: ClubKey): string {
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const sig = sign(null, Buffer.from(body), key.privateKey).toString('base64url');
  return `${body}.${sig}`;
}

export type TokenCheck =
  | { ok: true; claims: VoucherClaims }
  | { ok: false; reason: 'malformed' | 'bad-signature' | 'expired' };

/**
 * Checks a token with nothing but the club's public key (PEM): what a till does offline. It does
 * not know whether the voucher was already used; only the server can say that.
 */
export function verifyVoucherToken(token: string, publicKeyPem: string, now: Date = new Date()): TokenCheck {
  const parts = token.split('.');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return { ok: false, reason: 'malformed' };
  const [body, sig] = parts as [string, string];
  let valid: boolean;
  try {
    valid = verify(null, Buffer.from(body), createPublicKey(publicKeyPem), Buffer.from(sig, 'base64url'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (!valid) return { ok: false, reason: 'bad-signature' };
  let claims: VoucherClaims;
  try {
    claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as VoucherClaims;
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (claims.v !== 1 || typeof claims.c !== 'string' || typeof claims.e !== 'number') {
    return { ok: false, reason: 'malformed' };
  }
  if (claims.e * 1000 <= now.getTime()) return { ok: false, reason: 'expired' };
  return { ok: true, claims };
}
