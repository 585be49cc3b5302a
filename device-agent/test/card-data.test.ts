/**
 * card-data.ts's read procedures against the virtual card's chip behaviours directly (no pcscd):
 * the same bytes the through-pcscd tests send, checked APDU by APDU.
 */
import { describe, expect, it } from 'vitest';
import {
  chipSdmMac,
  ntag215Card,
  ntag424Card,
  tokenNdefMessage,
  uidOnlyCard,
  uriNdefMessage,
} from '../../scripts/src/vcard/index.js';
import type { CardBehaviour } from '../../scripts/src/vcard/iso14443-card.js';
import { cardFamily, readCard, type Transmit } from '../src/hardware/reader/card-data.js';

const UID = Buffer.from('04A1B2C3D4E5F6', 'hex');
const TOKEN = 'BG1.k1.C0000123.H8VtKdeaF6a3CtS8odgPPQ';

function over(card: CardBehaviour) {
  const log: string[] = [];
  const transmit: Transmit = async (apdu) => {
    log.push(apdu.toString('hex').toUpperCase());
    return card.respond(apdu);
  };
  return { transmit, log };
}

describe('reading cards (card-data.ts against the virtual chips)', () => {
  it('NTAG215 with a token: GET UID, CC + first pages, then only the pages the TLV needs', async () => {
    const card = ntag215Card(UID, tokenNdefMessage(TOKEN));
    const { transmit, log } = over(card);
    expect(await readCard(transmit, card.atr)).toEqual({
      uid: '04A1B2C3D4E5F6',
      family: 'iso14443-3-ntag',
      proof: { kind: 'token', token: TOKEN },
    });
    // TLV header (2) + record (3 + 17 + 38) = 60 bytes from page 4: reads of pages 3-6 … 15-18.
    expect(log).toEqual(['FFCA000000', 'FFB0000310', 'FFB0000710', 'FFB0000B10', 'FFB0000F10']);
  });

  it('NTAG215 written with UPDATE BINARY reads back', async () => {
    const card = ntag215Card(UID);
    const message = tokenNdefMessage(TOKEN);
    const tlv = Buffer.concat([Buffer.of(0x03, message.length), message, Buffer.of(0xfe)]);
    const padded = Buffer.concat([tlv, Buffer.alloc((4 - (tlv.length % 4)) % 4)]);
    for (let i = 0; i < padded.length; i += 4) {
      const response = card.respond(
        Buffer.concat([Buffer.of(0xff, 0xd6, 0x00, 4 + i / 4, 0x04), padded.subarray(i, i + 4)]),
      );
      expect(response.toString('hex')).toBe('9000');
    }
    expect(card.respond(Buffer.from('FFD6000304E1103E00', 'hex')).toString('hex')).toBe('6b00'); // CC is not user memory
    const { transmit } = over(card);
    expect((await readCard(transmit, card.atr)).proof).toEqual({ kind: 'token', token: TOKEN });
  });

  it('an empty NTAG215, a UID-only card and unreadable memory give a tap without proof', async () => {
    const empty = ntag215Card(UID);
    expect(await readCard(over(empty).transmit, empty.atr)).toEqual({
      uid: '04A1B2C3D4E5F6',
      family: 'iso14443-3-ntag',
    });
    const clone = uidOnlyCard(UID);
    expect(await readCard(over(clone).transmit, clone.atr)).toEqual({
      uid: '04A1B2C3D4E5F6',
      family: 'iso14443-3-ntag',
      dataProblem: 'READ BINARY page 3 refused with SW 6D00',
    });
    const broken = ntag215Card(UID, Buffer.from('D10109', 'hex')); // a record that claims 9 payload bytes
    expect((await readCard(over(broken).transmit, broken.atr)).dataProblem).toMatch(/truncated/);
  });

  it('NTAG 424 DNA: Type 4 Tag NDEF read with a SUN mirror whose counter rises per read', async () => {
    const key = Buffer.alloc(16, 9);
    const card = ntag424Card(UID, { key, counter: 7 });
    const { transmit, log } = over(card);
    const first = await readCard(transmit, card.atr);
    expect(first.family).toBe('iso14443-4');
    expect(first.proof).toEqual({
      kind: 'sun',
      uid: '04A1B2C3D4E5F6',
      counter: '000008',
      mac: chipSdmMac(key, UID, 8).toString('hex').toUpperCase(),
    });
    expect(log.slice(0, 4)).toEqual([
      'FFCA000000',
      '00A4040007D276000085010100',
      '00A4000C02E104',
      '00B0000002',
    ]);
    expect((await readCard(transmit, card.atr)).proof).toMatchObject({ counter: '000009' });
  });

  it('the chip computes AN12196’s SDMMAC (known-answer vector)', () => {
    expect(
      chipSdmMac(Buffer.alloc(16), Buffer.from('04DE5F1EACC040', 'hex'), 0x3d).toString('hex').toUpperCase(),
    ).toBe('94EED9EE65337086');
  });

  it('a SUN URL replayed from an NTAG215 reads as the same SUN proof (the server must reject it)', async () => {
    const url = 'https://bashgah.club/c?u=04A1B2C3D4E5F6&c=000008&m=0011223344556677';
    const card = ntag215Card(UID, uriNdefMessage(url));
    expect((await readCard(over(card).transmit, card.atr)).proof).toEqual({
      kind: 'sun',
      uid: '04A1B2C3D4E5F6',
      counter: '000008',
      mac: '0011223344556677',
    });
  });

  it('tells card families from the ATR', () => {
    expect(cardFamily(Buffer.from('3B8F8001804F0CA0000003060300030000000068', 'hex'))).toBe(
      'iso14443-3-ntag',
    );
    expect(cardFamily(Buffer.from('3B8F8001804F0CA000000306030001000000006A', 'hex'))).toBe(
      'iso14443-3-other',
    ); // MIFARE Classic 1K
    expect(cardFamily(Buffer.from('3B8180018080', 'hex'))).toBe('iso14443-4');
    expect(cardFamily(undefined)).toBe('iso14443-4');
  });

  it('a transmit failure on GET UID propagates (PcscReader turns it into a fault)', async () => {
    await expect(
      readCard(async () => {
        throw new Error('SCardTransmit error: Card was removed.');
      }, undefined),
    ).rejects.toThrow(/Card was removed/);
  });
});
