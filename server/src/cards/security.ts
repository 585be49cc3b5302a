import type { CardProof } from '@bashgah/protocol';
import type { Queryable } from '../db/sqlite.js';
import type { CardSecurityConfig } from './config.js';
import { deriveSunCardKey, verifySun } from './sun.js';
import { verifyCardToken } from './token.js';

/**
 * The server's decision on a card at `member.lookup`: does what the card carried (`proof`) prove
 * it is the club's card and not a clone? Per CARD_SECURITY (config.ts). A rejection names why,
 * in the protocol's CardRejection words; it is logged by the caller, never explained to the card.
 */
export type CardCheck =
  | { ok: true; proof: 'none' | 'token' | 'sun' }
  | { ok: false; rejected: string; detail: string };

export async function checkCard(
  db: Queryable,
  config: CardSecurityConfig,
  cardUid: string,
  proof: CardProof | undefined,
  now: Date,
): Promise<CardCheck> {
  if (config.mode === 'uid') return { ok: true, proof: 'none' };
  if (!proof)
    return {
      ok: false,
      rejected: 'proof-missing',
      detail: `CARD_SECURITY=${config.mode} and the card carried no proof`,
    };
  if (proof.kind === 'sun') {
    if (!config.sunMasterKey)
      return { ok: false, rejected: 'proof-invalid', detail: 'SUN message but no CARD_SUN_MASTER_KEY' };
    return checkSun(db, config.sunMasterKey, cardUid, proof, now);
  }
  if (config.mode === 'sun')
    return {
      ok: false,
      rejected: 'proof-missing',
      detail: 'CARD_SECURITY=sun needs a SUN message, got a token',
    };
  const token = verifyCardToken(config.tokenKeys, cardUid, proof.token);
  if (!token.ok) return { ok: false, rejected: 'proof-invalid', detail: `card token ${token.reason}` };
  const row = await db.get<{ token_serial: string | null }>(
    'SELECT token_serial FROM card_security WHERE uid = ?',
    [cardUid],
  );
  if (row?.token_serial && row.token_serial !== token.serial) {
    return {
      ok: false,
      rejected: 'revoked',
      detail: `token serial ${token.serial}, card re-issued as ${row.token_serial}`,
    };
  }
  return { ok: true, proof: 'token' };
}

async function checkSun(
  db: Queryable,
  masterKey: Buffer,
  cardUid: string,
  proof: Extract<CardProof, { kind: 'sun' }>,
  now: Date,
): Promise<CardCheck> {
  const result = verifySun(proof, cardUid, deriveSunCardKey(masterKey, cardUid));
  if (!result.ok) return { ok: false, rejected: 'proof-invalid', detail: `SUN ${result.reason}` };
  // The counter must rise: one statement, so two kiosks racing with the same message cannot both win.
  const { changes } = await db.run(
    `INSERT INTO card_security (uid, sun_counter, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (uid) DO UPDATE SET sun_counter = excluded.sun_counter, updated_at = excluded.updated_at
     WHERE card_security.sun_counter IS NULL OR card_security.sun_counter < excluded.sun_counter`,
    [cardUid, result.counter, now.toISOString()],
  );
  if (changes === 0)
    return {
      ok: false,
      rejected: 'replayed',
      detail: `SUN counter ${result.counter} not above the last one accepted`,
    };
  return { ok: true, proof: 'sun' };
}

/** Called when a card is issued with a token: later tokens with another serial are refused. */
export async function recordIssuedToken(
  db: Queryable,
  cardUid: string,
  serial: string,
  now: Date,
): Promise<void> {
  await db.run(
    `INSERT INTO card_security (uid, token_serial, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (uid) DO UPDATE SET token_serial = excluded.token_serial, updated_at = excluded.updated_at`,
    [cardUid, serial, now.toISOString()],
  );
}
