import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { type PrinterTransport, TransportTimeout } from './transport.js';

/** The handles the transport reads and writes. On a real printer both are the one device node. */
export interface DeviceFiles {
  writer: FileHandle;
  reader: FileHandle;
  close(): Promise<void>;
}

export interface UsblpTransportOptions {
  /** e.g. /dev/usb/lp0, or the udev symlink firmware-config creates. */
  path: string;
  /**
   * Opens the files. The default opens `path` once, read-write and non-blocking (usblp allows one
   * opener only). Tests pass two FIFOs here, because a FIFO cannot talk back the way usblp does.
   */
  openFiles?: (path: string) => Promise<DeviceFiles>;
  pollMs?: number;
}

async function openDeviceNode(path: string): Promise<DeviceFiles> {
  const fh = await open(path, constants.O_RDWR | constants.O_NONBLOCK);
  return { writer: fh, reader: fh, close: () => fh.close() };
}

/**
 * The kernel's usblp driver (/dev/usb/lpN). Reads are non-blocking and polled: a blocking read
 * would hold one of libuv's four threads until the printer spoke, and a printer that never
 * answers would starve file and DNS work across the agent.
 */
export class UsblpTransport implements PrinterTransport {
  readonly name: string;
  readonly #path: string;
  readonly #openFiles: (path: string) => Promise<DeviceFiles>;
  readonly #pollMs: number;
  #files: DeviceFiles | undefined;

  constructor(opts: UsblpTransportOptions) {
    this.#path = opts.path;
    this.#openFiles = opts.openFiles ?? openDeviceNode;
    this.#pollMs = opts.pollMs ?? 10;
    this.name = `usblp ${opts.path}`;
  }

  async open(): Promise<void> {
    if (this.#files) return;
    try {
      this.#files = await this.#openFiles(this.#path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const hint =
        code === 'ENOENT'
          ? 'is the printer plugged in and the usblp module loaded?'
          : code === 'EACCES'
            ? 'add the agent user to the lp group'
            : code === 'EBUSY'
              ? 'another process (CUPS?) holds the printer'
              : 'check the printer';
      throw new Error(`${this.name}: cannot open (${code ?? String(error)}); ${hint}`);
    }
  }

  async write(data: Uint8Array): Promise<void> {
    const files = this.#need();
    let offset = 0;
    while (offset < data.length) {
      try {
        const { bytesWritten } = await files.writer.write(data, offset, data.length - offset);
        offset += bytesWritten;
      } catch (error) {
        // Non-blocking writes bounce with EAGAIN while the printer's buffer is full: wait, go on.
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw this.#fail(error);
        await sleep(this.#pollMs);
      }
    }
  }

  async read(length: number, timeoutMs: number): Promise<Uint8Array> {
    const files = this.#need();
    const out = Buffer.alloc(length);
    let got = 0;
    const deadline = Date.now() + timeoutMs;
    while (got < length) {
      const n = await this.#readSome(files, out, got);
      got += n;
      if (got >= length) break;
      if (Date.now() >= deadline) throw new TransportTimeout(`${this.name} read`, timeoutMs);
      if (n === 0) await sleep(this.#pollMs);
    }
    return Uint8Array.from(out);
  }

  async discardInput(): Promise<void> {
    const files = this.#need();
    const scratch = Buffer.alloc(64);
    while ((await this.#readSome(files, scratch, 0)) > 0) {}
  }

  async close(): Promise<void> {
    const files = this.#files;
    this.#files = undefined;
    await files?.close();
  }

  async #readSome(files: DeviceFiles, into: Buffer, at: number): Promise<number> {
    try {
      const { bytesRead } = await files.reader.read(into, at, into.length - at, null);
      return bytesRead;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') return 0;
      throw this.#fail(error);
    }
  }

  #need(): DeviceFiles {
    if (!this.#files) throw new Error(`${this.name}: not open; call open() first`);
    return this.#files;
  }

  /** Unplugging the printer invalidates the handle; drop it so the next open() starts afresh. */
  #fail(error: unknown): Error {
    const files = this.#files;
    this.#files = undefined;
    files?.close().catch(() => {});
    return new Error(`${this.name}: ${(error as Error).message}; the printer may have been unplugged`);
  }
}
