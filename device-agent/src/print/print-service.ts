import type { KioskPrinter, PrinterState } from '@bashgah/protocol';
import type { Logger } from 'pino';
import type { AgentBus } from '../agent-events.js';
import type { PrinterConfig } from '../config.js';
import {
  findUsbPrinter,
  type Lang,
  LibusbTransport,
  Printer,
  type PrinterTransport,
  type PrintJobInfo,
  type Receipt,
  renderReceipt,
  TcpTransport,
  testPageReceipt,
  UsblpTransport,
  type VoucherData,
  vazirmatnFonts,
  voucherReceipt,
  type WelcomeData,
  welcomeReceipt,
} from '../hardware/printer/index.js';
import type { PrintJobStore } from './job-store.js';

export interface PrintServiceOptions {
  deviceId: string;
  config: PrinterConfig;
  paperMm: 58 | 80;
  storeName: string;
  timeZone: string;
  bus: AgentBus;
  jobs: PrintJobStore;
  logger: Logger;
  /** A transport to use instead of the one `config` names (tests). */
  transport?: PrinterTransport;
  pollMs?: number;
}

export type PrintOutcome = 'printed' | 'failed' | 'no-printer';

/** Picks the transport PRINTER names; undefined for `none`. */
export function transportFor(config: PrinterConfig, logger: Logger): PrinterTransport | undefined {
  switch (config.kind) {
    case 'none':
      return undefined;
    case 'tcp':
      return new TcpTransport({ host: config.host, port: config.port, logger });
    case 'usblp':
      return new UsblpTransport({ path: config.path });
    case 'usb':
      return new LibusbTransport({
        findDevice: findUsbPrinter({ vendorId: config.vendorId, productId: config.productId }),
      });
  }
}

/**
 * The agent's printer: the Printer job queue on the configured transport, with failed jobs kept in
 * SQLite so a reprint survives a restart, the state on the agent's bus, and the templates filled in
 * with the store's name and time zone. Without a printer every print answers `no-printer`.
 */
export class PrintService {
  readonly #o: PrintServiceOptions;
  readonly #printer: Printer | undefined;
  readonly #log: Logger;
  readonly #offs: Array<() => void> = [];
  #state: { state: PrinterState; paperLow: boolean } = { state: 'none', paperLow: false };
  #lastVoucher: { data: VoucherData; lang: Lang } | undefined;

  private constructor(options: PrintServiceOptions, printer: Printer | undefined) {
    this.#o = options;
    this.#printer = printer;
    this.#log = options.logger.child({ module: 'print' });
  }

  static async start(options: PrintServiceOptions): Promise<PrintService> {
    const transport = options.transport ?? transportFor(options.config, options.logger);
    const fonts = vazirmatnFonts();
    const printer = transport
      ? new Printer({
          transport,
          render: (r) => renderReceipt(r, { paper: options.paperMm, fonts }),
          bus: options.bus,
          logger: options.logger,
        })
      : undefined;
    const service = new PrintService(options, printer);
    if (printer) {
      service.#state = { state: 'offline', paperLow: false };
      service.#offs.push(
        options.bus.on('printer.state', (s) => {
          service.#state = { state: s.state, paperLow: s.paperLow };
          options.bus.emit('kiosk.changed', undefined);
        }),
        options.bus.on('printer.job', async ({ job }) => {
          try {
            if (job.status === 'failed') await options.jobs.save(job);
            else if (job.status === 'done') await options.jobs.remove(job.id);
          } catch (error) {
            service.#log.error({ err: error, jobId: job.id }, 'could not persist print job');
          }
          options.bus.emit('kiosk.changed', undefined);
        }),
      );
      printer.restoreFailed(await options.jobs.failed());
      // The first answer sets the state at once rather than after the first poll interval.
      void printer.status().catch(() => {});
      printer.startPolling(options.pollMs ?? 5000);
    }
    return service;
  }

  configured(): boolean {
    return this.#printer !== undefined;
  }

  state(): KioskPrinter {
    return { ...this.#state, failedJobs: this.#printer?.failedJobs().length ?? 0 };
  }

  failedJobs(): PrintJobInfo[] {
    return this.#printer?.failedJobs() ?? [];
  }

  #ctx(lang: Lang) {
    return { lang, storeName: this.#o.storeName, timeZone: this.#o.timeZone, now: new Date() };
  }

  async #print(receipt: Receipt): Promise<PrintOutcome> {
    if (!this.#printer) return 'no-printer';
    try {
      await this.#printer.print(receipt);
      return 'printed';
    } catch (error) {
      this.#log.warn({ err: error, template: receipt.template }, 'print failed; job kept for reprint');
      return 'failed';
    }
  }

  printVoucher(data: VoucherData, lang: Lang): Promise<PrintOutcome> {
    this.#lastVoucher = { data, lang };
    return this.#print(voucherReceipt(data, this.#ctx(lang)));
  }

  /** Staff's "reprint last voucher"; undefined when none was printed since the agent started. */
  async reprintLastVoucher(): Promise<PrintOutcome | undefined> {
    const last = this.#lastVoucher;
    return last ? this.#print(voucherReceipt(last.data, this.#ctx(last.lang))) : undefined;
  }

  printWelcome(data: WelcomeData, lang: Lang): Promise<PrintOutcome> {
    return this.#print(welcomeReceipt(data, this.#ctx(lang)));
  }

  async printTestPage(): Promise<PrintOutcome> {
    const receipt = testPageReceipt(
      {
        deviceId: this.#o.deviceId,
        transport: this.#o.config.kind,
        paperWidthMm: this.#o.paperMm,
        state: this.#state.state,
      },
      { storeName: this.#o.storeName, timeZone: this.#o.timeZone, now: new Date() },
    );
    return this.#print(receipt);
  }

  /** Prints every kept failed job again (after paper is loaded); returns how many printed. */
  async reprintFailed(): Promise<number> {
    if (!this.#printer) return 0;
    let printed = 0;
    for (const job of this.#printer.failedJobs()) {
      try {
        await this.#printer.reprint(job.id);
        printed++;
      } catch {
        break;
      }
    }
    return printed;
  }

  async stop(): Promise<void> {
    for (const off of this.#offs.splice(0)) off();
    await this.#printer?.close();
  }
}
