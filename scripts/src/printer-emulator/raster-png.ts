import { PNG } from 'pngjs';

export interface RasterImage {
  width: number;
  height: number;
  /** 1 = black dot, packed MSB first, `width / 8` bytes a row. */
  bits: Uint8Array;
}

/** Stacks GS v 0 bands into one image, the way they come out of the printer. */
export function stackBands(
  bands: { widthBytes: number; height: number; bits: Uint8Array }[],
): RasterImage | undefined {
  if (bands.length === 0) return undefined;
  const widthBytes = Math.max(...bands.map((b) => b.widthBytes));
  const height = bands.reduce((h, b) => h + b.height, 0);
  const bits = new Uint8Array(widthBytes * height);
  let row = 0;
  for (const band of bands) {
    for (let y = 0; y < band.height; y++) {
      bits.set(band.bits.subarray(y * band.widthBytes, (y + 1) * band.widthBytes), (row + y) * widthBytes);
    }
    row += band.height;
  }
  return { width: widthBytes * 8, height, bits };
}

export function rasterToPng(img: RasterImage): Buffer {
  const png = new PNG({
    width: img.width,
    height: img.height,
    colorType: 0,
    inputColorType: 0,
    inputHasAlpha: false,
  });
  const gray = Buffer.alloc(img.width * img.height);
  const wb = img.width / 8;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const on = (img.bits[y * wb + (x >> 3)]! & (0x80 >> (x & 7))) !== 0;
      gray[y * img.width + x] = on ? 0 : 255;
    }
  }
  png.data = gray;
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false });
}

/** Decodes a PNG back to RGBA, e.g. for a QR reader or a pixel comparison. */
export function readPng(data: Buffer): { width: number; height: number; rgba: Uint8ClampedArray } {
  const png = PNG.sync.read(data);
  return { width: png.width, height: png.height, rgba: new Uint8ClampedArray(png.data) };
}
