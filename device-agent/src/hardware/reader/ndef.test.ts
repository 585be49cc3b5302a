import { describe, expect, it } from 'vitest';
import { cardProofFromRecords, NdefError, parseNdefMessage, scanTlv, sunFromUri, uriOf } from './ndef.js';

const hex = (s: string) => Buffer.from(s.replace(/\s/g, ''), 'hex');
const TOKEN = 'BG1.k1.C0000123.H8VtKdeaF6a3CtS8odgPPQ';
/** D4: MB ME SR, TNF 4 (external); type "bashgah.club:card" (17 bytes); payload the token (38). */
const tokenRecord = Buffer.concat([hex('D4 11 26'), Buffer.from('bashgah.club:card'), Buffer.from(TOKEN)]);

describe('NDEF TLV in Type 2 Tag memory', () => {
  it('finds the NDEF TLV after NULL and lock-control TLVs, or asks for more bytes', () => {
    expect(scanTlv(hex('03 05 D1 01 01 55 00 FE'))).toEqual({ kind: 'found', offset: 2, length: 5 });
    expect(scanTlv(hex('00 00 01 03 A0 0C 34 03 0A'))).toEqual({ kind: 'found', offset: 9, length: 10 });
    expect(scanTlv(hex('03 FF 01 02'))).toEqual({ kind: 'found', offset: 4, length: 0x102 });
    expect(scanTlv(hex('03'))).toEqual({ kind: 'need', bytes: 2 });
    expect(scanTlv(hex('03 FF 01'))).toEqual({ kind: 'need', bytes: 4 });
    expect(scanTlv(hex('FE 00 00 00'))).toEqual({ kind: 'none' });
    expect(scanTlv(hex('01 03 A0 0C 34'))).toEqual({ kind: 'need', bytes: 7 });
  });
});

describe('NDEF messages', () => {
  it('parses the member token record and turns it into a token proof', () => {
    const records = parseNdefMessage(tokenRecord);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ tnf: 4, type: Buffer.from('bashgah.club:card') });
    expect(cardProofFromRecords(records)).toEqual({ proof: { kind: 'token', token: TOKEN } });
  });

  it('parses a long (non-SR) record with an id, and several records', () => {
    const long = Buffer.concat([
      hex('89 01 00000003 02'),
      Buffer.from('T'),
      Buffer.from('id'),
      Buffer.from('abc'),
    ]);
    const last = hex('51 01 03 54 78 79 7A');
    const records = parseNdefMessage(Buffer.concat([long, last]));
    expect(records.map((r) => [r.tnf, r.type.toString(), r.id.toString(), r.payload.toString()])).toEqual([
      [1, 'T', 'id', 'abc'],
      [1, 'T', '', 'xyz'],
    ]);
  });

  it('refuses malformed messages with an NdefError, never reading past the end', () => {
    expect(() => parseNdefMessage(Buffer.alloc(0))).toThrow(NdefError);
    expect(() => parseNdefMessage(hex('D1 01 09 55 04 61'))).toThrow(/truncated in its payload/);
    expect(() => parseNdefMessage(hex('91 01 01 55 00'))).toThrow(/without an ME record/);
    expect(() => parseNdefMessage(hex('F1 01 01 55 00'))).toThrow(/chunked/);
    expect(() => parseNdefMessage(hex('51 01 01 55 00'))).toThrow(/MB flag/);
    expect(() => parseNdefMessage(hex('C1 01 FF FF FF FF 55'))).toThrow(/truncated/);
  });

  it('reports a malformed token record instead of a proof', () => {
    const bad = Buffer.concat([hex('D4 11 05'), Buffer.from('bashgah.club:card'), Buffer.from('hello')]);
    expect(cardProofFromRecords(parseNdefMessage(bad))).toEqual({
      problem: expect.stringMatching(/malformed/),
    });
  });
});

describe('SUN URL', () => {
  it('expands the https:// abbreviation and reads plain and encrypted SUN mirrors', () => {
    const plain = 'bashgah.club/c?u=04de5f1eacc040&c=00003D&m=94EED9EE65337086';
    const record = parseNdefMessage(
      Buffer.concat([hex(`D1 01 ${(plain.length + 1).toString(16)} 55 04`), Buffer.from(plain)]),
    );
    expect(uriOf(record[0]!)).toBe(`https://${plain}`);
    expect(cardProofFromRecords(record)).toEqual({
      proof: { kind: 'sun', uid: '04DE5F1EACC040', counter: '00003D', mac: '94EED9EE65337086' },
    });
    expect(sunFromUri('https://x/c?e=EF963FF7828658A599F3041510671E88&m=94EED9EE65337086')).toEqual({
      proof: { kind: 'sun', picc: 'EF963FF7828658A599F3041510671E88', mac: '94EED9EE65337086' },
    });
  });

  it('ignores URLs without a SUN and reports broken ones', () => {
    expect(sunFromUri('https://bashgah.club/')).toBeUndefined();
    expect(sunFromUri('not a url')).toBeUndefined();
    expect(sunFromUri('https://x/c?u=04&c=1&m=00')).toEqual({
      problem: expect.stringMatching(/SUN message malformed/),
    });
    expect(sunFromUri('https://x/c?m=94EED9EE65337086')).toEqual({
      problem: expect.stringMatching(/either uid and counter, or picc/),
    });
  });
});
