export * as escpos from './escpos.js';
export { type ReceiptFonts, vazirmatnFonts } from './fonts.js';
export { DOTS, type PaperWidthMm } from './paper.js';
export {
  type JobStatus,
  PrintError,
  Printer,
  type PrinterErrorCode,
  type PrinterEventSink,
  type PrinterEvents,
  type PrinterOptions,
  type PrintJobInfo,
} from './printer.js';
export type { Bitmap, Dither } from './raster.js';
export type { Block, Lang, Receipt } from './receipt.js';
export { type RenderedJob, type RenderOptions, renderReceipt } from './render.js';
export { describeStatus, type PrinterStatus, parseStatus } from './status.js';
export * from './templates/index.js';
export {
  findUsbPrinter,
  LibusbTransport,
  type LibusbTransportOptions,
  type UsbDeviceLike,
} from './transports/libusb.js';
export { TcpTransport, type TcpTransportOptions } from './transports/tcp.js';
export type { PrinterTransport } from './transports/transport.js';
export { type DeviceFiles, UsblpTransport, type UsblpTransportOptions } from './transports/usblp.js';
