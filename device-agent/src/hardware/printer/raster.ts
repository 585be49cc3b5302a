import { Resvg } from '@resvg/resvg-js';
import type { ReceiptFonts } from './fonts.js';

/** A 1-bit image packed as the printer wants it: rows of bytes, MSB leftmost, 1 = burn a dot. */
export interface Bitmap {
  width: number;
  height: number;
  widthBytes: number;
  bits: Uint8Array;
}

/**
 * `threshold` keeps text and barcodes crisp, which is all a receipt holds; error diffusion is
 * there for logos or photos, where a hard threshold would flatten grey into black blobs.
 */
export type Dither = 'threshold' | 'floyd-steinberg';

export function renderSvg(
  svg: string,
  width: number,
  fonts: ReceiptFonts,
): { rgba: Uint8Array; height: number } {
  const rendered = new Resvg(svg, {
    fitTo: { mode: 'width', value: width },
    background: '#ffffff',
    font: { fontFiles: fonts.files, loadSystemFonts: false, defaultFontFamily: fonts.family },
  }).render();
  if (rendered.width !== width) {
    throw new Error(`SVG rendered ${rendered.width} dots wide, expected ${width}; the layout is wrong`);
  }
  return { rgba: rendered.pixels, height: rendered.height };
}

export function toBitmap(
  rgba: Uint8Array,
  width: number,
  height: number,
  dither: Dither = 'threshold',
): Bitmap {
  const widthBytes = Math.ceil(width / 8);
  const bits = new Uint8Array(widthBytes * height);
  const lum = new Float32Array(width * height);
  for (let i = 0, p = 0; i < lum.length; i++, p += 4) {
    // Rec. 601 luma over white: the background is opaque already, alpha is only a safety net.
    const a = rgba[p + 3]! / 255;
    const l = 0.299 * rgba[p]! + 0.587 * rgba[p + 1]! + 0.114 * rgba[p + 2]!;
    lum[i] = l * a + 255 * (1 - a);
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const old = lum[i]!;
      const black = old < 128;
      if (black) bits[y * widthBytes + (x >> 3)]! |= 0x80 >> (x & 7);
      if (dither === 'floyd-steinberg') {
        const err = old - (black ? 0 : 255);
        if (x + 1 < width) lum[i + 1]! += (err * 7) / 16;
        if (y + 1 < height) {
          if (x > 0) lum[i + width - 1]! += (err * 3) / 16;
          lum[i + width]! += (err * 5) / 16;
          if (x + 1 < width) lum[i + width + 1]! += err / 16;
        }
      }
    }
  }
  return { width, height, widthBytes, bits };
}
