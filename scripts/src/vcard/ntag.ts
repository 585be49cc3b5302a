/**
 * Virtual NTAG cards behind a PC/SC contactless reader, as pure `CardBehaviour`s:
 *
 * - NTAG215 (ISO 14443-3, NFC Forum Type 2): 135 pages of 4 bytes. The reader's storage-card
 *   pseudo-APDUs READ BINARY `FF B0 00 <page> <Le ≤ 16>` (16 bytes = 4 pages, as an ACR122U reads
 *   NTAG) and UPDATE BINARY `FF D6 00 <page> 04 <4 bytes>` (user pages 4-129). Page 0-2 carry the
 *   UID with its check bytes, page 3 the capability container E1 10 3E 00 (496-byte data area).
 * - NTAG 424 DNA (ISO 14443-4, NFC Forum Type 4) with SUN: ISO SELECT of the NDEF application
 *   D2760000850101, of the CC file E103 and the NDEF file E104, and ISO READ BINARY. The NDEF file
 *   holds one URI record whose query the chip fills in: on the first READ BINARY after each SELECT of
 *   E104 the SDMReadCtr goes up by one and UID, counter and SDMMAC (AN12196) are mirrored, in plain
 *   (`?u=&c=&m=`) or encrypted (`?e=&m=`). The SDM key is the card's one AES key.
 *
 * The chip-side crypto below is written independently of the server's verifier (server/src/cards),
 * so the through-pcscd tests check one against the other.
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import type { CardBehaviour } from './iso14443-card.js';
import { ISO14443_3_ATR, StatusWord } from './iso14443-card.js';

/** ATR a PC/SC reader builds for an ISO 14443-4 type A card whose ATS has historical byte 80. */
export const ISO14443_4_ATR: Buffer = Buffer.from('3B8180018080', 'hex');

const sw = (word: number, data: Uint8Array = Buffer.alloc(0)): Buffer => {
  const out = Buffer.allocUnsafe(data.byteLength + 2);
  out.set(data, 0);
  out.writeUInt16BE(word, data.byteLength);
  return out;
};

// --- NDEF images -------------------------------------------------------------------------------

export const CARD_TOKEN_RECORD_TYPE = 'bashgah.club:card';

function shortRecord(tnf: number, type: string, payload: Buffer): Buffer {
  if (payload.length > 255) throw new RangeError('payload too long for a short record');
  return Buffer.concat([
    Buffer.of(0xd0 | tnf, type.length, payload.length),
    Buffer.from(type, 'latin1'),
    payload,
  ]);
}

/** One external-type record `bashgah.club:card` carrying the member card token. */
export function tokenNdefMessage(token: string): Buffer {
  return shortRecord(0x04, CARD_TOKEN_RECORD_TYPE, Buffer.from(token, 'latin1'));
}

/** One URI record (https:// abbreviated as prefix 04). */
export function uriNdefMessage(uri: string): Buffer {
  const https = uri.startsWith('https://');
  const rest = https ? uri.slice('https://'.length) : uri;
  return shortRecord(0x01, 'U', Buffer.concat([Buffer.of(https ? 0x04 : 0x00), Buffer.from(rest, 'utf8')]));
}

// --- NTAG215 -------------------------------------------------------------------------------------

export const NTAG215_PAGES = 135;
const NTAG215_USER_FIRST = 4;
const NTAG215_USER_LAST = 129;

export interface Ntag215 extends CardBehaviour {
  readonly memory: Buffer;
  readonly stats: { reads: number; writes: number };
}

