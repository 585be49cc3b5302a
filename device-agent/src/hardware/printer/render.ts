import * as esc from './escpos.js';
import type { ReceiptFonts } from './fonts.js';
import type { PaperWidthMm } from './paper.js';
import { type Bitmap, type Dither, renderSvg, toBitmap } from './raster.js';
import { fitsPrinterFont, type Receipt } from './receipt.js';
import { receiptToSvg } from './render-svg.js';
import { receiptToEscPos } from './render-text.js';

export interface RenderOptions {
  paper: PaperWidthMm;
  fonts: ReceiptFonts;
  dither?: Dither;
  /** Rasterise even Latin receipts, e.g. for printers with a broken code page. */
  forceRaster?: boolean;
}

export interface RenderedJob {
  mode: 'text' | 'raster';
  bytes: Uint8Array;
  /** Kept for the raster path so callers can preview or archive what was printed. */
  bitmap?: Bitmap;
}

/** Picks the renderer: the printer's own font when it can show every character, raster otherwise. */
export function renderReceipt(receipt: Receipt, opts: RenderOptions): RenderedJob {
  if (!opts.forceRaster && fitsPrinterFont(receipt)) {
    return { mode: 'text', bytes: receiptToEscPos(receipt, opts.paper) };
  }
  const layout = receiptToSvg(receipt, opts.paper, opts.fonts.family);
  const { rgba, height } = renderSvg(layout.svg, layout.width, opts.fonts);
  const bitmap = toBitmap(rgba, layout.width, height, opts.dither);
  const bytes = esc.concat([
    esc.initialize(),
    esc.rasterBands(bitmap.bits, bitmap.widthBytes, bitmap.height),
    esc.feedAndCut(48),
  ]);
  return { mode: 'raster', bytes, bitmap };
}
