import type { Receipt } from '../receipt.js';
import type { TemplateContext } from './context.js';
import { formatterFor } from './format.js';
import { STRINGS } from './strings.js';

export interface WelcomeData {
  memberNumber: number;
  displayName: string;
  /** Where the QR leads, e.g. the club's published rules for this member. */
  qrData: string;
}

export function welcomeReceipt(data: WelcomeData, ctx: TemplateContext): Receipt {
  const t = STRINGS[ctx.lang];
  const f = formatterFor(ctx.lang, ctx.timeZone);
  return {
    template: 'welcome',
    lang: ctx.lang,
    blocks: [
      { kind: 'text', text: ctx.storeName, align: 'center', size: 'large', bold: true },
      { kind: 'text', text: t.welcome, align: 'center', bold: true },
      { kind: 'rule' },
      { kind: 'text', text: data.displayName, align: 'center', size: 'large' },
      { kind: 'text', text: t.memberNumber, align: 'center' },
      { kind: 'text', text: f.plain(data.memberNumber), align: 'center', size: 'title', bold: true },
      { kind: 'space' },
      { kind: 'qr', data: data.qrData, caption: t.scanHint },
      { kind: 'rule' },
      { kind: 'text', text: t.cardHint, align: 'center', size: 'small' },
      { kind: 'text', text: `${t.printedAt}: ${f.dateTime(ctx.now)}`, align: 'center', size: 'small' },
    ],
  };
}
