import * as esc from './escpos.js';
import type { PaperWidthMm } from './paper.js';
import { COLUMNS } from './paper.js';
import type { Receipt, TextSize } from './receipt.js';
import { fitsPrinterFont } from './receipt.js';

/**
 * ESC/POS text commands for a Latin-only, left-to-right receipt: a fraction of the raster's bytes
 * and printed in the printer's own sharp font. Persian never comes here (see fitsPrinterFont).
 */
const MAGNIFY: Record<TextSize, [number, number]> = {
  small: [1, 1],
  normal: [1, 1],
  large: [1, 2],
  title: [2, 2],
};

export function receiptToEscPos(receipt: Receipt, paper: PaperWidthMm): Uint8Array {
  if (!fitsPrinterFont(receipt)) {
    throw new Error(
      `receipt "${receipt.template}" has text the printer font cannot show; use the raster renderer`,
    );
  }
  const cols = COLUMNS[paper];
  const parts: Uint8Array[] = [esc.initialize(), esc.selectLatinCodePage()];
  const alignOf = { start: 'left', center: 'center', end: 'right' } as const;

  for (const b of receipt.blocks) {
    switch (b.kind) {
      case 'text': {
        const [w, h] = MAGNIFY[b.size ?? 'normal'];
        parts.push(esc.align(alignOf[b.align ?? 'start']), esc.bold(Boolean(b.bold)), esc.charSize(w, h));
        for (const l of wrapColumns(b.text, Math.floor(cols / w))) parts.push(esc.text(l), esc.lineFeed());
        parts.push(esc.charSize(1, 1), esc.bold(false));
        break;
      }
      case 'row': {
        parts.push(esc.align('left'), esc.bold(Boolean(b.bold)));
        const gap = cols - b.label.length - b.value.length;
        if (gap >= 1) {
          parts.push(esc.text(b.label + ' '.repeat(gap) + b.value), esc.lineFeed());
        } else {
          parts.push(
            esc.text(b.label),
            esc.lineFeed(),
            esc.align('right'),
            esc.text(b.value),
            esc.lineFeed(),
          );
        }
        parts.push(esc.bold(false));
        break;
      }
      case 'qr':
        parts.push(esc.align('center'), esc.qrCode(b.data, paper === 80 ? 8 : 6), esc.lineFeed());
        if (b.caption) parts.push(esc.text(b.caption), esc.lineFeed());
        break;
      case 'code128':
        parts.push(esc.align('center'), esc.code128(b.data), esc.lineFeed());
        break;
      case 'rule':
        parts.push(esc.align('left'), esc.text('-'.repeat(cols)), esc.lineFeed());
        break;
      case 'space':
        parts.push(esc.feedLines(b.lines ?? 1));
        break;
    }
  }
  parts.push(esc.align('left'), esc.feedAndCut(48));
  return esc.concat(parts);
}

export function wrapColumns(s: string, cols: number): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of s.split(/\s+/).filter(Boolean)) {
    for (let w = word; w.length > 0; w = w.slice(cols)) {
      const piece = w.slice(0, cols);
      if (!current) current = piece;
      else if (current.length + 1 + piece.length <= cols) current += ` ${piece}`;
      else {
        lines.push(current);
        current = piece;
      }
    }
  }
  lines.push(current);
  return lines;
}
