/**
 * How bytes reach a printer and its replies come back. The printer service speaks only this, so
 * the USB-class device file, libusb and TCP 9100 are interchangeable, and each is tested below it.
 */
export interface PrinterTransport {
  /** For logs and the test page, e.g. "tcp 127.0.0.1:9100". */
  readonly name: string;
  /** Connects if not connected; cheap when already open. */
  open(): Promise<void>;
  write(data: Uint8Array): Promise<void>;
  /** Resolves with exactly `length` bytes, or rejects with TransportTimeout. */
  read(length: number, timeoutMs: number): Promise<Uint8Array>;
  /** Throws away unread replies so the next read answers the next request, not a stale one. */
  discardInput(): Promise<void>;
  close(): Promise<void>;
}

export class TransportTimeout extends Error {
  constructor(what: string, timeoutMs: number) {
    super(`${what}: no reply within ${timeoutMs} ms`);
    this.name = 'TransportTimeout';
  }
}

/** Received bytes waiting for a reader; used by the transports whose input arrives as events. */
export class InputQueue {
  #chunks: Buffer = Buffer.alloc(0);
  #waiter: (() => void) | undefined;
  #error: Error | undefined;

  push(data: Uint8Array): void {
    this.#chunks = Buffer.concat([this.#chunks, data]);
    this.#waiter?.();
  }

  fail(error: Error): void {
    this.#error = error;
    this.#waiter?.();
  }

  clear(): void {
    this.#chunks = Buffer.alloc(0);
    this.#error = undefined;
  }

  async take(length: number, timeoutMs: number, what: string): Promise<Uint8Array> {
    const deadline = Date.now() + timeoutMs;
    while (this.#chunks.length < length) {
      if (this.#error) throw this.#error;
      const left = deadline - Date.now();
      if (left <= 0) throw new TransportTimeout(what, timeoutMs);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#waiter = undefined;
    }
    const out = this.#chunks.subarray(0, length);
    this.#chunks = this.#chunks.subarray(length);
    return Uint8Array.from(out);
  }
}
