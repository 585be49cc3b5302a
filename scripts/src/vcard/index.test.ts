import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeFrame, FrameDecoder } from './frames.js';
import { VirtualCard, VirtualCardError } from './index.js';

/**
 * The card against a stand-in for vpcd's end of the socket (no pcscd needed). The real vpcd is
 * exercised by device-agent/test/pcsc-reader.test.ts.
 */
class FakeVpcd {
  readonly server = net.createServer();
  socket: net.Socket | undefined;
  readonly #frames: Buffer[] = [];
  #wake: (() => void) | undefined;
  readonly connected: Promise<net.Socket>;

  constructor() {
    this.connected = new Promise((resolve) => {
      this.server.once('connection', (socket) => {
        this.socket = socket;
        const decoder = new FrameDecoder();
        socket.on('data', (chunk) => {
          this.#frames.push(...decoder.push(chunk));
          this.#wake?.();
        });
        socket.on('error', () => {});
        resolve(socket);
      });
    });
  }

  async listen(port = 0): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    return (this.server.address() as net.AddressInfo).port;
  }

  send(payload: string) {
    this.socket!.write(encodeFrame(Buffer.from(payload, 'hex')));
  }

  async next(timeoutMs = 1_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (this.#frames.length === 0) {
      if (Date.now() > deadline) throw new Error('no frame from the card');
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        setTimeout(resolve, 20);
      });
    }
    return this.#frames.shift()!.toString('hex').toUpperCase();
  }

  async close() {
    this.socket?.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('VirtualCard', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0)) await fn();
  });

  it('answers vpcd: ATR on request, nothing on power/reset, UID to GET UID, 6D00 otherwise', async () => {
    const vpcd = new FakeVpcd();
    const port = await vpcd.listen();
    cleanup.push(() => vpcd.close());
    const card = await VirtualCard.present('04a1b2c3d4e5f6', { port });
    cleanup.push(() => card.remove());
    expect(card.uid).toBe('04A1B2C3D4E5F6');
    await vpcd.connected;

    vpcd.send('04');
    expect(await vpcd.next()).toBe('3B8F8001804F0CA0000003060300030000000068');
    vpcd.send('00');
    vpcd.send('01');
    vpcd.send('02');
    vpcd.send('FFB0000410');
    // Had the card answered a control code, that answer would come before this one.
    expect(await vpcd.next()).toBe('6D00');
    const read = card.waitUntilRead(1_000);
    vpcd.send('FFCA000000');
    expect(await vpcd.next()).toBe('04A1B2C3D4E5F69000');
    await read;
    expect(card.stats).toEqual({ atrRequests: 1, powerOns: 1, apdus: 2, uidReads: 1 });
  });

  it('leaves the field when removed, which vpcd sees as the connection closing', async () => {
    const vpcd = new FakeVpcd();
    const port = await vpcd.listen();
    cleanup.push(() => vpcd.close());
    const card = await VirtualCard.present('04A1B2C3', { port });
    const socket = await vpcd.connected;
    const closed = new Promise((resolve) => socket.once('close', resolve));
    expect(card.isPresent).toBe(true);
    await card.remove();
    expect(card.isPresent).toBe(false);
    await closed;
    await expect(card.waitUntilRead(100)).rejects.toThrow(/left the field before it was read/);
    await card.remove(); // idempotent
  });

  it('counts vpcd dropping the connection (pcscd stopped) as a removal', async () => {
    const vpcd = new FakeVpcd();
    const port = await vpcd.listen();
    cleanup.push(() => vpcd.close());
    const card = await VirtualCard.present('04A1B2C3', { port });
    const waiting = card.waitUntilRead(5_000);
    (await vpcd.connected).destroy();
    await card.removed;
    expect(card.isPresent).toBe(false);
    await expect(waiting).rejects.toThrow(/left the field/);
  });

  it('retries while vpcd is not yet listening', async () => {
    const port = await freePort();
    const vpcd = new FakeVpcd();
    cleanup.push(() => vpcd.close());
    setTimeout(() => void vpcd.listen(port), 150);
    const card = await VirtualCard.present('04A1B2C3', { port, connectAttempts: 20, retryDelayMs: 50 });
    cleanup.push(() => card.remove());
    await vpcd.connected;
  });

  it('gives up after bounded attempts with a hint about pcscd and vpcd', async () => {
    const port = await freePort();
    const started = Date.now();
    const error = await VirtualCard.present('04A1B2C3', { port, connectAttempts: 3, retryDelayMs: 20 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(VirtualCardError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `vpcd is not listening on 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED after 3 attempts\\): is pcscd running with vsmartcard-vpcd installed\\? Start it with \`pcscd\``,
      ),
    );
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('refuses a UID no card could have, before connecting', async () => {
    await expect(VirtualCard.present('04A1B2', { connectAttempts: 1 })).rejects.toThrow(
      /invalid card UID "04A1B2": card UID must be 4, 7 or 10 bytes/,
    );
  });

  it('times out a read that never comes', async () => {
    const vpcd = new FakeVpcd();
    const port = await vpcd.listen();
    cleanup.push(() => vpcd.close());
    const card = await VirtualCard.present('04A1B2C3', { port });
    cleanup.push(() => card.remove());
    await expect(card.waitUntilRead(50)).rejects.toThrow(
      /was not read within 50 ms \(vpcd asked for the ATR 0×/,
    );
    await sleep(0);
  });
});
