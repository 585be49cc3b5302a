/**
 * What the virtual card says: an ISO 14443-3 (type A, MIFARE Ultralight-like) card behind a PC/SC
 * contactless reader. Pure functions, so the card's behaviour is tested without pcscd.
 */

/**
 * PC/SC part 3 ATR of a contactless storage card: 3B 8F 80 01 80 4F 0C, RID A0 00 00 03 06,
 * standard 03 (ISO 14443 A part 3), card name 00 03 (MIFARE Ultralight), RFU, TCK 68.
 * nfc-pcsc reads byte 5 (0x4F) as TAG_ISO_14443_3 and sends GET UID for it.
 */
export const ISO14443_3_ATR: Buffer = Buffer.from('3B8F8001804F0CA0000003060300030000000068', 'hex');

/** ISO 7816-4 status words the card can answer with. */
export const StatusWord = {
  ok: 0x9000,
  wrongLength: 0x6700,
  /** Function not supported (e.g. GET DATA for the ATS, which a type 3 card has not got). */
  functionNotSupported: 0x6a81,
  wrongP1P2: 0x6b00,
  /** 6C XX: wrong Le, XX is the right one. */
  wrongLe: 0x6c00,
  insNotSupported: 0x6d00,
  claNotSupported: 0x6e00,
} as const;

export interface CardBehaviour {
  readonly atr: Buffer;
  /** The response APDU (data + SW1 SW2) to a command APDU. Never throws. */
  respond(apdu: Buffer): Buffer;
}

const sw = (word: number, data: Uint8Array = Buffer.alloc(0)): Buffer => {
  const out = Buffer.allocUnsafe(data.byteLength + 2);
  out.set(data, 0);
  out.writeUInt16BE(word, data.byteLength);
  return out;
};

/**
 * A card whose only data is its UID. Answers the PC/SC pseudo-APDU GET DATA (`FF CA 00 00 Le`,
 * "GET UID") with UID + 90 00 and refuses everything else with a status word, as a real reader
 * does for a command the card cannot serve.
 */
export function uidOnlyCard(uid: Uint8Array, atr: Buffer = ISO14443_3_ATR): CardBehaviour {
  const uidBytes = Buffer.from(uid);
  return {
    atr,
    respond(apdu) {
      if (apdu.length < 4) return sw(StatusWord.wrongLength);
      const [cla, ins, p1, p2] = apdu;
      if (cla !== 0xff) return sw(StatusWord.claNotSupported);
      if (ins !== 0xca) return sw(StatusWord.insNotSupported);
      // GET DATA is case 2: header plus an optional Le byte, no command data.
      if (apdu.length > 5) return sw(StatusWord.wrongLength);
      if (p2 !== 0x00) return sw(StatusWord.wrongP1P2);
      if (p1 === 0x01) return sw(StatusWord.functionNotSupported); // ATS: type 4 cards only
      if (p1 !== 0x00) return sw(StatusWord.wrongP1P2);
      const le = apdu.length === 5 ? apdu[4]! : 0;
      if (le !== 0 && le < uidBytes.length) return sw(StatusWord.wrongLe | uidBytes.length);
      return sw(StatusWord.ok, uidBytes);
    },
  };
}
