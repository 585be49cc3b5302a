import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PrinterEmulator } from './emulator.js';
import { EscPosParser } from './parser.js';
import { readPng } from './raster-png.js';

let dir: string;
let emulator: PrinterEmulator | undefined;
let socket: Socket | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'escpos-emu-'));
});
afterEach(async () => {
  socket?.destroy();
  await emulator?.close();
  await rm(dir, { recursive: true, force: true });
});

async function connect(port: number) {
  const s = createConnection({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => s.once('connect', resolve).once('error', reject));
  const received: number[] = [];
  s.on('data', (d) => received.push(...d));
  socket = s;
  return { s, received };
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(check()).toBe(true);
};

describe('EscPosParser', () => {
  it('reassembles commands split anywhere across chunks', () => {
    const raster = [0x1d, 0x76, 0x30, 0, 1, 0, 2, 0, 0xf0, 0x0f];
    const stream = Uint8Array.from([
      0x1b,
      0x40,
      0x41,
      0x42,
      0x0a,
      ...raster,
      0x10,
      0x04,
      0x02,
      0x1d,
      0x56,
      0x42,
      0x30,
    ]);
    const whole = new EscPosParser().push(stream).map((p) => p.command.type);
    const parser = new EscPosParser();
    // Text may come out in pieces (it streams to the head as it arrives); commands must not.
    const split = [...stream]
      .flatMap((b) => parser.push(Uint8Array.of(b)))
      .map((p) => p.command.type)
      .filter((t, i, all) => t !== 'text' || all[i - 1] !== 'text');
    expect(whole).toEqual(['init', 'text', 'raster', 'status', 'cut']);
    expect(split).toEqual(whole);
  });
});

describe('PrinterEmulator', () => {
  it('answers DLE EOT for each condition', async () => {
    emulator = await PrinterEmulator.start({ port: 0, jobsDir: dir });
    const { s, received } = await connect(emulator.port);
    const ask = async () => {
      received.length = 0;
      s.write(Uint8Array.from([0x10, 4, 1, 0x10, 4, 2, 0x10, 4, 3, 0x10, 4, 4]));
      await until(() => received.length === 4);
      return received.map((b) => b.toString(16)).join(' ');
    };
    expect(await ask()).toBe('12 12 12 12');
    emulator.setCondition('paper-out');
    expect(await ask()).toBe('1a 32 12 7e');
    emulator.setCondition('cover-open');
    expect(await ask()).toBe('1a 16 12 12');
    emulator.setCondition('ok', true);
    expect(await ask()).toBe('12 12 12 1e');
  });

  it('holds a job while out of paper, prints it after, and saves bytes and a PNG', async () => {
    emulator = await PrinterEmulator.start({ port: 0, jobsDir: dir, condition: 'paper-out' });
    const { s, received } = await connect(emulator.port);
    // 16x2 raster: a black top row and a white bottom row, then cut, then a process-id request.
    const job = [0x1b, 0x40, 0x1d, 0x76, 0x30, 0, 2, 0, 2, 0, 0xff, 0xff, 0, 0, 0x1d, 0x56, 0x42, 0];
    s.write(Uint8Array.from([...job, 0x1d, 0x28, 0x48, 6, 0, 0x30, 0x30, 0x41, 0x42, 0x43, 0x44]));
    await new Promise((r) => setTimeout(r, 50));
    expect(emulator.jobs).toHaveLength(0);
    expect(received).toEqual([]);

    emulator.setCondition('ok');
    const [printed] = await emulator.waitForJobs(1);
    await until(() => received.length === 7);
    expect(Buffer.from(received).toString('latin1')).toBe('7"ABCD\0');
    expect([...(await readFile(printed!.files.raw))]).toEqual(job);
    const png = readPng(await readFile(printed!.files.png!));
    expect([png.width, png.height]).toEqual([16, 2]);
    expect([png.rgba[0], png.rgba[16 * 4]]).toEqual([0, 255]);
  });

  it('drops held data on DLE DC4 8 so a cleared job never prints', async () => {
    emulator = await PrinterEmulator.start({ port: 0, jobsDir: dir, condition: 'cover-open' });
    const { s } = await connect(emulator.port);
    s.write(
      Uint8Array.from([0x1b, 0x40, 0x41, 0x0a, 0x1d, 0x56, 0x42, 0, 0x10, 0x14, 8, 1, 3, 20, 1, 6, 2, 8]),
    );
    await new Promise((r) => setTimeout(r, 50));
    emulator.setCondition('ok');
    await new Promise((r) => setTimeout(r, 50));
    expect(emulator.jobs).toHaveLength(0);
  });
});
