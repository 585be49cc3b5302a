import { describe, expect, it } from 'vitest';
import { ISO14443_3_ATR, uidOnlyCard } from './iso14443-card.js';

const hex = (s: string) => Buffer.from(s.replace(/\s/g, ''), 'hex');
const card = uidOnlyCard(hex('04A1B2C3D4E5F6'));
const respond = (apdu: string) => card.respond(hex(apdu)).toString('hex').toUpperCase();

describe('uidOnlyCard', () => {
  it('presents the PC/SC ATR of an ISO 14443-3 card, with a valid check byte', () => {
    expect(card.atr.toString('hex').toUpperCase()).toBe('3B8F8001804F0CA0000003060300030000000068');
    // nfc-pcsc: byte 5 = 0x4F means TAG_ISO_14443_3, for which it sends GET UID.
    expect(ISO14443_3_ATR[5]).toBe(0x4f);
    // TCK: XOR of every byte after TS, the TCK included, is 0.
    expect(ISO14443_3_ATR.subarray(1).reduce((x, b) => x ^ b, 0)).toBe(0);
  });

  it('answers GET UID with the UID and 90 00', () => {
    expect(respond('FFCA000000')).toBe('04A1B2C3D4E5F69000');
    expect(respond('FFCA0000')).toBe('04A1B2C3D4E5F69000');
    expect(respond('FFCA000007')).toBe('04A1B2C3D4E5F69000');
    expect(uidOnlyCard(hex('04A1B2C3')).respond(hex('FFCA000000'))).toEqual(hex('04A1B2C3 9000'));
  });

  it('refuses what it cannot do with a status word', () => {
    expect(respond('FFCA000004')).toBe('6C07'); // Le too short: the right one is 7
    expect(respond('FFCA010000')).toBe('6A81'); // ATS: not a type 4 card
    expect(respond('FFCA020000')).toBe('6B00');
    expect(respond('FFB0000410')).toBe('6D00'); // READ BINARY: not supported
    expect(respond('00A4040007D276000085010100')).toBe('6E00'); // ISO SELECT
    expect(respond('FFCA')).toBe('6700');
    expect(respond('FFCA00000000')).toBe('6700');
  });
});
