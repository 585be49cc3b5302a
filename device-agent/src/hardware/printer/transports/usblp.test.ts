import { execFileSync } from 'node:child_process';
import { constants } from 'node:fs';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TransportTimeout } from './transport.js';
import { UsblpTransport } from './usblp.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'usblp-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('UsblpTransport', () => {
  it('writes the whole job to the device file', async () => {
    const path = join(dir, 'lp0');
    await (await open(path, 'w')).close();
    const t = new UsblpTransport({ path });
    await t.open();
    const job = new Uint8Array(100_000).map((_, i) => (i * 7) & 0xff);
    await t.write(job);
    await t.close();
    expect((await readFile(path)).equals(Buffer.from(job))).toBe(true);
  });

  it('reads status replies through a FIFO pair, and times out when the printer is silent', async () => {
    // Two FIFOs stand in for usblp's one bidirectional node: host→printer and printer→host.
    const toPrinter = join(dir, 'to-printer');
    const fromPrinter = join(dir, 'from-printer');
    execFileSync('mkfifo', [toPrinter, fromPrinter]);
    // O_RDWR keeps each FIFO open at both ends so neither side sees EOF or blocks on open.
    const printerIn = await open(toPrinter, constants.O_RDWR | constants.O_NONBLOCK);
    const printerOut = await open(fromPrinter, constants.O_RDWR | constants.O_NONBLOCK);
    const t = new UsblpTransport({
      path: toPrinter,
      pollMs: 2,
      openFiles: async () => {
        const writer = await open(toPrinter, constants.O_WRONLY | constants.O_NONBLOCK);
        const reader = await open(fromPrinter, constants.O_RDONLY | constants.O_NONBLOCK);
        return {
          writer,
          reader,
          close: async () => void (await Promise.all([writer.close(), reader.close()])),
        };
      },
    });
    try {
      await t.open();
      await t.write(Uint8Array.of(0x10, 0x04, 0x04));
      const got = Buffer.alloc(3);
      await printerIn.read(got, 0, 3, null);
      expect(got.toString('hex')).toBe('100404');
      await t.discardInput();

      const pending = t.read(1, 1000);
      setTimeout(() => void printerOut.write(Uint8Array.of(0x7e)), 30);
      expect([...(await pending)]).toEqual([0x7e]);

      await expect(t.read(1, 50)).rejects.toBeInstanceOf(TransportTimeout);
    } finally {
      await t.close();
      await printerIn.close();
      await printerOut.close();
    }
  });

  it('explains a missing device node', async () => {
    await expect(new UsblpTransport({ path: join(dir, 'nope') }).open()).rejects.toThrow(
      /cannot open \(ENOENT\); is the printer plugged in/,
    );
  });
});
