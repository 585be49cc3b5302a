/**
 * Print benchmark: `node scripts/dist/bench/print.js [runs]`.
 * Measures what a member waits for after claiming a reward: rendering the Persian voucher to
 * ESC/POS raster bytes, and the whole job through the TCP printer emulator until the printer
 * confirms it. A Latin text receipt rendered in the same run is the baseline, so the figures
 * compare on whatever machine runs this.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Printer,
  renderReceipt,
  TcpTransport,
  type TemplateContext,
  vazirmatnFonts,
  voucherReceipt,
} from '@bashgah/device-agent/printer';
import { pino } from 'pino';
import { PrinterEmulator } from '../printer-emulator/index.js';

const RUNS = Number(process.argv[2] ?? 50);
const WARMUP = 5;
const TARGET_MS = 50;

const fonts = vazirmatnFonts();
const now = new Date();
const data = {
  code: 'BG-7K3Q-2M9X',
  rewardName: 'یک فنجان قهوه رایگان',
  pointsSpent: 1500,
  expiresAt: new Date(now.getTime() + 30 * 86_400_000),
  memberNumber: 1042,
};
const ctx = (lang: 'fa' | 'en'): TemplateContext => ({
  lang,
  storeName: lang === 'fa' ? 'فروشگاه نمونه' : 'Sample Store',
  timeZone: 'Asia/Tehran',
  now,
});
const faVoucher = voucherReceipt(data, ctx('fa'));
const enVoucher = voucherReceipt({ ...data, rewardName: 'Free coffee' }, ctx('en'));

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function time(label: string, fn: () => unknown | Promise<unknown>) {
  for (let i = 0; i < WARMUP; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  const r = { label, p50: percentile(samples, 50), p95: percentile(samples, 95), max: samples.at(-1)! };
  console.log(
    `${label.padEnd(44)} p50 ${r.p50.toFixed(2).padStart(7)} ms   p95 ${r.p95.toFixed(2).padStart(7)} ms`,
  );
  return r;
}

console.log(
  `print benchmark: ${RUNS} runs after ${WARMUP} warm-up, node ${process.version}, ${process.arch}`,
);
for (const paper of [58, 80] as const) {
  const fa = renderReceipt(faVoucher, { paper, fonts });
  console.log(
    `bytes per job, ${paper} mm: Persian voucher (raster) ${fa.bytes.length} B, ${fa.bitmap!.width}x${fa.bitmap!.height} dots`,
  );
}
const en = renderReceipt(enVoucher, { paper: 58, fonts });
console.log(`bytes per job, 58 mm: Latin voucher (text) ${en.bytes.length} B`);

const raster = await time('render Persian voucher → raster, 58 mm', () =>
  renderReceipt(faVoucher, { paper: 58, fonts }),
);
await time('render Persian voucher → raster, 80 mm', () => renderReceipt(faVoucher, { paper: 80, fonts }));
const text = await time('baseline: Latin voucher → ESC/POS text', () =>
  renderReceipt(enVoucher, { paper: 58, fonts }),
);
console.log(`raster/text render ratio (p50): ${(raster.p50 / text.p50).toFixed(0)}x`);

const dir = await mkdtemp(join(tmpdir(), 'bench-print-'));
const emulator = await PrinterEmulator.start({ port: 0, jobsDir: dir });
const logger = pino({ level: 'silent' });
const printer = new Printer({
  transport: new TcpTransport({ host: '127.0.0.1', port: emulator.port, logger }),
  render: (r) => renderReceipt(r, { paper: 58, fonts }),
  bus: { emit: () => {} },
  logger,
});
try {
  await time('end to end: Persian voucher to TCP emulator', () => printer.print(faVoucher));
  await time('end to end: Latin voucher to TCP emulator', () => printer.print(enVoucher));
} finally {
  await printer.close();
  await emulator.close();
  await rm(dir, { recursive: true, force: true });
}
const verdict = raster.p95 < TARGET_MS ? 'meets' : 'MISSES';
console.log(`render p95 ${raster.p95.toFixed(1)} ms ${verdict} the ${TARGET_MS} ms target`);
