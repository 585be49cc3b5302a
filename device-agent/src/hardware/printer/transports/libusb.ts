import { type PrinterTransport, TransportTimeout } from './transport.js';

/**
 * The slice of the `usb` package's (libusb) Device that this transport uses. Typed structurally
 * so tests can hand in a fake device that records bulk transfers, below the same transport code.
 */
export interface UsbEndpointLike {
  direction: 'in' | 'out';
  transferType: number;
  timeout: number;
  descriptor: { bEndpointAddress: number; wMaxPacketSize: number };
}
export interface UsbInEndpointLike extends UsbEndpointLike {
  transfer(length: number, cb: (error: Error | undefined, data?: Buffer) => void): unknown;
}
export interface UsbOutEndpointLike extends UsbEndpointLike {
  transfer(data: Buffer, cb: (error: Error | undefined, actual: number) => void): unknown;
}
export interface UsbInterfaceLike {
  descriptor: { bInterfaceClass: number; bInterfaceNumber: number };
  endpoints: UsbEndpointLike[];
  isKernelDriverActive(): boolean;
  detachKernelDriver(): void;
  claim(): void;
  release(closeEndpoints: boolean, cb: (error?: Error) => void): void;
}
export interface UsbDeviceLike {
  deviceDescriptor: { idVendor: number; idProduct: number };
  interfaces?: UsbInterfaceLike[] | undefined;
  open(): void;
  close(): void;
}

export const USB_CLASS_PRINTER = 7;
const TRANSFER_TYPE_BULK = 2;
/** Bulk OUT chunk: big enough to keep the bus busy, small enough that a timeout means a stall. */
const OUT_CHUNK = 4096;
const WRITE_TIMEOUT_MS = 10_000;

export interface LibusbTransportOptions {
  /** Finds the printer each time the transport opens, so a replugged printer is picked up. */
  findDevice: () => Promise<UsbDeviceLike | undefined>;
}

/**
 * A USB printer through libusb, for printers that are not bound to usblp (or when the kernel
 * module is missing). Takes the printer-class interface from the kernel driver and talks to its
 * bulk endpoints directly.
 */
export class LibusbTransport implements PrinterTransport {
  readonly name = 'libusb';
  readonly #findDevice: () => Promise<UsbDeviceLike | undefined>;
  #open:
    | { device: UsbDeviceLike; iface: UsbInterfaceLike; out: UsbOutEndpointLike; in?: UsbInEndpointLike }
    | undefined;

  constructor(opts: LibusbTransportOptions) {
    this.#findDevice = opts.findDevice;
  }

  async open(): Promise<void> {
    if (this.#open) return;
    const device = await this.#findDevice();
    if (!device)
      throw new Error('libusb: no USB printer found; check the cable and the vendor/product id in config');
    device.open();
    const iface = device.interfaces?.find((i) => i.descriptor.bInterfaceClass === USB_CLASS_PRINTER);
    if (!iface) {
      device.close();
      const { idVendor, idProduct } = device.deviceDescriptor;
      throw new Error(`libusb: device ${hex(idVendor)}:${hex(idProduct)} has no printer-class interface`);
    }
    // usblp binds printer interfaces at plug-in; libusb cannot claim until it lets go.
    if (iface.isKernelDriverActive()) iface.detachKernelDriver();
    iface.claim();
    const bulk = (d: 'in' | 'out') =>
      iface.endpoints.find((e) => e.direction === d && e.transferType === TRANSFER_TYPE_BULK);
    const out = bulk('out') as UsbOutEndpointLike | undefined;
    if (!out) {
      device.close();
      throw new Error('libusb: printer interface has no bulk OUT endpoint; is this really a printer?');
    }
    // Unidirectional printers have no IN endpoint: they print but cannot report status.
    this.#open = { device, iface, out, in: bulk('in') as UsbInEndpointLike | undefined };
  }

  async write(data: Uint8Array): Promise<void> {
    const { out } = this.#need();
    out.timeout = WRITE_TIMEOUT_MS;
    for (let at = 0; at < data.length; at += OUT_CHUNK) {
      const chunk = Buffer.from(data.subarray(at, at + OUT_CHUNK));
      await new Promise<void>((resolve, reject) =>
        out.transfer(chunk, (error) => (error ? reject(this.#fail('bulk OUT', error)) : resolve())),
      );
    }
  }

  async read(length: number, timeoutMs: number): Promise<Uint8Array> {
    const endpoint = this.#need().in;
    if (!endpoint) throw new TransportTimeout('libusb read (printer has no IN endpoint)', 0);
    const parts: Buffer[] = [];
    let got = 0;
    const deadline = Date.now() + timeoutMs;
    while (got < length) {
      const left = deadline - Date.now();
      if (left <= 0) throw new TransportTimeout('libusb read', timeoutMs);
      endpoint.timeout = left;
      const data = await new Promise<Buffer>((resolve, reject) =>
        endpoint.transfer(endpoint.descriptor.wMaxPacketSize, (error, d) => {
          if (error && isTimeout(error)) resolve(Buffer.alloc(0));
          else if (error) reject(this.#fail('bulk IN', error));
          else resolve(d ?? Buffer.alloc(0));
        }),
      );
      parts.push(data);
      got += data.length;
    }
    // Extra bytes past `length` belong to nothing we asked for: drop them.
    return Uint8Array.from(Buffer.concat(parts).subarray(0, length));
  }

  async discardInput(): Promise<void> {
    const endpoint = this.#need().in;
    if (!endpoint) return;
    endpoint.timeout = 5;
    for (;;) {
      const n = await new Promise<number>((resolve) =>
        endpoint.transfer(endpoint.descriptor.wMaxPacketSize, (error, d) =>
          resolve(error ? 0 : (d?.length ?? 0)),
        ),
      );
      if (n === 0) return;
    }
  }

  async close(): Promise<void> {
    const open = this.#open;
    this.#open = undefined;
    if (!open) return;
    await new Promise<void>((resolve) => open.iface.release(true, () => resolve()));
    open.device.close();
  }

  #need() {
    if (!this.#open) throw new Error('libusb: not open; call open() first');
    return this.#open;
  }

  #fail(what: string, error: Error): Error {
    const open = this.#open;
    this.#open = undefined;
    try {
      open?.device.close();
    } catch {}
    return new Error(`libusb ${what} failed: ${error.message}; the printer may have been unplugged`);
  }
}

function isTimeout(error: Error): boolean {
  return (error as { errno?: number }).errno === -7 || /TIMED?_?OUT/i.test(error.message);
}

const hex = (n: number) => n.toString(16).padStart(4, '0');

/**
 * The real device finder: loads `usb` (libusb) only when this transport is configured, so agents
 * on usblp or TCP never load the native module.
 */
export function findUsbPrinter(filter: { vendorId?: number; productId?: number } = {}) {
  return async (): Promise<UsbDeviceLike | undefined> => {
    const { getDeviceList } = await import('usb');
    return getDeviceList().find((d) => {
      const desc = d.deviceDescriptor;
      if (filter.vendorId !== undefined && desc.idVendor !== filter.vendorId) return false;
      if (filter.productId !== undefined && desc.idProduct !== filter.productId) return false;
      const config = d.configDescriptor;
      return (
        config?.interfaces.some((alts) => alts.some((a) => a.bInterfaceClass === USB_CLASS_PRINTER)) ?? false
      );
    }) as UsbDeviceLike | undefined;
  };
}
