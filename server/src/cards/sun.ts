import { createDecipheriv, timingSafeEqual } from 'node:crypto';
import type { CardProof } from '@bashgah/protocol';
import { aesCmac } from './cmac.js';

/**
 * NTAG 424 DNA Secure Unique NFC (SUN, "Secure Dynamic Messaging") verification, following NXP
 * AN12196 §3.4 and the NT4H2421Gx datasheet §9.3.9:
 *
 *   SV2                = 3C C3 00 01 00 80 || UID (7) || SDMReadCtr (3, least significant first)
 *   KSesSDMFileReadMAC = AES-CMAC(K_SDMFileRead, SV2)
 *   SDMMAC             = the odd-numbered bytes (1, 3, … 15) of AES-CMAC(KSesSDMFileReadMAC, input)
 *
 * The club's cards mirror the MAC with SDMMACInputOffset == SDMMACOffset, so `input` is empty.
 * With the encrypted mirror, PICCData = AES-128-CBC-decrypt(K_SDMMetaRead, IV 0, e) =
 * PICCDataTag (C7: UID and counter mirrored, UID 7 bytes) || UID || SDMReadCtr (LSB first) || padding.
 *
 * Keys: each card's AES key is diversified from the club's SUN master key and the card UID
 * (`deriveSunCardKey`, in the style of AN10922: CMAC(master, 01 || UID || "BashgahSUN")), so the
 * server stores no per-card secret. The card uses that one key as both SDMMetaRead and
 * SDMFileRead key. Known-answer vectors (AN12196's example, all-zero key) are in sun.test.ts.
 */

const SV2_PREFIX = Buffer.from('3CC300010080', 'hex');
const PICC_TAG_UID_CTR_7 = 0xc7;
const DIVERSIFY_LABEL = Buffer.from('BashgahSUN', 'ascii');

export function deriveSunCardKey(masterKey: Uint8Array, uid: string): Buffer {
  return aesCmac(masterKey, Buffer.concat([Buffer.of(0x01), Buffer.from(uid, 'hex'), DIVERSIFY_LABEL]));
}

function counterLsb(counter: number): Buffer {
  const b = Buffer.alloc(3);
  b.writeUIntLE(counter, 0, 3);
  return b;
}

export function sdmSessionMacKey(fileReadKey: Uint8Array, uid: Uint8Array, counter: number): Buffer {
  return aesCmac(fileReadKey, Buffer.concat([SV2_PREFIX, uid, counterLsb(counter)]));
}

/** The 8-byte SDMMAC the card mirrors. */
export function sdmMac(
  fileReadKey: Uint8Array,
  uid: Uint8Array,
  counter: number,
  input: Uint8Array = Buffer.alloc(0),
): Buffer {
  const full = aesCmac(sdmSessionMacKey(fileReadKey, uid, counter), input);
  return Buffer.from([1, 3, 5, 7, 9, 11, 13, 15].map((i) => full[i]!));
}

export function decryptPiccData(
  metaReadKey: Uint8Array,
  picc: Uint8Array,
): { uid: Buffer; counter: number } | undefined {
  if (picc.byteLength !== 16) return undefined;
  const decipher = createDecipheriv('aes-128-cbc', metaReadKey, Buffer.alloc(16));
  decipher.setAutoPadding(false);
  const plain = Buffer.concat([decipher.update(picc), decipher.final()]);
  if (plain[0] !== PICC_TAG_UID_CTR_7) return undefined;
  return { uid: plain.subarray(1, 8), counter: plain.readUIntLE(8, 3) };
}

export type SunCheck =
  | { ok: true; counter: number }
  | { ok: false; reason: 'uid-mismatch' | 'bad-mac' | 'bad-picc' };

/**
 * Checks a SUN message against the UID the reader read, with that card's key. Says nothing about
 * replay: the caller must also require `counter` above the last one accepted for the card.
 */
export function verifySun(
  proof: Extract<CardProof, { kind: 'sun' }>,
  readerUid: string,
  cardKey: Uint8Array,
): SunCheck {
  let uid: Buffer;
  let counter: number;
  if (proof.picc !== undefined) {
    const picc = decryptPiccData(cardKey, Buffer.from(proof.picc, 'hex'));
    if (!picc) return { ok: false, reason: 'bad-picc' };
    ({ uid, counter } = picc);
  } else {
    uid = Buffer.from(proof.uid ?? '', 'hex');
    counter = Number.parseInt(proof.counter ?? '', 16);
  }
  if (uid.toString('hex').toUpperCase() !== readerUid.toUpperCase() || !Number.isInteger(counter)) {
    return { ok: false, reason: 'uid-mismatch' };
  }
  const expected = sdmMac(cardKey, uid, counter);
  const given = Buffer.from(proof.mac, 'hex');
  if (given.byteLength !== expected.byteLength || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'bad-mac' };
  }
  return { ok: true, counter };
}
