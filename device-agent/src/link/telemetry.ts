import { readFile, statfs } from 'node:fs/promises';
import { freemem, loadavg, totalmem } from 'node:os';
import { PROTOCOL_VERSION, type PrinterState, type Telemetry, topics } from '@bashgah/protocol';
import type { Logger } from 'pino';
import type { AgentBus } from '../agent-events.js';
import type { CardReader } from '../hardware/reader/card-reader.js';
import type { Outbox } from '../store/outbox.js';
import type { Link } from './mqtt-link.js';

export interface TelemetryOptions {
  deviceId: string;
  agentVersion: string;
  link: Link;
  bus: AgentBus;
  outbox: Outbox;
  reader: () => CardReader;
  logger: Logger;
  /** The disk whose free space is reported (the agent's data dir). */
  dataDir?: string;
  intervalMs?: number;
  /** Whether an operator has put the kiosk out of service. */
  maintenance?: () => Promise<boolean>;
  /** The printer's state; 'none' when the agent has no printer. */
  printer?: () => PrinterState;
}

/**
 * Periodic health report for the operator console. Skipped while offline rather than queued:
 * a stale reading delivered late would mislead, which is also why it is not retained.
 */
export class TelemetryPublisher {
  readonly #o: TelemetryOptions;
  readonly #log: Logger;
  readonly #startedAt = Date.now();
  readonly #offTap: () => void;
  #lastTapAt: string | null = null;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: TelemetryOptions) {
    this.#o = options;
    this.#log = options.logger.child({ module: 'telemetry' });
    this.#offTap = options.bus.on('tap', (tap) => {
      this.#lastTapAt = tap.at.toISOString();
    });
  }

  start(): void {
    this.#timer = setInterval(() => void this.publishNow(), this.#o.intervalMs ?? 15_000);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#offTap();
  }

  async snapshot(): Promise<Telemetry> {
    return {
      v: 1,
      at: new Date().toISOString(),
      uptimeSec: (Date.now() - this.#startedAt) / 1000,
      agentVersion: this.#o.agentVersion,
      reader: this.#o.reader().state(),
      printer: this.#o.printer?.() ?? 'none',
      outboxDepth: await this.#o.outbox.depth(),
      oldestOutboxAgeSec: await this.#o.outbox.oldestAgeSec(),
      lastTapAt: this.#lastTapAt,
      memoryRssBytes: process.memoryUsage.rss(),
      load1: Math.max(0, loadavg()[0] ?? 0),
      ...(await hostHealth(this.#o.dataDir)),
      protocolVersion: PROTOCOL_VERSION,
      ...(this.#o.maintenance ? { maintenance: await this.#o.maintenance() } : {}),
    };
  }

  async publishNow(): Promise<void> {
    if (!this.#o.link.online()) return;
    try {
      await this.#o.link.publish(topics.telemetry(this.#o.deviceId), await this.snapshot(), { qos: 0 });
    } catch (error) {
      this.#log.debug({ err: error }, 'telemetry not sent');
    }
  }
}

/** CPU temperature (Raspberry Pi and most Linux boards expose thermal_zone0), memory and disk. */
export async function hostHealth(dataDir = '.'): Promise<Partial<Telemetry>> {
  const out: Partial<Telemetry> = { memTotalBytes: totalmem(), memFreeBytes: freemem() };
  const milli = Number(
    (await readFile('/sys/class/thermal/thermal_zone0/temp', 'utf8').catch(() => '')).trim() || Number.NaN,
  );
  out.cpuTempC = Number.isFinite(milli) ? Math.round(milli / 100) / 10 : null;
  try {
    const fs = await statfs(dataDir);
    out.diskTotalBytes = fs.blocks * fs.bsize;
    out.diskFreeBytes = fs.bavail * fs.bsize;
  } catch {
    // No statfs on this platform or path: leave disk out.
  }
  return out;
}
