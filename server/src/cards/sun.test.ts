import { describe, expect, it } from 'vitest';
import { aesCmac } from './cmac.js';
import { decryptPiccData, deriveSunCardKey, sdmMac, sdmSessionMacKey, verifySun } from './sun.js';

/**
 * Known-answer vectors: NXP AN12196's SDM example (all-zero keys, UID 04DE5F1EACC040, SDMReadCtr
 * 0x3D, encrypted PICCData EF963FF7828658A599F3041510671E88, SDMMAC 94EED9EE65337086), with its
 * intermediate values (SV2, KSesSDMFileReadMAC, full CMAC) as published.
 */
const zero = Buffer.alloc(16);
const uid = Buffer.from('04DE5F1EACC040', 'hex');

describe('NTAG 424 DNA SUN (AN12196)', () => {
  it('derives KSesSDMFileReadMAC from SV2 = 3CC300010080 || UID || counter (LSB first)', () => {
    expect(
      aesCmac(zero, Buffer.from('3CC30001008004DE5F1EACC0403D0000', 'hex')).toString('hex').toUpperCase(),
    ).toBe('3FB5F6E3A807A03D5E3570ACE393776F');
    expect(sdmSessionMacKey(zero, uid, 0x3d).toString('hex').toUpperCase()).toBe(
      '3FB5F6E3A807A03D5E3570ACE393776F',
    );
  });

  it('truncates the CMAC over the empty input to its odd-numbered bytes', () => {
    const session = sdmSessionMacKey(zero, uid, 0x3d);
    expect(aesCmac(session, Buffer.alloc(0)).toString('hex').toUpperCase()).toBe(
      'E194C7EE12D9F7EE8A65C8331B704386',
    );
    expect(sdmMac(zero, uid, 0x3d).toString('hex').toUpperCase()).toBe('94EED9EE65337086');
  });

  it('decrypts the PICCData to tag C7, the UID and the counter', () => {
    const picc = decryptPiccData(zero, Buffer.from('EF963FF7828658A599F3041510671E88', 'hex'));
    expect(picc?.uid.toString('hex').toUpperCase()).toBe('04DE5F1EACC040');
    expect(picc?.counter).toBe(0x3d);
  });

  it('verifies the example in its encrypted and its plain mirror form', () => {
    expect(
      verifySun(
        { kind: 'sun', picc: 'EF963FF7828658A599F3041510671E88', mac: '94EED9EE65337086' },
        '04DE5F1EACC040',
        zero,
      ),
    ).toEqual({
      ok: true,
      counter: 0x3d,
    });
    expect(
      verifySun(
        { kind: 'sun', uid: '04DE5F1EACC040', counter: '00003D', mac: '94EED9EE65337086' },
        '04DE5F1EACC040',
        zero,
      ),
    ).toEqual({ ok: true, counter: 0x3d });
  });

  it('rejects a wrong MAC, a wrong key, another UID, a changed counter', () => {
    const plain = { kind: 'sun' as const, uid: '04DE5F1EACC040', counter: '00003D', mac: '94EED9EE65337086' };
    expect(verifySun({ ...plain, mac: '94EED9EE65337087' }, '04DE5F1EACC040', zero)).toEqual({
      ok: false,
      reason: 'bad-mac',
    });
    expect(verifySun(plain, '04DE5F1EACC040', Buffer.alloc(16, 1))).toEqual({ ok: false, reason: 'bad-mac' });
    expect(verifySun(plain, '04DE5F1EACC041', zero)).toEqual({ ok: false, reason: 'uid-mismatch' });
    expect(verifySun({ ...plain, counter: '00003E' }, '04DE5F1EACC040', zero)).toEqual({
      ok: false,
      reason: 'bad-mac',
    });
    expect(
      verifySun(
        { kind: 'sun', picc: 'EF963FF7828658A599F3041510671E88', mac: '94EED9EE65337086' },
        '04DE5F1EACC040',
        Buffer.alloc(16, 1),
      ),
    ).toEqual({
      ok: false,
      reason: 'bad-picc',
    });
  });

  it('diversifies one key per card from the master key', () => {
    const master = Buffer.from('00112233445566778899AABBCCDDEEFF', 'hex');
    const a = deriveSunCardKey(master, '04DE5F1EACC040');
    expect(a).toHaveLength(16);
    expect(a.equals(deriveSunCardKey(master, '04DE5F1EACC041'))).toBe(false);
    expect(a.equals(aesCmac(master, Buffer.concat([Buffer.of(1), uid, Buffer.from('BashgahSUN')])))).toBe(
      true,
    );
  });
});
