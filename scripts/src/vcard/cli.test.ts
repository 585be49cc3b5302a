import { describe, expect, it } from 'vitest';
import { main, parseCli } from './cli.js';

describe('vcard CLI arguments', () => {
  it('parses tap with defaults and options', () => {
    expect(parseCli(['tap', '04a1b2c3d4e5f6'])).toEqual({
      ok: true,
      value: { command: 'tap', uid: '04A1B2C3D4E5F6', holdMs: 1500, host: '127.0.0.1', port: 35963 },
    });
    expect(parseCli(['tap', '04A1B2C3', '--hold', '250', '--port', '35964', '--host', 'localhost'])).toEqual({
      ok: true,
      value: { command: 'tap', uid: '04A1B2C3', holdMs: 250, host: 'localhost', port: 35964 },
    });
  });

  it('refuses bad arguments with a reason', () => {
    const error = (argv: string[]) => {
      const r = parseCli(argv);
      return r.ok ? undefined : r.error;
    };
    expect(error([])).toMatch(/missing command/);
    expect(error(['swipe', '04A1B2C3'])).toMatch(/unknown command "swipe"/);
    expect(error(['tap'])).toMatch(/needs a card UID/);
    expect(error(['tap', 'zz'])).toMatch(/invalid card UID "zz"/);
    expect(error(['tap', '04A1B2C3', 'x'])).toMatch(/unexpected argument/);
    expect(error(['tap', '04A1B2C3', '--hold', 'soon'])).toMatch(/--hold/);
    expect(error(['tap', '04A1B2C3', '--hold', '-5'])).toMatch(/--hold/);
    expect(error(['tap', '04A1B2C3', '--port', '70000'])).toMatch(/--port/);
    expect(error(['tap', '04A1B2C3', '--speed', '1'])).toMatch(/Unknown option '--speed'/);
  });

  it('exits 2 with the usage on bad arguments', async () => {
    const lines: string[] = [];
    const original = console.error;
    console.error = (line: string) => lines.push(line);
    try {
      expect(await main(['tap', 'nope'])).toBe(2);
    } finally {
      console.error = original;
    }
    expect(lines.join('\n')).toMatch(/invalid card UID[\s\S]*usage: npm run vcard -- tap <uid>/);
  });
});

describe('vcard CLI card kinds', () => {
  const UID = '04A1B2C3D4E5F6';
  const token = 'BG1.k1.C0000123.H8VtKdeaF6a3CtS8odgPPQ';
  const card = (argv: string[]) => {
    const r = parseCli(['tap', UID, ...argv]);
    return r.ok && r.value.command === 'tap' ? r.value.card : r.ok ? undefined : r.error;
  };

  it('parses NTAG215 and NTAG 424 DNA options', () => {
    expect(card([])).toBeUndefined();
    expect(card(['--ntag215'])).toEqual({ kind: 'ntag215' });
    expect(card(['--token', token])).toEqual({ kind: 'ntag215', token });
    expect(card(['--url', 'https://bashgah.club/c?u=1'])).toEqual({
      kind: 'ntag215',
      url: 'https://bashgah.club/c?u=1',
    });
    expect(card(['--sun', '00'.repeat(16), '--counter', '41', '--encrypted'])).toEqual({
      kind: 'ntag424',
      key: '00'.repeat(16),
      counter: 41,
      encrypted: true,
    });
  });

  it('refuses contradictory or malformed card options', () => {
    expect(card(['--token', 'nope'])).toMatch(/not a BG1 card token/);
    expect(card(['--token', token, '--sun', '00'.repeat(16)])).toMatch(/cannot be combined/);
    expect(card(['--sun', 'abc'])).toMatch(/32 hex digits/);
    expect(card(['--counter', '3'])).toMatch(/need --sun/);
    expect(parseCli(['tap', '04A1B2C3', '--ntag215'])).toMatchObject({ ok: false, error: /7-byte UIDs/ });
  });
});
