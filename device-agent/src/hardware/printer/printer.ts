import { newId, type PrinterState } from '@bashgah/protocol';
import type { Logger } from 'pino';
import * as esc from './escpos.js';
import type { Receipt } from './receipt.js';
import type { RenderedJob } from './render.js';
import { describeStatus, isStatusByte, type PrinterStatus, parseStatus, UNREACHABLE } from './status.js';
import { type PrinterTransport, TransportTimeout } from './transports/transport.js';

/** Events the printer puts on the agent's bus; add this map to the bus's own. */
export type PrinterEvents = {
  /** Emitted when the state or the low-paper flag changes, not on every poll. */
  'printer.state': { state: PrinterState; paperLow: boolean; detail: string };
  'printer.job': { job: PrintJobInfo };
};

/** Anything with the bus's emit; the agent's wider EventBus satisfies it. */
export interface PrinterEventSink {
  emit<K extends keyof PrinterEvents>(event: K, payload: PrinterEvents[K]): void;
}

export type JobStatus = 'queued' | 'done' | 'failed';

/** A print job as reported and persisted: the receipt itself, so a reprint renders it afresh. */
export interface PrintJobInfo {
  id: string;
  template: string;
  receipt: Receipt;
  status: JobStatus;
  attempts: number;
  createdAt: string;
  printedAt?: string;
  error?: string;
}

export type PrinterErrorCode = 'paper-out' | 'cover-open' | 'offline' | 'not-confirmed' | 'unreachable';

export class PrintError extends Error {
  constructor(
    readonly code: PrinterErrorCode,
    readonly jobId: string,
    message: string,
  ) {
    super(message);
    this.name = 'PrintError';
  }
}

export interface PrinterOptions {
  transport: PrinterTransport;
  render: (receipt: Receipt) => RenderedJob;
  bus: PrinterEventSink;
  logger: Logger;
  /** Per DLE EOT reply; printers answer in milliseconds, so a second means it is gone. */
  statusTimeoutMs?: number;
  /**
   * `process-id` (GS ( H) waits until the printer has processed the whole job; `status` only
   * checks DLE EOT after sending, for printers without GS ( H. Both fail a job on paper-out.
   */
  confirm?: 'process-id' | 'status';
  /** How long the printer gets to confirm a job: a base, plus time per kilobyte to print it. */
  confirmBaseMs?: number;
  confirmMsPerKb?: number;
  now?: () => Date;
}

/**
 * One printer: prints jobs one at a time, reports a job done only when the printer confirms it,
 * keeps every failed job for reprint, and reports state changes on the bus.
 */
export class Printer {
  readonly #t: PrinterTransport;
  readonly #render: (receipt: Receipt) => RenderedJob;
  readonly #bus: PrinterEventSink;
  readonly #log: Logger;
  readonly #statusTimeoutMs: number;
  readonly #confirm: 'process-id' | 'status';
  readonly #confirmBaseMs: number;
  readonly #confirmMsPerKb: number;
  readonly #now: () => Date;
  readonly #failed = new Map<string, PrintJobInfo>();
  #queue: Promise<unknown> = Promise.resolve();
  #last: { state: PrinterState; paperLow: boolean } | undefined;
  #seq = 0;
  #poll: NodeJS.Timeout | undefined;

  constructor(opts: PrinterOptions) {
    this.#t = opts.transport;
    this.#render = opts.render;
    this.#bus = opts.bus;
    this.#log = opts.logger.child({ component: 'printer', transport: opts.transport.name });
    this.#statusTimeoutMs = opts.statusTimeoutMs ?? 1000;
    this.#confirm = opts.confirm ?? 'process-id';
    this.#confirmBaseMs = opts.confirmBaseMs ?? 3000;
    this.#confirmMsPerKb = opts.confirmMsPerKb ?? 50;
    this.#now = opts.now ?? (() => new Date());
  }

  /** Prints and resolves once confirmed; on failure rejects with PrintError and keeps the job. */
  print(receipt: Receipt): Promise<PrintJobInfo> {
    const job: PrintJobInfo = {
      id: newId(),
      template: receipt.template,
      receipt,
      status: 'queued',
      attempts: 0,
      createdAt: this.#now().toISOString(),
    };
    return this.#serial(() => this.#run(job));
  }

  /** Prints a kept job again (after paper is loaded, say); it leaves the failed list on success. */
  reprint(id: string): Promise<PrintJobInfo> {
    const job = this.#failed.get(id);
    if (!job)
      return Promise.reject(new Error(`no failed print job ${id}; it may have been reprinted already`));
    return this.#serial(() => this.#run(job));
  }

  /** Puts back jobs the caller persisted before a restart, so they can still be reprinted. */
  restoreFailed(jobs: PrintJobInfo[]): void {
    for (const job of jobs) this.#failed.set(job.id, { ...job, status: 'failed' });
  }

  failedJobs(): PrintJobInfo[] {
    return [...this.#failed.values()];
  }

  /** Asks the printer (DLE EOT 1..4) and reports a change on the bus. */
  status(): Promise<PrinterStatus> {
    return this.#serial(() => this.#queryStatus());
  }

  startPolling(intervalMs = 5000): void {
    this.stopPolling();
    this.#poll = setInterval(() => {
      this.status().catch((error) => this.#log.warn({ err: error }, 'printer status poll failed'));
    }, intervalMs);
    this.#poll.unref();
  }

