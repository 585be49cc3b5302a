import { createConnection, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { InputQueue, type PrinterTransport } from './transport.js';

export interface TcpTransportOptions {
  host: string;
  /** 9100 on every network printer we know of (HP JetDirect / "raw" port). */
  port?: number;
  connectTimeoutMs?: number;
  logger: Logger;
}

/** Raw TCP 9100. Reconnects on the next open() after the printer or network drops the socket. */
export class TcpTransport implements PrinterTransport {
  readonly name: string;
  readonly #opts: Required<Omit<TcpTransportOptions, 'logger'>>;
  readonly #log: Logger;
  readonly #input = new InputQueue();
  #socket: Socket | undefined;

  constructor(opts: TcpTransportOptions) {
    this.#opts = { port: 9100, connectTimeoutMs: 3000, ...opts };
    this.#log = opts.logger;
    this.name = `tcp ${this.#opts.host}:${this.#opts.port}`;
  }

  async open(): Promise<void> {
    if (this.#socket && !this.#socket.destroyed) return;
    const { host, port, connectTimeoutMs } = this.#opts;
    this.#input.clear();
    this.#socket = await new Promise<Socket>((resolve, reject) => {
      const socket = createConnection({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`${this.name}: connect timed out after ${connectTimeoutMs} ms; is the printer on?`));
      }, connectTimeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(socket);
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(
          new Error(`${this.name}: ${error.message}; check the printer's IP and that port ${port} is open`),
        );
      });
    });
    const socket = this.#socket;
    socket.setNoDelay(true);
    socket.on('data', (data) => this.#input.push(data));
    // A listener must exist or a reset would crash the agent; the queue turns it into a read error.
    socket.on('error', (error) => {
      this.#log.warn({ err: error, transport: this.name }, 'printer connection failed');
      this.#input.fail(new Error(`${this.name}: ${error.message}`));
    });
    socket.on('close', () => this.#input.fail(new Error(`${this.name}: connection closed by the printer`)));
  }

  async write(data: Uint8Array): Promise<void> {
    const socket = this.#socket;
    if (!socket || socket.destroyed) throw new Error(`${this.name}: not connected; call open() first`);
    await new Promise<void>((resolve, reject) =>
      socket.write(data, (error) =>
        error ? reject(new Error(`${this.name}: ${error.message}`)) : resolve(),
      ),
    );
  }

  read(length: number, timeoutMs: number): Promise<Uint8Array> {
    return this.#input.take(length, timeoutMs, `${this.name} read`);
  }

  async discardInput(): Promise<void> {
    this.#input.clear();
  }

  async close(): Promise<void> {
    const socket = this.#socket;
    this.#socket = undefined;
    if (!socket || socket.destroyed) return;
    await new Promise<void>((resolve) => socket.end(resolve));
    socket.destroy();
  }
}
