import { describe, expect, it } from 'vitest';
import { classifyFrame, encodeFrame, FrameDecoder, MAX_FRAME_PAYLOAD, VPCD_DEFAULT_PORT } from './frames.js';

const hex = (s: string) => Buffer.from(s.replace(/\s/g, ''), 'hex');

describe('vpcd frames', () => {
  it('uses slot 0 of Debian vsmartcard-vpcd (CHANNELID 0x8C7B)', () => {
    expect(VPCD_DEFAULT_PORT).toBe(35963);
  });

  it('prefixes the payload with its 2-byte big-endian length', () => {
    expect(encodeFrame(hex('3B8F'))).toEqual(hex('0002 3B8F'));
    expect(encodeFrame(Buffer.alloc(0))).toEqual(hex('0000'));
    expect(encodeFrame(Buffer.alloc(0x0123, 0xaa)).subarray(0, 2)).toEqual(hex('0123'));
    expect(() => encodeFrame(Buffer.alloc(MAX_FRAME_PAYLOAD + 1))).toThrow(RangeError);
  });

  it('reassembles frames split anywhere and several per chunk', () => {
    const stream = Buffer.concat([
      encodeFrame(hex('04')),
      encodeFrame(hex('FFCA000000')),
      encodeFrame(hex('01')),
    ]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const decoder = new FrameDecoder();
      const frames = [...decoder.push(stream.subarray(0, cut)), ...decoder.push(stream.subarray(cut))];
      expect(frames).toEqual([hex('04'), hex('FFCA000000'), hex('01')]);
      expect(decoder.bufferedBytes).toBe(0);
    }
    const byteByByte = new FrameDecoder();
    const frames = [...stream].flatMap((b) => byteByByte.push(Buffer.from([b])));
    expect(frames).toEqual([hex('04'), hex('FFCA000000'), hex('01')]);
  });

  it('keeps an incomplete frame until the rest arrives', () => {
    const decoder = new FrameDecoder();
    expect(decoder.push(hex('0005 FFCA'))).toEqual([]);
    expect(decoder.bufferedBytes).toBe(4);
    expect(decoder.push(hex('000000 0001'))).toEqual([hex('FFCA000000')]);
    expect(decoder.bufferedBytes).toBe(2);
  });

  it('tells control codes from APDUs', () => {
    expect(classifyFrame(hex('04'))).toEqual({ kind: 'control', code: 4 });
    expect(classifyFrame(hex('00'))).toEqual({ kind: 'control', code: 0 });
    expect(classifyFrame(hex('FFCA000000'))).toEqual({ kind: 'apdu', apdu: hex('FFCA000000') });
    expect(classifyFrame(Buffer.alloc(0))).toEqual({ kind: 'empty' });
  });
});