  stopPolling(): void {
    if (this.#poll) clearInterval(this.#poll);
    this.#poll = undefined;
  }

  async close(): Promise<void> {
    this.stopPolling();
    await this.#serial(() => this.#t.close());
  }

  #serial<T>(task: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(task, task);
    this.#queue = next.catch(() => {});
    return next;
  }

  async #run(job: PrintJobInfo): Promise<PrintJobInfo> {
    job.attempts += 1;
    const log = this.#log.child({ jobId: job.id, template: job.template, attempt: job.attempts });
    try {
      const status = await this.#queryStatus();
      if (status.state !== 'ready') {
        throw new PrintError(
          codeFor(status),
          job.id,
          `job ${job.id} not sent: ${describeStatus(status)}; it is kept for reprint`,
        );
      }
      const started = performance.now();
      const rendered = this.#render(job.receipt);
      await this.#t.write(rendered.bytes);
      await this.#awaitConfirmation(job, rendered.bytes.length);
      job.status = 'done';
      job.printedAt = this.#now().toISOString();
      delete job.error;
      this.#failed.delete(job.id);
      log.info(
        { mode: rendered.mode, bytes: rendered.bytes.length, ms: Math.round(performance.now() - started) },
        'receipt printed',
      );
      this.#bus.emit('printer.job', { job: { ...job } });
      return job;
    } catch (error) {
      const printError =
        error instanceof PrintError
          ? error
          : new PrintError(
              'unreachable',
              job.id,
              `job ${job.id} failed: ${(error as Error).message}; it is kept for reprint`,
            );
      job.status = 'failed';
      job.error = printError.message;
      this.#failed.set(job.id, job);
      log.warn({ code: printError.code, err: printError }, 'print job failed');
      this.#bus.emit('printer.job', { job: { ...job } });
      throw printError;
    }
  }

  async #awaitConfirmation(job: PrintJobInfo, bytes: number): Promise<void> {
    const timeoutMs = this.#confirmBaseMs + Math.ceil((bytes / 1024) * this.#confirmMsPerKb);
    if (this.#confirm === 'status') {
      const status = await this.#queryStatus();
      if (status.state !== 'ready') await this.#abandon(job, status);
      return;
    }
    const pid = (this.#seq++ % 10_000).toString().padStart(4, '0');
    await this.#t.discardInput();
    await this.#t.write(esc.processIdRequest(pid));
    try {
      const reply = await this.#t.read(7, timeoutMs);
      const expected = [0x37, 0x22, ...Buffer.from(pid, 'latin1'), 0x00];
      if (!expected.every((b, i) => reply[i] === b)) {
        throw new Error(`printer answered ${Buffer.from(reply).toString('hex')} to process id ${pid}`);
      }
    } catch (error) {
      if (!(error instanceof TransportTimeout)) throw error;
      // Silence means the printer stopped mid-job: the status says why.
      await this.#abandon(job, await this.#queryStatus(), timeoutMs);
    }
  }

  /** Drops what the printer still holds, so the job cannot finish on its own later and print
   * twice once its reprint comes, then fails the job with the printer's reason. */
  async #abandon(job: PrintJobInfo, status: PrinterStatus, waitedMs?: number): Promise<never> {
    await this.#t.write(esc.clearBuffer()).catch(() => {});
    const why =
      status.state === 'ready'
        ? `the printer did not confirm it within ${waitedMs} ms (does it support GS ( H? try confirm: 'status')`
        : describeStatus(status);
    const code = status.state === 'ready' ? 'not-confirmed' : codeFor(status);
    throw new PrintError(code, job.id, `job ${job.id} did not print: ${why}; it is kept for reprint`);
  }

  async #queryStatus(): Promise<PrinterStatus> {
    let status: PrinterStatus;
    try {
      await this.#t.open();
      await this.#t.discardInput();
      const replies: number[] = [];
      for (const n of [1, 2, 3, 4] as const) {
        await this.#t.write(esc.statusRequest(n));
        replies.push(await this.#readStatusByte());
      }
      status = parseStatus({
        printer: replies[0]!,
        offlineCause: replies[1]!,
        errorCause: replies[2]!,
        paperSensor: replies[3]!,
      });
    } catch (error) {
      this.#log.debug({ err: error }, 'printer status query failed');
      // Next time open() reconnects from scratch rather than reusing a half-dead link.
      await this.#t.close().catch(() => {});
      status = UNREACHABLE;
    }
    this.#report(status);
    return status;
  }

  /**
   * A GS ( H reply to a job abandoned a moment ago can still arrive ahead of the status byte;
   * it is skipped whole rather than misread, since its id digits can look like status bytes.
   */
  async #readStatusByte(): Promise<number> {
    const deadline = Date.now() + this.#statusTimeoutMs;
    for (;;) {
      const left = Math.max(1, deadline - Date.now());
      const [b] = await this.#t.read(1, left);
      if (b === 0x37) await this.#t.read(6, left);
      else if (isStatusByte(b!)) return b!;
      if (Date.now() >= deadline) throw new TransportTimeout('printer status', this.#statusTimeoutMs);
    }
  }

  #report(status: PrinterStatus): void {
    const now = { state: status.state, paperLow: status.paperNearEnd };
    if (this.#last && this.#last.state === now.state && this.#last.paperLow === now.paperLow) return;
    this.#last = now;
    const detail = describeStatus(status);
    this.#log.info({ state: now.state, paperLow: now.paperLow }, detail);
    this.#bus.emit('printer.state', { ...now, detail });
  }
}

function codeFor(status: PrinterStatus): PrinterErrorCode {
  return status.state === 'paper-out' || status.state === 'cover-open' ? status.state : 'offline';
}
