import type { CardTokenKey } from './token.js';

/**
 * How much a club trusts a card, from CARD_SECURITY (one club per server, so "per club" is per
 * server configuration):
 *   uid    the UID alone identifies the card (default; demo, and clubs with plain cards)
 *   token  the card must carry the member card token the server signed at issue (token.ts);
 *          an NTAG 424 DNA SUN message is accepted too when CARD_SUN_MASTER_KEY is set
 *   sun    the card must present a fresh NTAG 424 DNA SUN message (sun.ts)
 * CARD_TOKEN_KEYS = "kid:hex[,kid:hex…]" (first one signs new tokens; ≥ 16 bytes each),
 * CARD_SUN_MASTER_KEY = 32 hex digits (AES-128), from which each card's key is diversified.
 */
export type CardSecurityMode = 'uid' | 'token' | 'sun';

export interface CardSecurityConfig {
  mode: CardSecurityMode;
  tokenKeys: CardTokenKey[];
  sunMasterKey: Buffer | undefined;
}

export const DEFAULT_CARD_SECURITY: CardSecurityConfig = {
  mode: 'uid',
  tokenKeys: [],
  sunMasterKey: undefined,
};

export function cardSecurityFromEnv(
  env: NodeJS.ProcessEnv,
): { ok: true; value: CardSecurityConfig } | { ok: false; errors: string[] } {
  const blank = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v.trim());
  const errors: string[] = [];
  const mode = blank(env.CARD_SECURITY) ?? 'uid';
  if (mode !== 'uid' && mode !== 'token' && mode !== 'sun') {
    errors.push(`  CARD_SECURITY=${JSON.stringify(mode)}: must be uid, token or sun`);
  }
  const tokenKeys: CardTokenKey[] = [];
  const keysText = blank(env.CARD_TOKEN_KEYS);
  if (keysText) {
    for (const part of keysText.split(',')) {
      const m = /^([a-z0-9]{1,8}):([0-9a-fA-F]{32,128})$/.exec(part.trim());
      if (!m || m[2]!.length % 2 !== 0) {
        errors.push(
          '  CARD_TOKEN_KEYS: must be kid:hex[,kid:hex…], kid 1-8 of a-z 0-9, key 16-64 bytes of hex',
        );
        break;
      }
      tokenKeys.push({ kid: m[1]!, key: Buffer.from(m[2]!, 'hex') });
    }
  }
  const masterText = blank(env.CARD_SUN_MASTER_KEY);
  let sunMasterKey: Buffer | undefined;
  if (masterText) {
    if (/^[0-9a-fA-F]{32}$/.test(masterText)) sunMasterKey = Buffer.from(masterText, 'hex');
    else errors.push('  CARD_SUN_MASTER_KEY: must be 32 hex digits (an AES-128 key)');
  }
  if (mode === 'token' && tokenKeys.length === 0 && !keysText)
    errors.push('  CARD_TOKEN_KEYS: required when CARD_SECURITY=token');
  if (mode === 'sun' && !sunMasterKey && !masterText)
    errors.push('  CARD_SUN_MASTER_KEY: required when CARD_SECURITY=sun');
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, value: { mode: mode as CardSecurityMode, tokenKeys, sunMasterKey } };
}
