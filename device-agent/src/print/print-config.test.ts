import { describe, expect, it } from 'vitest';
import { ConfigError, loadAgentConfig, parsePrinter } from '../config.js';

describe('PRINTER and PAPER', () => {
  it('parses every transport form', () => {
    expect(parsePrinter('none')).toEqual({ kind: 'none' });
    expect(parsePrinter('tcp://10.0.0.5')).toEqual({ kind: 'tcp', host: '10.0.0.5', port: 9100 });
    expect(parsePrinter('tcp://printer.local:9101')).toEqual({
      kind: 'tcp',
      host: 'printer.local',
      port: 9101,
    });
    expect(parsePrinter('usblp:/dev/usb/lp0')).toEqual({ kind: 'usblp', path: '/dev/usb/lp0' });
    expect(parsePrinter('usb:0416:5011')).toEqual({ kind: 'usb', vendorId: 0x0416, productId: 0x5011 });
    expect(parsePrinter('usb')).toEqual({ kind: 'usb' });
  });

  it('defaults to no printer on 80 mm paper and refuses nonsense', () => {
    const c = loadAgentConfig({});
    expect(c.printer).toEqual({ kind: 'none' });
    expect(c.paperMm).toBe(80);
    expect(c.autoCheckin).toBe(true);
    expect(() => loadAgentConfig({ PRINTER: 'lpt1' })).toThrow(ConfigError);
    expect(() => loadAgentConfig({ PAPER: '76' })).toThrow(/PAPER/);
  });
});
