/**
 * An incremental ESC/POS parser for the commands a receipt printer acts on. It keeps partial
 * commands between chunks, because TCP splits a raster anywhere.
 */
export type Command =
  | { type: 'init' }
  | { type: 'text'; data: Uint8Array }
  | { type: 'raster'; widthBytes: number; height: number; bits: Uint8Array }
  | { type: 'cut' }
  | { type: 'status'; n: number }
  | { type: 'process-id'; id: string }
  | { type: 'clear-buffer' }
  | { type: 'other'; bytes: Uint8Array };

export interface Parsed {
  command: Command;
  raw: Uint8Array;
}

const ESC = 0x1b;
const GS = 0x1d;
const DLE = 0x10;

/** Bytes after ESC x / GS x for fixed-length commands we accept but do not act on. */
const ESC_ARGS: Record<number, number> = {
  97: 1,
  69: 1,
  116: 1,
  100: 1,
  77: 1,
  33: 1,
  45: 1,
  74: 1,
  50: 0,
  51: 1,
};
const GS_ARGS: Record<number, number> = { 33: 1, 104: 1, 119: 1, 72: 1, 102: 1, 66: 1, 114: 1 };

export class EscPosParser {
  #buf = Buffer.alloc(0);

  /** Returns every complete command in `chunk` plus whatever was left over from before. */
  push(chunk: Uint8Array): Parsed[] {
    this.#buf = Buffer.concat([this.#buf, chunk]);
    const out: Parsed[] = [];
    let at = 0;
    for (;;) {
      const r = parseOne(this.#buf, at);
      if (!r) break;
      out.push({ command: r.command, raw: Uint8Array.from(this.#buf.subarray(at, r.end)) });
      at = r.end;
    }
    this.#buf = this.#buf.subarray(at);
    return out;
  }
}

function parseOne(b: Buffer, at: number): { command: Command; end: number } | undefined {
  if (at >= b.length) return undefined;
  const c = b[at]!;
  const need = (n: number) => at + n <= b.length;
  if (c === ESC) {
    if (!need(2)) return undefined;
    const f = b[at + 1]!;
    if (f === 0x40) return { command: { type: 'init' }, end: at + 2 };
    const args = ESC_ARGS[f] ?? 0;
    if (!need(2 + args)) return undefined;
    return other(b, at, at + 2 + args);
  }
  if (c === GS) {
    if (!need(2)) return undefined;
    const f = b[at + 1]!;
    if (f === 0x56) {
      if (!need(3)) return undefined;
      const m = b[at + 2]!;
      const len = m >= 65 ? 4 : 3;
      return need(len) ? { command: { type: 'cut' }, end: at + len } : undefined;
    }
    if (f === 0x76) {
      if (!need(8)) return undefined;
      const widthBytes = b[at + 4]! | (b[at + 5]! << 8);
      const height = b[at + 6]! | (b[at + 7]! << 8);
      const end = at + 8 + widthBytes * height;
      if (!need(end - at)) return undefined;
      return {
        command: { type: 'raster', widthBytes, height, bits: Uint8Array.from(b.subarray(at + 8, end)) },
        end,
      };
    }
    if (f === 0x28) {
      if (!need(5)) return undefined;
      const len = b[at + 3]! | (b[at + 4]! << 8);
      const end = at + 5 + len;
      if (!need(end - at)) return undefined;
      if (b[at + 2] === 0x48 && b[at + 5] === 0x30 && len === 6) {
        return { command: { type: 'process-id', id: b.subarray(at + 7, end).toString('latin1') }, end };
      }
      return other(b, at, end);
    }
    if (f === 0x6b) {
      if (!need(3)) return undefined;
      const m = b[at + 2]!;
      if (m >= 65) {
        if (!need(4)) return undefined;
        const end = at + 4 + b[at + 3]!;
        return need(end - at) ? other(b, at, end) : undefined;
      }
      const nul = b.indexOf(0, at + 3);
      return nul < 0 ? undefined : other(b, at, nul + 1);
    }
    const args = GS_ARGS[f] ?? 0;
    return need(2 + args) ? other(b, at, at + 2 + args) : undefined;
  }
  if (c === DLE) {
    if (!need(3)) return undefined;
    if (b[at + 1] === 0x04) return { command: { type: 'status', n: b[at + 2]! }, end: at + 3 };
    if (b[at + 1] === 0x14) {
      const fn = b[at + 2]!;
      const len = fn === 8 ? 10 : 5;
      if (!need(len)) return undefined;
      return fn === 8 ? { command: { type: 'clear-buffer' }, end: at + len } : other(b, at, at + len);
    }
    return other(b, at, at + 1);
  }
  // Printable text and LF/CR run until the next control byte.
  let end = at;
  while (end < b.length && b[end] !== ESC && b[end] !== GS && b[end] !== DLE) end++;
  return { command: { type: 'text', data: Uint8Array.from(b.subarray(at, end)) }, end };
}

function other(b: Buffer, at: number, end: number): { command: Command; end: number } {
  return { command: { type: 'other', bytes: Uint8Array.from(b.subarray(at, end)) }, end };
}
