import { describe, expect, it } from 'vitest';
import { LibusbTransport, type UsbDeviceLike, type UsbInterfaceLike } from './libusb.js';
import { TransportTimeout } from './transport.js';

/**
 * A fake libusb device with a HID interface first and the printer interface second, bound to
 * the kernel's usblp as a real one is after plug-in. It records every bulk transfer.
 */
function fakePrinter(opts: { replies?: number[]; withIn?: boolean } = {}) {
  const log: string[] = [];
  const outTransfers: Buffer[] = [];
  const replies = [...(opts.replies ?? [])];
  const endpoint = (direction: 'in' | 'out', address: number, transferType = 2) => ({
    direction,
    transferType,
    timeout: 0,
    descriptor: { bEndpointAddress: address, wMaxPacketSize: 64 },
    transfer(arg: Buffer | number, cb: (e: Error | undefined, x?: never) => void) {
      if (direction === 'out') {
        outTransfers.push(Buffer.from(arg as Buffer));
        setImmediate(() => cb(undefined, (arg as Buffer).length as never));
      } else if (replies.length > 0) {
        const data = Buffer.from(replies.splice(0, arg as number));
        setImmediate(() => cb(undefined, data as never));
      } else {
        const e = Object.assign(new Error('LIBUSB_TRANSFER_TIMED_OUT'), { errno: -7 });
        setTimeout(() => cb(e), Math.min(20, this.timeout));
      }
    },
  });
  const iface = (cls: number, n: number, endpoints: ReturnType<typeof endpoint>[]): UsbInterfaceLike => {
    let kernel = true;
    return {
      descriptor: { bInterfaceClass: cls, bInterfaceNumber: n },
      endpoints,
      isKernelDriverActive: () => kernel,
      detachKernelDriver: () => {
        kernel = false;
        log.push(`detach ${n}`);
      },
      claim: () => log.push(`claim ${n}`),
      release: (_close, cb) => {
        log.push(`release ${n}`);
        cb();
      },
    };
  };
  const printerEndpoints = [endpoint('out', 0x01), ...(opts.withIn === false ? [] : [endpoint('in', 0x82)])];
  const device: UsbDeviceLike = {
    deviceDescriptor: { idVendor: 0x0416, idProduct: 0x5011 },
    interfaces: [iface(3, 0, [endpoint('in', 0x83, 3)]), iface(7, 1, printerEndpoints)],
    open: () => log.push('open'),
    close: () => log.push('close'),
  };
  return { device, log, outTransfers };
}

describe('LibusbTransport', () => {
  it('claims the printer-class interface and writes in bulk OUT chunks', async () => {
    const fake = fakePrinter();
    const t = new LibusbTransport({ findDevice: async () => fake.device });
    await t.open();
    expect(fake.log).toEqual(['open', 'detach 1', 'claim 1']);
    const job = new Uint8Array(10_000).map((_, i) => i & 0xff);
    await t.write(job);
    expect(fake.outTransfers.map((b) => b.length)).toEqual([4096, 4096, 1808]);
    expect(Buffer.concat(fake.outTransfers).equals(Buffer.from(job))).toBe(true);
    await t.close();
    expect(fake.log.slice(-2)).toEqual(['release 1', 'close']);
  });

  it('reads status replies from bulk IN and times out cleanly on silence', async () => {
    const fake = fakePrinter({ replies: [0x12, 0x16] });
    const t = new LibusbTransport({ findDevice: async () => fake.device });
    await t.open();
    expect([...(await t.read(2, 500))]).toEqual([0x12, 0x16]);
    await expect(t.read(1, 60)).rejects.toBeInstanceOf(TransportTimeout);
    await t.close();
  });

  it('says what is wrong when there is no printer or no printer interface', async () => {
    await expect(new LibusbTransport({ findDevice: async () => undefined }).open()).rejects.toThrow(
      /no USB printer found/,
    );
    const fake = fakePrinter();
    fake.device.interfaces = fake.device.interfaces!.slice(0, 1);
    await expect(new LibusbTransport({ findDevice: async () => fake.device }).open()).rejects.toThrow(
      /0416:5011 has no printer-class interface/,
    );
  });
});
