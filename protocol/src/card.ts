import { z } from 'zod';

/**
 * An NFC card UID as uppercase hex: 4, 7 or 10 bytes (ISO 14443-3 single, double, triple size).
 * Anything else is not a club card and is rejected at the boundary, whatever the reader said.
 */
export const CardUid = z
  .string()
  .trim()
  .transform((s) => s.replace(/[\s:]/g, '').toUpperCase())
  .pipe(
    z
      .string()
      .regex(
        /^(?:[0-9A-F]{8}|[0-9A-F]{14}|[0-9A-F]{20})$/,
        'card UID must be 4, 7 or 10 bytes of hex, e.g. 04A1B2C3D4E5F6',
      ),
  );
export type CardUid = z.output<typeof CardUid>;

const upperHex = (bytes: number, what: string) =>
  z
    .string()
    .transform((s) => s.toUpperCase())
    .pipe(z.string().regex(new RegExp(`^[0-9A-F]{${bytes * 2}}$`), `${what} must be ${bytes} bytes of hex`));

/**
 * The member card token the server writes to a card at issue (an NDEF record, see the agent's
 * hardware/reader/ndef.ts): `BG1.<kid>.<serial>.<mac>`, verified on the server (server/src/cards/token.ts).
 */
export const CardToken = z
  .string()
  .max(160)
  .regex(/^BG1\.[a-z0-9]{1,8}\.[A-Z0-9]{4,32}\.[A-Za-z0-9_-]{22}$/, 'not a BG1 card token');

/** What a card carried besides its UID, passed with `member.lookup` so the server can check it. */
export const TokenProof = z.object({ kind: z.literal('token'), token: CardToken }).strict();

/**
 * An NTAG 424 DNA SUN (Secure Dynamic Messaging) message as the card mirrored it into its NDEF URL:
 * either in plain (UID + SDMReadCtr, the counter as 6 hex digits, most significant first) or
 * encrypted (16 bytes of PICCData), and always the 8-byte truncated SDM MAC (NXP AN12196).
 */
export const SunProof = z
  .object({
    kind: z.literal('sun'),
    uid: upperHex(7, 'SUN uid').optional(),
    counter: upperHex(3, 'SUN counter').optional(),
    picc: upperHex(16, 'SUN PICCData').optional(),
    mac: upperHex(8, 'SUN MAC'),
  })
  .strict();

export const CardProof = z.discriminatedUnion('kind', [TokenProof, SunProof]).superRefine((proof, ctx) => {
  if (proof.kind !== 'sun') return;
  const plain = proof.uid !== undefined || proof.counter !== undefined;
  if (plain === (proof.picc !== undefined) || (plain && (!proof.uid || !proof.counter))) {
    ctx.addIssue({ code: 'custom', message: 'a SUN proof has either uid and counter, or picc' });
  }
});
export type CardProof = z.output<typeof CardProof>;
export type CardProofInput = z.input<typeof CardProof>;

/**
 * Why the server refused a card at `member.lookup` (CARD_SECURITY token or sun): `proof-missing`
 * (the card carried no token / SUN message), `proof-invalid` (bad MAC, another card's token, a
 * UID that does not match), `replayed` (a SUN counter not above the last one seen), `revoked`.
 */
export const CardRejection = z.string().min(1).max(64);
