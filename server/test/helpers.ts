import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { type Logger, pino } from 'pino';
import { migrate } from '../src/db/migrate.js';
import { SqliteDb } from '../src/db/sqlite.js';

export const silentLogger: Logger = pino({ level: 'silent' });

/** A fresh SQLite file in its own temp dir; `cleanup` closes it and removes the dir. */
export async function tempDb(opts: { migrated?: boolean } = {}) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bashgah-server-'));
  const db = await SqliteDb.open(path.join(dir, 'test.db'));
  if (opts.migrated ?? true) await migrate(db);
  return {
    db,
    dir,
    async cleanup() {
      await db.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** A logger that keeps warnings and errors in memory, so tests can assert what was logged. */
export function captureLogger(level: 'warn' | 'info' = 'warn'): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line) lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  return { logger: pino({ level }, sink), lines };
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(probe: () => T | undefined, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Like waitFor, for async probes such as database queries. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
