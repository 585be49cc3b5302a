import { createHmac, timingSafeEqual } from 'node:crypto';
import { CardToken } from '@bashgah/protocol';

/**
 * Member card tokens: what the server writes to a card's NDEF memory at issue, so a card that only
 * copies a member's UID (any "magic" UID-writable tag does) is told apart from the real card.
 *
 *   BG1.<kid>.<serial>.<mac>
 *   mac = base64url( HMAC-SHA256( key[kid], "BG1|" kid "|" UID "|" serial )[0..16] )
 *
 * `kid` names the club's key (so keys can be rotated while old cards stay valid), `serial` is the
 * card serial assigned at issue (A-Z 0-9), UID is uppercase hex. The MAC is truncated to 128 bits.
 * A static token stops plain UID clones and tokens moved to another card; it cannot stop a full
 * copy of UID *and* memory. NTAG 424 DNA SUN (sun.ts) is the option that does.
 */

export const TOKEN_VERSION = 'BG1';
const MAC_BYTES = 16;

export interface CardTokenKey {
  kid: string;
  key: Buffer;
}

function mac(key: Buffer, kid: string, uid: string, serial: string): Buffer {
  return createHmac('sha256', key)
    .update(`${TOKEN_VERSION}|${kid}|${uid}|${serial}`, 'utf8')
    .digest()
    .subarray(0, MAC_BYTES);
}

/** The token for a card being issued. `uid` uppercase hex, `serial` [A-Z0-9]{4,32}. */
export function issueCardToken(signing: CardTokenKey, uid: string, serial: string): string {
  if (!/^[a-z0-9]{1,8}$/.test(signing.kid)) throw new Error(`bad token key id "${signing.kid}"`);
  if (!/^[A-Z0-9]{4,32}$/.test(serial)) throw new Error(`bad card serial "${serial}"`);
  const token = `${TOKEN_VERSION}.${signing.kid}.${serial}.${mac(signing.key, signing.kid, uid.toUpperCase(), serial).toString('base64url')}`;
  return CardToken.parse(token);
}

export type TokenCheck =
  | { ok: true; kid: string; serial: string }
  | { ok: false; reason: 'malformed' | 'unknown-key' | 'bad-mac' };

/** Checks a token against the UID the reader read. Constant-time MAC comparison. */
export function verifyCardToken(keys: readonly CardTokenKey[], uid: string, token: string): TokenCheck {
  if (!CardToken.safeParse(token).success) return { ok: false, reason: 'malformed' };
  const [, kid, serial, macText] = token.split('.') as [string, string, string, string];
  const key = keys.find((k) => k.kid === kid);
  if (!key) return { ok: false, reason: 'unknown-key' };
  const given = Buffer.from(macText, 'base64url');
  const expected = mac(key.key, kid, uid.toUpperCase(), serial);
  if (given.byteLength !== expected.byteLength || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'bad-mac' };
  }
  return { ok: true, kid, serial };
}
