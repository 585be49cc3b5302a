import type { CardProof } from '@bashgah/protocol';
import { cardProofFromRecords, NdefError, parseNdefMessage, scanTlv } from './ndef.js';

/**
 * Reading a card after pcscd reported it: its UID, and what its NDEF memory proves (token or SUN).
 * Written against a bare `transmit` so it runs the same on nfc-pcsc and in tests against the
 * virtual card's behaviour without pcscd.
 *
 * - GET UID (PC/SC part 3 pseudo-APDU FF CA 00 00 00) for every card, ISO 14443-3 and -4 alike.
 * - ISO 14443-3 storage cards whose ATR names MIFARE Ultralight/NTAG (PC/SC card name 00 03):
 *   READ BINARY pseudo-APDUs FF B0 00 <page> 10 (16 bytes = 4 pages per read), CC at page 3,
 *   NDEF TLV from page 4 (NFC Forum Type 2 Tag).
 * - ISO 14443-4 cards: NFC Forum Type 4 Tag procedure: SELECT the NDEF application
 *   (D2760000850101), SELECT the NDEF file E104, READ BINARY NLEN and then the message
 *   (NTAG 424 DNA keeps its SUN URL there).
 */

export type Transmit = (apdu: Buffer, maxResponseLength: number) => Promise<Buffer>;

export type CardFamily = 'iso14443-3-ntag' | 'iso14443-3-other' | 'iso14443-4';

export interface CardRead {
  uid: string;
  family: CardFamily;
  proof?: CardProof;
  /** Why the card's data could not be used (the tap still goes out with its UID). */
  dataProblem?: string;
}

export class CardReadError extends Error {
  override readonly name = 'CardReadError';
}

const OK = 0x9000;
const MAX_NDEF_BYTES = 1024;

export function cardFamily(atr: Buffer | undefined): CardFamily {
  // PC/SC part 3 storage card: 3B 8F 80 01 80 4F 0C A0 00 00 03 06 <standard> <name 2> ...
  if (atr && atr.length >= 15 && atr[4] === 0x80 && atr[5] === 0x4f) {
    const name = atr.readUInt16BE(13);
    return name === 0x0003 ? 'iso14443-3-ntag' : 'iso14443-3-other';
  }
  return 'iso14443-4';
}

async function command(transmit: Transmit, apdu: number[] | Buffer, maxLength: number, what: string) {
  const response = await transmit(Buffer.from(apdu), maxLength + 2);
  if (response.length < 2) throw new CardReadError(`${what}: response too short`);
  const sw = response.readUInt16BE(response.length - 2);
  return { sw, data: response.subarray(0, response.length - 2) };
}

export async function getUid(transmit: Transmit): Promise<string> {
  const { sw, data } = await command(transmit, [0xff, 0xca, 0x00, 0x00, 0x00], 10, 'GET UID');
  if (sw !== OK) throw new CardReadError(`GET UID refused with SW ${sw.toString(16).toUpperCase()}`);
  return data.toString('hex').toUpperCase();
}

async function readNtagPages(transmit: Transmit, page: number): Promise<Buffer> {
  const { sw, data } = await command(
    transmit,
    [0xff, 0xb0, 0x00, page, 0x10],
    16,
    `READ BINARY page ${page}`,
  );
  if (sw !== OK)
    throw new CardReadError(`READ BINARY page ${page} refused with SW ${sw.toString(16).toUpperCase()}`);
  if (data.length === 0 || data.length % 4 !== 0)
    throw new CardReadError(`READ BINARY page ${page}: ${data.length} bytes`);
  return data;
}

/** The NDEF message in NTAG21x memory, undefined if the card has none. */
export async function readNtagNdef(transmit: Transmit): Promise<Buffer | undefined> {
  const head = await readNtagPages(transmit, 3);
  const cc = head.subarray(0, 4);
  if (cc[0] !== 0xe1) return undefined; // not NDEF formatted
  const dataArea = Math.min(cc[2]! * 8, MAX_NDEF_BYTES);
  let memory = head.subarray(4);
  let nextPage = 3 + head.length / 4;
  for (;;) {
    const scan = scanTlv(memory);
    if (scan.kind === 'none' || (scan.kind === 'found' && scan.length === 0)) return undefined; // no or empty NDEF
    const needed = scan.kind === 'found' ? scan.offset + scan.length : scan.bytes;
    if (needed > dataArea)
      throw new CardReadError(`NDEF TLV runs past the card's ${dataArea}-byte data area`);
    if (scan.kind === 'found' && memory.length >= needed) return memory.subarray(scan.offset, needed);
    const chunk = await readNtagPages(transmit, nextPage);
    memory = Buffer.concat([memory, chunk]);
    nextPage += chunk.length / 4;
  }
}

/** The NDEF message of a Type 4 Tag (e.g. NTAG 424 DNA), undefined if it has no NDEF application. */
export async function readType4Ndef(transmit: Transmit): Promise<Buffer | undefined> {
  const app = await command(
    transmit,
    [0x00, 0xa4, 0x04, 0x00, 0x07, 0xd2, 0x76, 0x00, 0x00, 0x85, 0x01, 0x01, 0x00],
    64,
    'SELECT NDEF application',
  );
  if (app.sw !== OK) return undefined;
  const file = await command(transmit, [0x00, 0xa4, 0x00, 0x0c, 0x02, 0xe1, 0x04], 0, 'SELECT NDEF file');
  if (file.sw !== OK) return undefined;
  const nlen = await command(transmit, [0x00, 0xb0, 0x00, 0x00, 0x02], 2, 'READ BINARY NLEN');
  if (nlen.sw !== OK || nlen.data.length !== 2) throw new CardReadError('READ BINARY NLEN failed');
  const length = nlen.data.readUInt16BE(0);
  if (length === 0) return undefined;
  if (length > MAX_NDEF_BYTES) throw new CardReadError(`NDEF file says ${length} bytes`);
  const parts: Buffer[] = [];
  for (let offset = 2; offset < length + 2; ) {
    const n = Math.min(0x80, length + 2 - offset);
    const chunk = await command(transmit, [0x00, 0xb0, offset >> 8, offset & 0xff, n], n, 'READ BINARY');
    if (chunk.sw !== OK || chunk.data.length === 0)
      throw new CardReadError(`READ BINARY at ${offset} failed`);
    parts.push(chunk.data);
    offset += chunk.data.length;
  }
  return Buffer.concat(parts).subarray(0, length);
}

/**
 * Reads the UID (throws CardReadError / the transport's error if it cannot), then the card's
 * proof. A failure to read or parse the data is not fatal: it is reported in `dataProblem`.
 */
export async function readCard(transmit: Transmit, atr: Buffer | undefined): Promise<CardRead> {
  const uid = await getUid(transmit);
  const family = cardFamily(atr);
  if (family === 'iso14443-3-other') return { uid, family };
  try {
    const message =
      family === 'iso14443-3-ntag' ? await readNtagNdef(transmit) : await readType4Ndef(transmit);
    if (!message) return { uid, family };
    const read = cardProofFromRecords(parseNdefMessage(message));
    if (read.proof) return { uid, family, proof: read.proof };
    return read.problem ? { uid, family, dataProblem: read.problem } : { uid, family };
  } catch (error) {
    const why =
      error instanceof NdefError || error instanceof CardReadError
        ? error.message
        : String((error as Error)?.message ?? error);
    return { uid, family, dataProblem: why };
  }
}