/** An NTAG215 with `uid` (7 bytes) and, optionally, an NDEF message in its user memory. */
export function ntag215Card(uid: Uint8Array, ndefMessage?: Uint8Array): Ntag215 {
  if (uid.byteLength !== 7) throw new RangeError('an NTAG215 has a 7-byte UID');
  const memory = Buffer.alloc(NTAG215_PAGES * 4);
  const u = Buffer.from(uid);
  memory.set([u[0]!, u[1]!, u[2]!, 0x88 ^ u[0]! ^ u[1]! ^ u[2]!], 0);
  memory.set([u[3]!, u[4]!, u[5]!, u[6]!], 4);
  memory.set([u[3]! ^ u[4]! ^ u[5]! ^ u[6]!, 0x48, 0x00, 0x00], 8);
  memory.set([0xe1, 0x10, 0x3e, 0x00], 12);
  const tlv =
    ndefMessage === undefined
      ? Buffer.of(0x03, 0x00, 0xfe)
      : Buffer.concat([
          ndefMessage.byteLength < 0xff
            ? Buffer.of(0x03, ndefMessage.byteLength)
            : Buffer.of(0x03, 0xff, ndefMessage.byteLength >> 8, ndefMessage.byteLength & 0xff),
          ndefMessage,
          Buffer.of(0xfe),
        ]);
  if (tlv.length > (NTAG215_USER_LAST - NTAG215_USER_FIRST + 1) * 4)
    throw new RangeError('NDEF message too big for an NTAG215');
  memory.set(tlv, NTAG215_USER_FIRST * 4);
  const stats = { reads: 0, writes: 0 };
  return {
    atr: ISO14443_3_ATR,
    memory,
    stats,
    respond(apdu) {
      if (apdu.length < 4) return sw(StatusWord.wrongLength);
      const [cla, ins, p1, p2] = apdu as unknown as [number, number, number, number];
      if (cla !== 0xff) return sw(StatusWord.claNotSupported);
      if (ins === 0xca) {
        if (p1 !== 0x00 || p2 !== 0x00)
          return sw(p1 === 0x01 ? StatusWord.functionNotSupported : StatusWord.wrongP1P2);
        return sw(StatusWord.ok, u);
      }
      if (ins === 0xb0) {
        if (apdu.length !== 5) return sw(StatusWord.wrongLength);
        if (p1 !== 0x00 || p2 >= NTAG215_PAGES) return sw(StatusWord.wrongP1P2);
        const le = apdu[4] === 0 ? 16 : apdu[4]!;
        if (le > 16) return sw(StatusWord.wrongLe | 16);
        stats.reads++;
        // NTAG READ returns 4 pages and rolls over past the last page, as the chip does.
        const out = Buffer.alloc(le);
        for (let i = 0; i < le; i++) out[i] = memory[(p2 * 4 + i) % memory.length]!;
        return sw(StatusWord.ok, out);
      }
      if (ins === 0xd6) {
        if (apdu.length !== 9 || apdu[4] !== 0x04) return sw(StatusWord.wrongLength);
        if (p1 !== 0x00 || p2 < NTAG215_USER_FIRST || p2 > NTAG215_USER_LAST) return sw(StatusWord.wrongP1P2);
        memory.set(apdu.subarray(5, 9), p2 * 4);
        stats.writes++;
        return sw(StatusWord.ok);
      }
      return sw(StatusWord.insNotSupported);
    },
  };
}

// --- NTAG 424 DNA SUN ----------------------------------------------------------------------------

function aesBlock(key: Uint8Array, block: Uint8Array): Buffer {
  const c = createCipheriv('aes-128-ecb', key, null);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(block), c.final()]);
}

/** AES-CMAC (RFC 4493), the chip's own copy. */
export function chipCmac(key: Uint8Array, message: Uint8Array): Buffer {
  const shift = (b: Buffer) => {
    const o = Buffer.alloc(16);
    for (let i = 0; i < 16; i++) o[i] = ((b[i]! << 1) | (i < 15 ? b[i + 1]! >> 7 : 0)) & 0xff;
    if (b[0]! & 0x80) o[15] = o[15]! ^ 0x87;
    return o;
  };
  const k1 = shift(aesBlock(key, Buffer.alloc(16)));
  const k2 = shift(k1);
  const n = Math.max(1, Math.ceil(message.byteLength / 16));
  const whole = message.byteLength > 0 && message.byteLength % 16 === 0;
  let x: Buffer = Buffer.alloc(16);
  for (let i = 0; i < n; i++) {
    const block = Buffer.alloc(16);
    const part = message.subarray(i * 16, i * 16 + 16);
    block.set(part);
    if (i === n - 1) {
      if (!whole) block[part.byteLength] = 0x80;
      const k = whole ? k1 : k2;
      for (let j = 0; j < 16; j++) block[j] = block[j]! ^ k[j]!;
    }
    for (let j = 0; j < 16; j++) block[j] = block[j]! ^ x[j]!;
    x = aesBlock(key, block);
  }
  return x;
}

/** SDMMAC for `uid` and `counter` over an empty MAC input (AN12196). */
export function chipSdmMac(key: Uint8Array, uid: Uint8Array, counter: number): Buffer {
  const ctr = Buffer.of(counter & 0xff, (counter >> 8) & 0xff, (counter >> 16) & 0xff);
  const session = chipCmac(key, Buffer.concat([Buffer.from('3CC300010080', 'hex'), uid, ctr]));
  const full = chipCmac(session, Buffer.alloc(0));
  return Buffer.from([1, 3, 5, 7, 9, 11, 13, 15].map((i) => full[i]!));
}

