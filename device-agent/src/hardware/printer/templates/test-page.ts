import type { PrinterState } from '@bashgah/protocol';
import type { Block, Receipt } from '../receipt.js';
import type { TemplateContext } from './context.js';
import { formatterFor } from './format.js';
import { STRINGS } from './strings.js';

export interface TestPageData {
  deviceId: string;
  transport: string;
  paperWidthMm: 58 | 80;
  state: PrinterState;
}

/**
 * Staff print this after loading paper or swapping a printer. It is always bilingual, so it
 * always takes the raster path and proves Persian shaping, both barcodes and the cutter at once.
 */
export function testPageReceipt(data: TestPageData, ctx: Omit<TemplateContext, 'lang'>): Receipt {
  const fa = STRINGS.fa;
  const en = STRINGS.en;
  const ff = formatterFor('fa', ctx.timeZone);
  const both = (a: string, b: string): Block[] => [
    { kind: 'text', text: a, align: 'start' },
    { kind: 'text', text: b, align: 'start', size: 'small' },
  ];
  return {
    template: 'test-page',
    lang: 'fa',
    blocks: [
      { kind: 'text', text: fa.testTitle, align: 'center', size: 'title', bold: true },
      { kind: 'text', text: en.testTitle, align: 'center' },
      { kind: 'rule' },
      { kind: 'row', label: fa.device, value: data.deviceId },
      { kind: 'row', label: fa.transport, value: data.transport },
      { kind: 'row', label: fa.paper, value: `${ff.plain(data.paperWidthMm)} ${fa.mm}` },
      { kind: 'row', label: fa.status, value: data.state },
      { kind: 'row', label: fa.printedAt, value: ff.dateTime(ctx.now) },
      { kind: 'rule' },
      ...both(fa.sample, en.sample),
      { kind: 'text', text: '۰۱۲۳۴۵۶۷۸۹ ۱٬۲۳۴٬۵۶۷', align: 'start' },
      { kind: 'space' },
      { kind: 'qr', data: `BASHGAH-TEST-${data.deviceId}` },
      { kind: 'code128', data: 'BASHGAH-0123' },
      { kind: 'rule' },
    ],
  };
}
