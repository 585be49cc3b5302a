import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jsQRModule from 'jsqr';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type PaperCondition, PrinterEmulator, readPng } from '../../scripts/src/printer-emulator/index.js';
import { EventBus } from '../src/event-bus.js';
import {
  balanceReceipt,
  PrintError,
  Printer,
  type PrinterEvents,
  renderReceipt,
  TcpTransport,
  vazirmatnFonts,
  voucherReceipt,
} from '../src/hardware/printer/index.js';

// jsqr is CommonJS whose types declare an ES default export, so NodeNext types the default import
// as the module object; at run time it is the decoder function itself.
const jsQR = jsQRModule as unknown as typeof jsQRModule.default;

/**
 * The printer path end to end: templates → renderer → TCP transport → the emulator, which
 * parses the ESC/POS stream and decodes the raster back into an image, as paper would show it.
 */
const FIXTURES = join(import.meta.dirname, 'fixtures');
const UPDATE = process.env.UPDATE_PRINT_FIXTURES === '1';
const logger = pino({ level: process.env.PRINT_TEST_LOG ?? 'silent' });
const fonts = vazirmatnFonts();
const ctx = {
  lang: 'fa' as const,
  storeName: 'فروشگاه نمونه',
  timeZone: 'Asia/Tehran',
  now: new Date('2026-11-22T10:30:00Z'),
};
const VOUCHER_CODE = 'BG-7K3Q-2M9X';
const voucher = voucherReceipt(
  {
    code: VOUCHER_CODE,
    rewardName: 'یک فنجان قهوه رایگان',
    pointsSpent: 1500,
    expiresAt: new Date('2026-12-21T12:00:00Z'),
    memberNumber: 1042,
  },
  ctx,
);

let dir: string;
let emulator: PrinterEmulator;
let printer: Printer;
let events: { state: PrinterEvents['printer.state'][]; jobs: PrinterEvents['printer.job'][] };

