import { Writable } from 'node:stream';

/**
 * The agent's last N log lines in memory, for the `fetch-logs` command: pino writes to it beside
 * stdout (journald), so an operator can read a kiosk's recent log without a shell on it.
 */
export class LogRing extends Writable {
  readonly #lines: string[] = [];
  readonly #max: number;

  constructor(max = 500) {
    super();
    this.#max = max;
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line) continue;
      this.#lines.push(line.length > 400 ? `${line.slice(0, 397)}...` : line);
      if (this.#lines.length > this.#max) this.#lines.shift();
    }
    done();
  }

  recent(n: number): string[] {
    return this.#lines.slice(-n);
  }
}
