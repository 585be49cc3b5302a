import type { Receipt } from '../receipt.js';
import type { TemplateContext } from './context.js';
import { formatterFor } from './format.js';
import { STRINGS } from './strings.js';

export interface VoucherData {
  /** What the cashier types or scans; Latin capitals and digits so every POS can take it. */
  code: string;
  rewardName: string;
  pointsSpent: number;
  expiresAt: Date;
  memberNumber: number;
}

export function voucherReceipt(data: VoucherData, ctx: TemplateContext): Receipt {
  const t = STRINGS[ctx.lang];
  const f = formatterFor(ctx.lang, ctx.timeZone);
  return {
    template: 'voucher',
    lang: ctx.lang,
    blocks: [
      { kind: 'text', text: ctx.storeName, align: 'center', size: 'large', bold: true },
      { kind: 'text', text: t.club, align: 'center' },
      { kind: 'rule' },
      { kind: 'text', text: t.voucherTitle, align: 'center', size: 'title', bold: true },
      { kind: 'text', text: data.rewardName, align: 'center', size: 'large' },
      { kind: 'space' },
      { kind: 'qr', data: data.code },
      { kind: 'text', text: data.code, align: 'center', size: 'large', bold: true },
      { kind: 'code128', data: data.code },
      { kind: 'space' },
      { kind: 'row', label: t.expiry, value: f.date(data.expiresAt), bold: true },
      { kind: 'row', label: t.pointsSpent, value: f.amount(data.pointsSpent) },
      { kind: 'row', label: t.memberNumber, value: f.plain(data.memberNumber) },
      { kind: 'rule' },
      { kind: 'text', text: t.voucherHint, align: 'center', size: 'small' },
      { kind: 'text', text: `${t.printedAt}: ${f.dateTime(ctx.now)}`, align: 'center', size: 'small' },
    ],
  };
}