async function start(condition: PaperCondition = 'ok') {
  emulator = await PrinterEmulator.start({ port: 0, host: '127.0.0.1', jobsDir: dir, condition });
  // The agent's bus carries more than printer events; the printer must accept the wider one.
  const bus = new EventBus<PrinterEvents & { 'reader.state': { present: boolean } }>((event, error) => {
    throw new Error(`listener for ${event} failed: ${String(error)}`);
  });
  events = { state: [], jobs: [] };
  bus.on('printer.state', (s) => void events.state.push(s));
  bus.on('printer.job', (j) => void events.jobs.push(j));
  printer = new Printer({
    transport: new TcpTransport({ host: '127.0.0.1', port: emulator.port, logger }),
    render: (r) => renderReceipt(r, { paper: 58, fonts }),
    bus,
    logger,
    statusTimeoutMs: 500,
    confirmBaseMs: 500,
    confirmMsPerKb: 10,
  });
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'print-'));
});
afterEach(async () => {
  await printer?.close();
  await emulator?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Share of pixels that differ, after requiring the same size. */
function pixelDifference(a: ReturnType<typeof readPng>, b: ReturnType<typeof readPng>): number {
  expect({ w: a.width, h: a.height }).toEqual({ w: b.width, h: b.height });
  let diff = 0;
  for (let i = 0; i < a.rgba.length; i += 4) if (a.rgba[i]! < 128 !== b.rgba[i]! < 128) diff++;
  return diff / (a.width * a.height);
}

async function compareWithFixture(png: Buffer, name: string) {
  const path = join(FIXTURES, name);
  if (UPDATE || !existsSync(path)) {
    if (!UPDATE)
      throw new Error(`missing ${path}; run with UPDATE_PRINT_FIXTURES=1, look at it, and commit it`);
    await writeFile(path, png);
  }
  const ratio = pixelDifference(readPng(png), readPng(await readFile(path)));
  // Same build, same bits (0 here). The slack is for edge dots a different resvg/CPU may round the
  // other way; a line laid out in the wrong direction moves about 0.5% of the dots, so it fails.
  expect(ratio).toBeLessThan(0.001);
}

describe('printing to the TCP printer emulator', () => {
  it('prints a Persian voucher whose raster matches the reference and whose QR reads back the code', async () => {
    await start();
    const job = await printer.print(voucher);
    expect(job.status).toBe('done');
    const [printed] = await emulator.waitForJobs(1);
    expect(printed!.raster?.width).toBe(384);
    const png = await readFile(printed!.files.png!);
    await compareWithFixture(png, 'voucher-fa-58mm.png');

    const img = readPng(png);
    const qr = jsQR(img.rgba, img.width, img.height);
    expect(qr?.data).toBe(VOUCHER_CODE);
    expect(events.state.at(-1)).toMatchObject({ state: 'ready', paperLow: false });
    expect(events.jobs.map((e) => e.job.status)).toEqual(['done']);
  });

  it('prints the balance statement (reference image for people to look at)', async () => {
    await start();
    const receipt = balanceReceipt(
      {
        memberNumber: 1042,
        displayName: 'مریم احمدی',
        tier: 'silver',
        points: 12450,
        creditToman: 20000,
        asOf: ctx.now,
        expiring: { points: 300, at: new Date('2027-01-10T00:00:00Z') },
        history: [
          { at: new Date('2026-11-20T10:00:00Z'), description: 'خرید', points: 120 },
          { at: new Date('2026-11-18T10:00:00Z'), description: 'دریافت جایزه', points: -1500 },
        ],
      },
      ctx,
    );
    await printer.print(receipt);
    const [printed] = await emulator.waitForJobs(1);
    await compareWithFixture(await readFile(printed!.files.png!), 'balance-fa-58mm.png');
  });

  it('fails cleanly on paper-out, keeps the job, and reprints it once paper is loaded', async () => {
    await start('paper-out');
    const failure = await printer.print(voucher).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(PrintError);
    expect(failure).toMatchObject({
      code: 'paper-out',
      message: expect.stringMatching(/out of paper.*kept for reprint/),
    });
    expect(events.state.at(-1)).toMatchObject({ state: 'paper-out' });
    const [kept] = printer.failedJobs();
    expect(kept).toMatchObject({ status: 'failed', template: 'voucher', attempts: 1 });
    expect(emulator.jobs).toHaveLength(0);

    emulator.setCondition('ok');
    const done = await printer.reprint(kept!.id);
    expect(done).toMatchObject({ id: kept!.id, status: 'done', attempts: 2 });
    expect(printer.failedJobs()).toEqual([]);
    const [printed] = await emulator.waitForJobs(1);
    const img = readPng(await readFile(printed!.files.png!));
    expect(jsQR(img.rgba, img.width, img.height)?.data).toBe(VOUCHER_CODE);
    expect(events.state.map((s) => s.state)).toEqual(['paper-out', 'ready']);
  });

  it('fails a job the printer stops in the middle of, and does not print it twice', async () => {
    await start();
    await printer.status();
    // Paper runs out after the status check passed: the data is held, GS ( H goes unanswered.
    const original = emulator.setCondition.bind(emulator);
    const transportWrite = TcpTransport.prototype.write;
    let armed = true;
    TcpTransport.prototype.write = async function (data) {
      if (armed && data.length > 1000) {
        armed = false;
        original('paper-out');
      }
      return transportWrite.call(this, data);
    };
    try {
      const failure = await printer.print(voucher).catch((e: unknown) => e);
      expect(failure).toMatchObject({ code: 'paper-out' });
    } finally {
      TcpTransport.prototype.write = transportWrite;
    }
    // Staff load paper seconds later; by then the printer has the agent's buffer-clear request.
    await new Promise((r) => setTimeout(r, 50));
    emulator.setCondition('ok');
    await printer.reprint(printer.failedJobs()[0]!.id);
    await emulator.waitForJobs(1);
    await new Promise((r) => setTimeout(r, 100));
    expect(emulator.jobs).toHaveLength(1);
  });

  it('prints a Latin-only receipt as ESC/POS text, and reports an unreachable printer as offline', async () => {
    await start();
    await printer.print(
      voucherReceipt(
        {
          code: VOUCHER_CODE,
          rewardName: 'Free coffee',
          pointsSpent: 1500,
          expiresAt: new Date('2026-12-21T12:00:00Z'),
          memberNumber: 1042,
        },
        { ...ctx, lang: 'en', storeName: 'Sample Store' },
      ),
    );
    const [printed] = await emulator.waitForJobs(1);
    expect(printed!.raster).toBeUndefined();
    expect(printed!.text).toContain('Free coffee');
    expect(printed!.text).toContain('2026-12-21');

    await emulator.close();
    const failure = await printer.print(voucher).catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: 'offline' });
    expect(events.state.at(-1)).toMatchObject({ state: 'offline' });
  });
});
