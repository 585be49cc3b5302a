import { describe, expect, it } from 'vitest';
import { CODE128_PATTERNS, code128Symbols } from './code128.js';
import * as esc from './escpos.js';
import { encodeStatus, isStatusByte, parseStatus } from './status.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('ESC/POS builders', () => {
  it('encodes the basic commands byte for byte', () => {
    expect(hex(esc.initialize())).toBe('1b40');
    expect(hex(esc.align('center'))).toBe('1b6101');
    expect(hex(esc.charSize(2, 2))).toBe('1d2111');
    expect(hex(esc.feedAndCut(48))).toBe('1d564230');
    expect(hex(esc.statusRequest(4))).toBe('100404');
    expect(hex(esc.processIdRequest('0042'))).toBe('1d28480600303030303432');
    expect(() => esc.text('سلام')).toThrow(/render this receipt as raster/);
  });

  it('stores and prints a QR code with GS ( k', () => {
    const b = hex(esc.qrCode('AB', 6));
    expect(b).toContain('1d286b0500315030' + '4142'); // store: pL = 2 + 3
    expect(b.endsWith('1d286b0300315130')).toBe(true);
  });

  it('splits a raster into GS v 0 bands no taller than the band limit', () => {
    const widthBytes = 48;
    const height = 50;
    const bits = new Uint8Array(widthBytes * height).fill(0xaa);
    const out = esc.rasterBands(bits, widthBytes, height, 24);
    const headers = [
      ...Buffer.from(out)
        .toString('hex')
        .matchAll(/1d7630003000(..)00/g),
    ].map((m) => Number.parseInt(m[1]!, 16));
    expect(headers).toEqual([24, 24, 2]);
    expect(out.length).toBe(3 * 8 + bits.length);
    expect(() => esc.rasterBands(bits, widthBytes, height + 1)).toThrow(/does not match/);
  });
});

describe('Code 128', () => {
  it('has 11-module patterns and a 13-module stop', () => {
    CODE128_PATTERNS.forEach((p, i) => {
      const sum = [...p].reduce((s, d) => s + Number(d), 0);
      expect(sum, `pattern ${i}`).toBe(i === 106 ? 13 : 11);
    });
  });

  it('computes the mod-103 check symbol', () => {
    // Start B (104) + 'P'(48)*1 + 'J'(42)*2 + 'J'(42)*3 + '1'(17)*4 + '2'(18)*5 ... worked by hand for "PJJ":
    expect(code128Symbols('PJJ')).toEqual([104, 48, 42, 42, (104 + 48 + 84 + 126) % 103, 106]);
    expect(() => code128Symbols('کد')).toThrow(/set B/);
  });
});

describe('DLE EOT status', () => {
  it('recognises only bytes with the fixed bits of a status reply', () => {
    expect(isStatusByte(0x12)).toBe(true);
    expect(isStatusByte(0x00)).toBe(false);
    expect(isStatusByte(0x92)).toBe(false);
  });

  it('parses ready, paper low, paper out and cover open', () => {
    expect(parseStatus(encodeStatus({})).state).toBe('ready');
    const low = parseStatus(encodeStatus({ paperNearEnd: true }));
    expect(low).toMatchObject({ state: 'ready', paperNearEnd: true, paperOut: false });
    expect(parseStatus(encodeStatus({ paperOut: true }))).toMatchObject({
      state: 'paper-out',
      online: false,
    });
    expect(parseStatus(encodeStatus({ coverOpen: true }))).toMatchObject({
      state: 'cover-open',
      coverOpen: true,
    });
    expect(
      parseStatus({ printer: 0x12, offlineCause: 0x12, errorCause: 0x12 | 0x08, paperSensor: 0x12 }).state,
    ).toBe('offline');
  });

  it('refuses bytes that are not status replies with a hint', () => {
    expect(() =>
      parseStatus({ printer: 0x41, offlineCause: 0x12, errorCause: 0x12, paperSensor: 0x12 }),
    ).toThrow(/not a DLE EOT reply.*ESC\/POS mode/);
  });
});
