import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { type Command, EscPosParser, type Parsed } from './parser.js';
import { type RasterImage, rasterToPng, stackBands } from './raster-png.js';

export type PaperCondition = 'ok' | 'paper-out' | 'cover-open';

export interface EmulatedJob {
  /** 1-based, in the order the printer finished them. */
  seq: number;
  raw: Uint8Array;
  /** Text the printer would print in its own font (Latin receipts). */
  text: string;
  raster: RasterImage | undefined;
  /** Where the job was saved: `<dir>/job-0001.bin` and, for raster jobs, `.png`. */
  files: { raw: string; png?: string };
}

export interface EmulatorOptions {
  /** 0 picks a free port (tests); 9100 is what real printers use. */
  port?: number;
  host?: string;
  jobsDir: string;
  condition?: PaperCondition;
  paperNearEnd?: boolean;
  logger?: Logger;
}

/**
 * A TCP ESC/POS receipt printer. Like a real one it answers DLE EOT at once, even when stopped,
 * but holds everything else while the paper is out or the cover is open, and prints the held
 * data when the condition clears (unless DLE DC4 8 cleared the buffer first).
 */
export class PrinterEmulator {
  readonly jobs: EmulatedJob[] = [];
  readonly #opts: EmulatorOptions;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #held: { parsed: Parsed; socket: Socket }[] = [];
  #condition: PaperCondition;
  #paperNearEnd: boolean;
  #current: { raw: Uint8Array[]; text: string[]; bands: Extract<Command, { type: 'raster' }>[] } = empty();
  #saving: Promise<void> = Promise.resolve();
  #waiters: (() => void)[] = [];

  private constructor(opts: EmulatorOptions) {
    this.#opts = opts;
    this.#condition = opts.condition ?? 'ok';
    this.#paperNearEnd = opts.paperNearEnd ?? false;
    this.#server = createServer((socket) => this.#accept(socket));
  }

  static async start(opts: EmulatorOptions): Promise<PrinterEmulator> {
    await mkdir(opts.jobsDir, { recursive: true });
    const emulator = new PrinterEmulator(opts);
    await new Promise<void>((resolve, reject) => {
      emulator.#server.once('error', reject);
      emulator.#server.listen(opts.port ?? 9100, opts.host ?? '127.0.0.1', () => resolve());
    });
    opts.logger?.info({ port: emulator.port, jobsDir: opts.jobsDir }, 'printer emulator listening');
    return emulator;
  }

  get port(): number {
    const addr = this.#server.address();
    if (!addr || typeof addr === 'string') throw new Error('printer emulator is not listening');
    return addr.port;
  }

  get condition(): PaperCondition {
    return this.#condition;
  }

  setCondition(condition: PaperCondition, paperNearEnd = this.#paperNearEnd): void {
    this.#condition = condition;
    this.#paperNearEnd = paperNearEnd;
    this.#opts.logger?.info({ condition, paperNearEnd }, 'printer condition changed');
    if (condition === 'ok') {
      const held = this.#held.splice(0);
      for (const h of held) this.#process(h.parsed, h.socket);
    }
  }

  /** Resolves once `count` jobs have been printed and saved. */
  async waitForJobs(count: number, timeoutMs = 5000): Promise<EmulatedJob[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.jobs.length < count) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`printer emulator got ${this.jobs.length} of ${count} jobs in ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    await this.#saving;
    return this.jobs.slice(0, count);
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    await this.#saving;
  }

  #accept(socket: Socket): void {
    this.#sockets.add(socket);
    const parser = new EscPosParser();
    socket.on('data', (chunk) => {
      for (const parsed of parser.push(chunk)) this.#receive(parsed, socket);
    });
    socket.on('error', (err) => this.#opts.logger?.debug({ err }, 'printer emulator client error'));
    socket.on('close', () => this.#sockets.delete(socket));
  }

  #receive(parsed: Parsed, socket: Socket): void {
    const c = parsed.command;
    // Real-time commands bypass the buffer on a real printer too; that is how a stopped printer
    // can still say why it stopped.
    if (c.type === 'status') {
      socket.write(Uint8Array.of(this.#statusByte(c.n)));
      return;
    }
    if (c.type === 'clear-buffer') {
      this.#held.length = 0;
      this.#current = empty();
      return;
    }
    if (this.#condition !== 'ok' || this.#held.length > 0) {
      this.#held.push({ parsed, socket });
      return;
    }
    this.#process(parsed, socket);
  }

  #process({ command: c, raw }: Parsed, socket: Socket): void {
    if (c.type === 'process-id') {
      socket.write(Uint8Array.from([0x37, 0x22, ...Buffer.from(c.id, 'latin1'), 0x00]));
      return;
    }
    if (c.type === 'init' && this.#current.raw.length > 0 && !hasContent(this.#current))
      this.#current = empty();
    this.#current.raw.push(raw);
    if (c.type === 'text') this.#current.text.push(Buffer.from(c.data).toString('latin1'));
    if (c.type === 'raster') this.#current.bands.push(c);
    if (c.type === 'cut') this.#finishJob();
  }

  #finishJob(): void {
    const job = this.#current;
    this.#current = empty();
    const seq = this.jobs.length + 1;
    const base = join(this.#opts.jobsDir, `job-${String(seq).padStart(4, '0')}`);
    const raster = stackBands(job.bands);
    const raw = Buffer.concat(job.raw);
    const entry: EmulatedJob = {
      seq,
      raw,
      text: job.text.join(''),
      raster,
      files: { raw: `${base}.bin`, ...(raster ? { png: `${base}.png` } : {}) },
    };
    this.jobs.push(entry);
    this.#saving = this.#saving.then(async () => {
      await writeFile(entry.files.raw, raw);
      if (raster && entry.files.png) await writeFile(entry.files.png, rasterToPng(raster));
      this.#opts.logger?.info({ seq, bytes: raw.length, png: entry.files.png }, 'job printed');
    });
    for (const w of this.#waiters.splice(0)) w();
  }

  /** DLE EOT replies per the ESC/POS spec: bits 1 and 4 always on. */
  #statusByte(n: number): number {
    const out = this.#condition === 'paper-out';
    const cover = this.#condition === 'cover-open';
    switch (n) {
      case 1:
        return 0x12 | (out || cover ? 0x08 : 0);
      case 2:
        return 0x12 | (cover ? 0x04 : 0) | (out ? 0x20 : 0);
      case 3:
        return 0x12;
      case 4:
        return 0x12 | (out || this.#paperNearEnd ? 0x0c : 0) | (out ? 0x60 : 0);
      default:
        return 0x12;
    }
  }
}

function empty() {
  return {
    raw: [] as Uint8Array[],
    text: [] as string[],
    bands: [] as Extract<Command, { type: 'raster' }>[],
  };
}

function hasContent(job: ReturnType<typeof empty>): boolean {
  return job.bands.length > 0 || job.text.some((t) => t.trim().length > 0);
}
