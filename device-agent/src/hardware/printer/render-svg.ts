import { code128Modules } from './code128.js';
import type { PaperWidthMm } from './paper.js';
import { DOTS } from './paper.js';
import { qrMatrix } from './qr.js';
import { type Block, direction, type LogicalAlign, type Receipt, type TextSize } from './receipt.js';

/**
 * Lays a receipt out as SVG for the raster path: one <text> per line holding the whole run, so
 * the renderer's shaper sees complete words and joins Persian letters. Coordinates are printer
 * dots, so the SVG renders 1:1 onto the print head.
 */

const FONT_PX: Record<TextSize, number> = { small: 20, normal: 24, large: 30, title: 38 };
const LINE_FACTOR = 1.6;
const MARGIN = 8;
const RULE_GAP = 10;

/** U+2067 RIGHT-TO-LEFT ISOLATE ... U+2069 POP: resvg runs the bidi algorithm with a left-to-right
 * paragraph whatever `direction` says, so an RTL line must carry its own base direction or a
 * Latin code in a Persian line lands on the wrong side. LRI does the same for Latin lines. */
const RLI = '\u2067';
const LRI = '\u2066';
const PDI = '\u2069';

/** A line's own direction from its first strong letter, as a reader would take it; a Latin line
 * on a Persian receipt (the test page's English sample) reads and aligns left-to-right. */
function lineIsRtl(s: string, fallback: boolean): boolean {
  const m = /[A-Za-z\u00c0-\u024f]|[\u0621-\u064a\u066e-\u06d3\u06d5\u06fa-\u06ff]/.exec(s);
  return m ? m[0] >= '\u0600' : fallback;
}

export interface SvgLayout {
  svg: string;
  width: number;
  height: number;
}

export function receiptToSvg(receipt: Receipt, paper: PaperWidthMm, fontFamily: string): SvgLayout {
  const width = DOTS[paper];
  const rtl = direction(receipt.lang) === 'rtl';
  const inner = width - 2 * MARGIN;
  const out: string[] = [];
  let y = MARGIN;

  const anchorFor = (a: LogicalAlign, lineRtl = rtl): { x: number; anchor: string } => {
    if (a === 'center') return { x: width / 2, anchor: 'middle' };
    const right = (a === 'start') === lineRtl;
    return right ? { x: width - MARGIN, anchor: 'end' } : { x: MARGIN, anchor: 'start' };
  };
  const textEl = (s: string, x: number, baseline: number, anchor: string, size: TextSize, bold?: boolean) => {
    const content = `${lineIsRtl(s, rtl) ? RLI : LRI}${s}${PDI}`;
    out.push(
      `<text x="${x}" y="${baseline.toFixed(1)}" font-size="${FONT_PX[size]}"${bold ? ' font-weight="bold"' : ''} text-anchor="${anchor}">${escapeXml(content)}</text>`,
    );
  };
  const line = (s: string, align: LogicalAlign, size: TextSize, bold?: boolean) => {
    const px = FONT_PX[size];
    const lineHeight = Math.round(px * LINE_FACTOR);
    for (const l of wrap(s, inner, px, bold)) {
      const { x, anchor } = anchorFor(align, lineIsRtl(l, rtl));
      // Baseline sits about 72% down the line box with Vazirmatn's tall ascenders.
      textEl(l, x, y + lineHeight * 0.72, anchor, size, bold);
      y += lineHeight;
    }
  };

  for (const block of receipt.blocks) drawBlock(block);

  function drawBlock(b: Block): void {
    switch (b.kind) {
      case 'text':
        line(b.text, b.align ?? 'start', b.size ?? 'normal', b.bold);
        break;
      case 'row': {
        const px = FONT_PX.normal;
        const lineHeight = Math.round(px * LINE_FACTOR);
        if (estimateWidth(`${b.label}  ${b.value}`, px, b.bold) > inner) {
          line(b.label, 'start', 'normal', b.bold);
          line(b.value, 'end', 'normal', b.bold);
          break;
        }
        const start = anchorFor('start');
        const end = anchorFor('end');
        textEl(b.label, start.x, y + lineHeight * 0.72, start.anchor, 'normal', b.bold);
        textEl(b.value, end.x, y + lineHeight * 0.72, end.anchor, 'normal', b.bold);
        y += lineHeight;
        break;
      }
      case 'qr': {
        const m = qrMatrix(b.data);
        // Big enough for a phone at arm's length, never wider than 60% of the paper.
        const cell = Math.max(2, Math.floor((width * 0.6) / m.size));
        const side = cell * m.size;
        const x0 = Math.round((width - side) / 2);
        y += cell * 2;
        const path: string[] = [];
        for (let r = 0; r < m.size; r++) {
          for (let c = 0; c < m.size; c++) {
            if (m.isDark(r, c)) path.push(`M${x0 + c * cell} ${y + r * cell}h${cell}v${cell}h-${cell}z`);
          }
        }
        out.push(`<path d="${path.join('')}" fill="#000" shape-rendering="crispEdges"/>`);
        y += side + cell * 2;
        if (b.caption) line(b.caption, 'center', 'small');
        break;
      }
      case 'code128': {
        const modules = code128Modules(b.data);
        const total = modules.reduce((s, w) => s + w, 0) + 20; // 10-module quiet zone each side
        const unit = Math.min(3, Math.floor(inner / total));
        if (unit < 1) throw new RangeError(`Code128 "${b.data}" is too long for ${paper} mm paper`);
        let x = Math.round((width - (total - 20) * unit) / 2);
        const h = 64;
        const bars: string[] = [];
        modules.forEach((w, i) => {
          if (i % 2 === 0) bars.push(`M${x} ${y}h${w * unit}v${h}h-${w * unit}z`);
          x += w * unit;
        });
        out.push(`<path d="${bars.join('')}" fill="#000" shape-rendering="crispEdges"/>`);
        y += h + 8;
        break;
      }
      case 'rule':
        y += RULE_GAP;
        out.push(`<rect x="${MARGIN}" y="${y}" width="${inner}" height="2" fill="#000"/>`);
        y += 2 + RULE_GAP;
        break;
      case 'space':
        y += 14 * (b.lines ?? 1);
        break;
    }
  }

  const height = Math.ceil(y + MARGIN);
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<rect width="${width}" height="${height}" fill="#fff"/>` +
    `<g font-family="${fontFamily}" fill="#000">${out.join('')}</g></svg>`;
  return { svg, width, height };
}

/**
 * Rough advance widths in em, measured on Vazirmatn: close enough to break lines at words. Exact
 * measurement would need a shaping pass per line, which would triple the render time.
 */
function estimateWidth(s: string, px: number, bold?: boolean): number {
  let em = 0;
  for (const ch of s) {
    if (ch === ' ') em += 0.3;
    else if (/[\u0600-\u06ff]/.test(ch)) em += 0.42;
    else if (/[A-Z0-9]/.test(ch)) em += 0.62;
    else em += 0.5;
  }
  return em * px * (bold ? 1.08 : 1);
}

export function wrap(s: string, maxWidth: number, px: number, bold?: boolean): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of s.split(/\s+/).filter(Boolean)) {
    const candidate = current ? `${current} ${word}` : word;
    if (current && estimateWidth(candidate, px, bold) > maxWidth) {
      lines.push(current);
      current = word;
    } else {
      current = candidate;
    }
  }
  lines.push(current);
  return lines;
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
