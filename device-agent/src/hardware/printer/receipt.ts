/**
 * A receipt described once, as data, so the same template feeds both the ESC/POS text renderer
 * and the raster renderer. Alignment is logical (`start`/`end`) and flips with the direction.
 */
export type Lang = 'fa' | 'en';

export type TextSize = 'small' | 'normal' | 'large' | 'title';
export type LogicalAlign = 'start' | 'center' | 'end';

export type Block =
  | { kind: 'text'; text: string; align?: LogicalAlign; size?: TextSize; bold?: boolean }
  /** Label at the start edge, value at the end edge: one row of a statement. */
  | { kind: 'row'; label: string; value: string; bold?: boolean }
  | { kind: 'qr'; data: string; caption?: string }
  | { kind: 'code128'; data: string }
  | { kind: 'rule' }
  | { kind: 'space'; lines?: number };

export interface Receipt {
  /** Which template made it, for logs and the job queue. */
  template: string;
  lang: Lang;
  blocks: Block[];
}

export const direction = (lang: Lang): 'rtl' | 'ltr' => (lang === 'fa' ? 'rtl' : 'ltr');

/** Every string on the receipt, for deciding whether the printer's own font can print it. */
export function receiptText(r: Receipt): string[] {
  const out: string[] = [];
  for (const b of r.blocks) {
    if (b.kind === 'text') out.push(b.text);
    else if (b.kind === 'row') out.push(b.label, b.value);
    else if (b.kind === 'qr') out.push(b.data, b.caption ?? '');
    else if (b.kind === 'code128') out.push(b.data);
  }
  return out;
}

/**
 * Printer firmware neither joins Arabic-script letters nor orders right-to-left text, and its code
 * pages stop at Latin-1, so only receipts wholly within Latin-1 and left-to-right may use it.
 */
export function fitsPrinterFont(r: Receipt): boolean {
  return r.lang !== 'fa' && receiptText(r).every((s) => /^[\u0020-\u007e\u00a0-\u00ff]*$/.test(s));
}
