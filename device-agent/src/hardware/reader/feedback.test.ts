import { describe, expect, it } from 'vitest';
import { feedbackCommands, readerModel } from './feedback.js';

const bytes = (model: Parameters<typeof feedbackCommands>[0], kind: 'success' | 'error') =>
  feedbackCommands(model, kind).map((c) => `${c.via}:${c.bytes.toString('hex').toUpperCase()}`);

describe('reader feedback commands', () => {
  it('knows the readers by their PC/SC names', () => {
    expect(readerModel('ACS ACR122U PICC Interface 00 00')).toBe('acr122u');
    expect(readerModel('ACS ACR1252 1S CL Reader [ACR1252 1S CL Reader PICC] 00 00')).toBe('acr1252u');
    expect(readerModel('Virtual PCD 00 00')).toBe('other');
    expect(readerModel('Identiv uTrust 3700 F CL Reader 00 00')).toBe('other');
  });

  it('ACR122U: LED and buzzer pseudo-APDU FF 00 40 P2 04 T1 T2 N B', () => {
    // success: P2 AA = green blink mask + initial green blink + green mask + final green on;
    // 100 ms on/off, once, buzzer during T1
    expect(bytes('acr122u', 'success')).toEqual(['transmit:FF0040AA0401010101']);
    // error: P2 54 = red blink mask + initial red blink + red mask, final off; 200 ms, twice, buzzer T1
    expect(bytes('acr122u', 'error')).toEqual(['transmit:FF0040540402020201']);
  });

  it('ACR1252U: LED then buzzer escape commands E0 00 00 29 / 28', () => {
    expect(bytes('acr1252u', 'success')).toEqual(['control:E00000290102', 'control:E0000028010A']);
    expect(bytes('acr1252u', 'error')).toEqual(['control:E00000290101', 'control:E00000280132']);
  });

  it('sends nothing to other readers', () => {
    expect(bytes('other', 'success')).toEqual([]);
    expect(bytes('other', 'error')).toEqual([]);
  });
});
