import { type CardProof, CardProof as CardProofSchema } from '@bashgah/protocol';

/**
 * NDEF on the club's cards: the TLV that wraps it in NTAG21x memory (NFC Forum Type 2 Tag), the
 * message and record layout (NFC Forum NDEF 1.0), and the two records the club writes at issue:
 *
 * - a member card token (NTAG213/215/216): one NFC Forum external-type record,
 *   TNF 0x04, type `bashgah.club:card`, payload the token as ASCII, `BG1.<kid>.<serial>.<mac>`
 *   (the format is defined and verified on the server, server/src/cards/token.ts);
 * - an NTAG 424 DNA SUN message: a URI record whose query the card rewrites on every read,
 *   `https://bashgah.club/c?u=<UID>&c=<counter>&m=<MAC>` (plain mirror) or `…/c?e=<PICCData>&m=<MAC>`
 *   (encrypted mirror), verified on the server (server/src/cards/sun.ts).
 *
 * Everything here is pure and bounds-checked: card memory is untrusted input.
 */

export const CARD_TOKEN_RECORD_TYPE = 'bashgah.club:card';

export const Tnf = { empty: 0, wellKnown: 1, media: 2, absoluteUri: 3, external: 4, unknown: 5 } as const;

export interface NdefRecord {
  tnf: number;
  type: Buffer;
  id: Buffer;
  payload: Buffer;
}

export class NdefError extends Error {
  override readonly name = 'NdefError';
}

/** Where the NDEF message is in Type 2 Tag user memory (from page 4), if the TLVs say so yet. */
export type TlvScan =
  | { kind: 'found'; offset: number; length: number }
  | { kind: 'need'; bytes: number }
  | { kind: 'none' };

/**
 * Walks the TLVs at the start of `memory` (user memory from page 4). `need` asks for more bytes
 * (read more pages and call again); `found` gives the NDEF message's place; `none`: no NDEF TLV.
 */
export function scanTlv(memory: Uint8Array): TlvScan {
  let i = 0;
  while (i < memory.length) {
    const t = memory[i]!;
    if (t === 0x00) {
      i++;
      continue;
    }
    if (t === 0xfe) return { kind: 'none' };
    if (i + 1 >= memory.length) return { kind: 'need', bytes: i + 2 };
    let length = memory[i + 1]!;
    let header = 2;
    if (length === 0xff) {
      if (i + 3 >= memory.length) return { kind: 'need', bytes: i + 4 };
      length = (memory[i + 2]! << 8) | memory[i + 3]!;
      header = 4;
    }
    if (t === 0x03) return { kind: 'found', offset: i + header, length };
    i += header + length;
  }
  return { kind: 'need', bytes: i + 2 };
}

/** Parses an NDEF message into records. Throws NdefError on anything malformed or chunked. */
export function parseNdefMessage(bytes: Uint8Array): NdefRecord[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: NdefRecord[] = [];
  let i = 0;
  if (buf.length === 0) throw new NdefError('empty NDEF message');
  for (;;) {
    if (i >= buf.length) throw new NdefError('NDEF message ends without an ME record');
    const header = buf[i++]!;
    const mb = (header & 0x80) !== 0;
    const me = (header & 0x40) !== 0;
    const cf = (header & 0x20) !== 0;
    const sr = (header & 0x10) !== 0;
    const il = (header & 0x08) !== 0;
    const tnf = header & 0x07;
    if (mb !== (records.length === 0)) throw new NdefError('NDEF record MB flag out of place');
    if (cf) throw new NdefError('chunked NDEF records are not supported');
    const need = (n: number, what: string) => {
      if (i + n > buf.length) throw new NdefError(`NDEF record truncated in its ${what}`);
    };
    need(1, 'type length');
    const typeLength = buf[i++]!;
    let payloadLength: number;
    if (sr) {
      need(1, 'payload length');
      payloadLength = buf[i++]!;
    } else {
      need(4, 'payload length');
      payloadLength = buf.readUInt32BE(i);
      i += 4;
    }
    let idLength = 0;
    if (il) {
      need(1, 'id length');
      idLength = buf[i++]!;
    }
    need(typeLength, 'type');
    const type = buf.subarray(i, i + typeLength);
    i += typeLength;
    need(idLength, 'id');
    const id = buf.subarray(i, i + idLength);
    i += idLength;
    need(payloadLength, 'payload');
    const payload = buf.subarray(i, i + payloadLength);
    i += payloadLength;
    records.push({ tnf, type: Buffer.from(type), id: Buffer.from(id), payload: Buffer.from(payload) });
    if (me) return records;
    if (records.length > 32) throw new NdefError('too many NDEF records');
  }
}

/** NFC Forum URI RTD abbreviations (the first payload byte), the ones worth knowing. */
const URI_PREFIXES = ['', 'http://www.', 'https://www.', 'http://', 'https://'];

/** The URI of a well-known `U` record, or undefined for any other record. */
export function uriOf(record: NdefRecord): string | undefined {
  if (record.tnf !== Tnf.wellKnown || record.type.toString('latin1') !== 'U' || record.payload.length < 1)
    return undefined;
  const prefix = URI_PREFIXES[record.payload[0]!];
  if (prefix === undefined) return undefined;
  return prefix + record.payload.subarray(1).toString('utf8');
}

export type CardProofRead = { proof: CardProof } | { proof?: undefined; problem?: string };

/**
 * What the card proves, from its NDEF records: a member card token or a SUN message. Shape is
 * checked here (the protocol's CardProof); whether it is genuine only the server can say.
 */
export function cardProofFromRecords(records: readonly NdefRecord[]): CardProofRead {
  for (const record of records) {
    if (record.tnf === Tnf.external && record.type.toString('latin1') === CARD_TOKEN_RECORD_TYPE) {
      const parsed = CardProofSchema.safeParse({ kind: 'token', token: record.payload.toString('latin1') });
      if (parsed.success) return { proof: parsed.data };
      return { problem: `card token record malformed: ${parsed.error.issues[0]?.message ?? 'invalid'}` };
    }
    const uri = uriOf(record);
    if (uri !== undefined) {
      const sun = sunFromUri(uri);
      if (sun) return sun;
    }
  }
  return {};
}

/** A SUN proof from the card's URL (`u`+`c`+`m`, or `e`+`m`); undefined if the URL has no SUN. */
export function sunFromUri(uri: string): CardProofRead | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return undefined;
  }
  const q = url.searchParams;
  const mac = q.get('m');
  if (mac === null) return undefined;
  const candidate =
    q.get('e') !== null
      ? { kind: 'sun', picc: q.get('e'), mac }
      : { kind: 'sun', uid: q.get('u') ?? undefined, counter: q.get('c') ?? undefined, mac };
  const parsed = CardProofSchema.safeParse(candidate);
  if (parsed.success) return { proof: parsed.data };
  return { problem: `SUN message malformed: ${parsed.error.issues[0]?.message ?? 'invalid'}` };
}