export interface Ntag424Options {
  /** The card's AES key (SDMMetaRead = SDMFileRead key). */
  key: Uint8Array;
  /** SDMReadCtr before the first read. Default 0. */
  counter?: number;
  /** Encrypted PICCData (`e=`) instead of the plain UID and counter. Default false. */
  encrypted?: boolean;
  /** The URL before the query. Default https://bashgah.club/c */
  baseUrl?: string;
}

export interface Ntag424 extends CardBehaviour {
  /** SDMReadCtr of the last read (the counter the last message carried). */
  readonly counter: number;
  /** The URLs the card has mirrored, in order. */
  readonly messages: string[];
}

export function ntag424Card(uid: Uint8Array, options: Ntag424Options): Ntag424 {
  if (uid.byteLength !== 7) throw new RangeError('an NTAG 424 DNA has a 7-byte UID');
  if (options.key.byteLength !== 16) throw new RangeError('an NTAG 424 DNA key is 16 bytes');
  const u = Buffer.from(uid);
  const uidHex = u.toString('hex').toUpperCase();
  const baseUrl = options.baseUrl ?? 'https://bashgah.club/c';
  let counter = options.counter ?? 0;
  const messages: string[] = [];
  let appSelected = false;
  let file: 'none' | 'cc' | 'ndef' = 'none';
  let ndefFile: Buffer | undefined;
  // CCLEN 000F, mapping 2.0, MLe 007F, MLc 007F, NDEF file control TLV: E104, 256 bytes, read free.
  const cc = Buffer.from('000F20007F007F0406E104010000FF', 'hex');

  const mirror = (): Buffer => {
    counter = (counter + 1) & 0xffffff;
    const mac = chipSdmMac(options.key, u, counter).toString('hex').toUpperCase();
    let query: string;
    if (options.encrypted) {
      const plain = Buffer.concat([
        Buffer.of(0xc7),
        u,
        Buffer.of(counter & 0xff, (counter >> 8) & 0xff, counter >> 16),
        randomBytes(5),
      ]);
      const c = createCipheriv('aes-128-cbc', options.key, Buffer.alloc(16));
      c.setAutoPadding(false);
      query = `e=${Buffer.concat([c.update(plain), c.final()])
        .toString('hex')
        .toUpperCase()}&m=${mac}`;
    } else {
      query = `u=${uidHex}&c=${counter.toString(16).toUpperCase().padStart(6, '0')}&m=${mac}`;
    }
    const url = `${baseUrl}?${query}`;
    messages.push(url);
    const message = uriNdefMessage(url);
    const out = Buffer.alloc(256);
    out.writeUInt16BE(message.length, 0);
    message.copy(out, 2);
    return out;
  };

  return {
    atr: ISO14443_4_ATR,
    get counter() {
      return counter;
    },
    messages,
    respond(apdu) {
      if (apdu.length < 4) return sw(StatusWord.wrongLength);
      const [cla, ins, p1, p2] = apdu as unknown as [number, number, number, number];
      if (cla === 0xff && ins === 0xca) {
        if (p1 !== 0x00 || p2 !== 0x00) return sw(StatusWord.wrongP1P2);
        return sw(StatusWord.ok, u);
      }
      if (cla !== 0x00) return sw(StatusWord.claNotSupported);
      if (ins === 0xa4) {
        const lc = apdu[4] ?? 0;
        const data = apdu.subarray(5, 5 + lc);
        if (p1 === 0x04) {
          appSelected = data.equals(Buffer.from('D2760000850101', 'hex'));
          file = 'none';
          return sw(appSelected ? StatusWord.ok : 0x6a82);
        }
        if (p1 === 0x00 && appSelected && lc === 2) {
          const id = data.readUInt16BE(0);
          if (id === 0xe103) file = 'cc';
          else if (id === 0xe104) {
            file = 'ndef';
            ndefFile = undefined; // the next read mirrors a fresh counter
          } else return sw(0x6a82);
          return sw(StatusWord.ok);
        }
        return sw(0x6a82);
      }
      if (ins === 0xb0) {
        if (apdu.length !== 5) return sw(StatusWord.wrongLength);
        if (file === 'none') return sw(0x6986); // command not allowed: no file selected
        if (file === 'ndef' && !ndefFile) ndefFile = mirror();
        const content = file === 'cc' ? cc : (ndefFile ?? cc);
        const offset = (p1 << 8) | p2;
        const le = apdu[4] === 0 ? 256 : apdu[4]!;
        if (offset > content.length) return sw(StatusWord.wrongP1P2);
        return sw(StatusWord.ok, content.subarray(offset, Math.min(content.length, offset + le)));
      }
      return sw(StatusWord.insNotSupported);
    },
  };
}
