#!/usr/bin/env node
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { type PaperCondition, PrinterEmulator } from './emulator.js';

/**
 * Run a pretend receipt printer: `printer-emulator --port 9100 --dir ./artifacts/prints`.
 * Type `ok`, `paper-out`, `cover-open` or `near-end` on stdin to change its condition live.
 */
const CONDITIONS: PaperCondition[] = ['ok', 'paper-out', 'cover-open'];
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '9100' },
    host: { type: 'string', default: '127.0.0.1' },
    dir: { type: 'string', default: 'artifacts/prints' },
    state: { type: 'string', default: 'ok' },
    'paper-near-end': { type: 'boolean', default: false },
  },
});
const state = values.state as PaperCondition;
if (!CONDITIONS.includes(state)) {
  console.error(`--state must be one of ${CONDITIONS.join(', ')}, not "${values.state}"`);
  process.exit(2);
}
const logger = pino({ name: 'printer-emulator' });
const emulator = await PrinterEmulator.start({
  port: Number(values.port),
  host: values.host,
  jobsDir: values.dir,
  condition: state,
  paperNearEnd: values['paper-near-end'],
  logger,
});
createInterface({ input: process.stdin }).on('line', (line) => {
  const word = line.trim();
  if (word === 'near-end') emulator.setCondition(emulator.condition, true);
  else if (CONDITIONS.includes(word as PaperCondition)) emulator.setCondition(word as PaperCondition, false);
  else if (word) logger.warn(`unknown command "${word}"; use ok, paper-out, cover-open or near-end`);
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    emulator.close().then(() => process.exit(0));
  });
}
