/**
 * ESC/POS command builders. Each returns bytes so callers can concatenate them into one job and
 * send it in a single write; the printer parses the stream in order.
 */

const ESC = 0x1b;
const GS = 0x1d;
const DLE = 0x10;
const EOT = 0x04;
const DC4 = 0x14;

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);

export const initialize = (): Uint8Array => bytes(ESC, 0x40);

export type Align = 'left' | 'center' | 'right';
export const align = (a: Align): Uint8Array => bytes(ESC, 0x61, { left: 0, center: 1, right: 2 }[a]);

export const bold = (on: boolean): Uint8Array => bytes(ESC, 0x45, on ? 1 : 0);

/** Character magnification, 1..8 each way (GS !). */
export function charSize(width: number, height: number): Uint8Array {
  if (width < 1 || width > 8 || height < 1 || height > 8) {
    throw new RangeError(`character size ${width}x${height} is outside 1..8; pass whole multiples`);
  }
  return bytes(GS, 0x21, ((width - 1) << 4) | (height - 1));
}

export const lineFeed = (): Uint8Array => bytes(0x0a);

export function feedLines(n: number): Uint8Array {
  return bytes(ESC, 0x64, clampByte(n));
}

/** ESC t 16: Windows-1252, whose upper half matches Latin-1, so text() can encode by code point. */
export const selectLatinCodePage = (): Uint8Array => bytes(ESC, 0x74, 16);

/**
 * Text in the printer's Latin code page. Only code points up to U+00FF are representable; the
 * caller routes anything else (Persian above all) to the raster renderer instead of letting the
 * printer print '?' for it.
 */
export function text(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) {
      throw new RangeError(
        `character U+${c.toString(16).padStart(4, '0')} in "${s}" has no byte in the printer code page; render this receipt as raster`,
      );
    }
    out[i] = c;
  }
  return out;
}

/** Feed to the cutter and cut, leaving a hinge (GS V 66 n): the member tears it off cleanly. */
export const feedAndCut = (feedDots = 0): Uint8Array => bytes(GS, 0x56, 66, clampByte(feedDots));

/** Printer-native QR (GS ( k, model 2). Cell size in dots, error correction M survives smudges. */
export function qrCode(data: string, cellSize = 6, ecc: 'L' | 'M' | 'Q' | 'H' = 'M'): Uint8Array {
  const payload = text(data);
  const len = payload.length + 3;
  if (len > 0xffff) throw new RangeError(`QR data of ${payload.length} bytes is too long for GS ( k`);
  return concat([
    bytes(GS, 0x28, 0x6b, 4, 0, 0x31, 0x41, 0x32, 0),
    bytes(GS, 0x28, 0x6b, 3, 0, 0x31, 0x43, Math.min(16, Math.max(1, cellSize))),
    bytes(GS, 0x28, 0x6b, 3, 0, 0x31, 0x45, { L: 48, M: 49, Q: 50, H: 51 }[ecc]),
    bytes(GS, 0x28, 0x6b, len & 0xff, len >> 8, 0x31, 0x50, 0x30),
    payload,
    bytes(GS, 0x28, 0x6b, 3, 0, 0x31, 0x51, 0x30),
  ]);
}

/** Printer-native Code128 (GS k 73) in code set B, human-readable text below. */
export function code128(data: string, heightDots = 80, moduleWidth = 2): Uint8Array {
  const payload = text(`{B${data}`);
  if (payload.length > 255) throw new RangeError(`Code128 data of ${data.length} characters is too long`);
  return concat([
    bytes(GS, 0x68, clampByte(heightDots)),
    bytes(GS, 0x77, Math.min(6, Math.max(1, moduleWidth))),
    bytes(GS, 0x48, 2),
    bytes(GS, 0x6b, 73, payload.length),
    payload,
  ]);
}

/** Largest band height sent in one GS v 0: 24 rows of 576 dots is 1,728 bytes, under the smallest
 * input buffers we know of (4 KB), so a long receipt never overruns the printer while it prints. */
export const RASTER_BAND_ROWS = 24;

/**
 * A 1-bit image (rows of packed bits, MSB = leftmost dot, 1 = black) as GS v 0 commands, split
 * into bands so that no single command is larger than a printer's receive buffer.
 */
export function rasterBands(
  bits: Uint8Array,
  widthBytes: number,
  height: number,
  bandRows = RASTER_BAND_ROWS,
) {
  if (bits.length !== widthBytes * height) {
    throw new RangeError(
      `raster of ${bits.length} bytes does not match ${widthBytes} bytes x ${height} rows`,
    );
  }
  const parts: Uint8Array[] = [];
  for (let y = 0; y < height; y += bandRows) {
    const rows = Math.min(bandRows, height - y);
    parts.push(
      bytes(GS, 0x76, 0x30, 0, widthBytes & 0xff, widthBytes >> 8, rows & 0xff, rows >> 8),
      bits.subarray(y * widthBytes, (y + rows) * widthBytes),
    );
  }
  return concat(parts);
}

/** DLE EOT n: real-time status request, answered at once even while the printer is busy. */
export type StatusKind = 1 | 2 | 3 | 4;
export const statusRequest = (n: StatusKind): Uint8Array => bytes(DLE, EOT, n);

/**
 * GS ( H fn 48: the printer answers `37 22 id 00` only after it has processed everything sent
 * before it, unlike DLE EOT which jumps the queue. That is what lets a job count as printed.
 */
export function processIdRequest(id: string): Uint8Array {
  if (!/^[0-9A-Z]{4}$/.test(id)) throw new RangeError(`process id "${id}" must be 4 of [0-9A-Z]`);
  return concat([bytes(GS, 0x28, 0x48, 6, 0, 0x30, 0x30), text(id)]);
}

/** DLE DC4 fn 8: drop whatever the printer holds unprinted, so a failed job cannot resume later
 * and print twice alongside its reprint. */
export const clearBuffer = (): Uint8Array => bytes(DLE, DC4, 8, 1, 3, 20, 1, 6, 2, 8);

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function clampByte(n: number): number {
  return Math.min(255, Math.max(0, Math.round(n)));
}
