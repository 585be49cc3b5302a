import type { TierCode } from '@bashgah/protocol';
import type { Block, Receipt } from '../receipt.js';
import type { TemplateContext } from './context.js';
import { formatterFor } from './format.js';
import { STRINGS } from './strings.js';

export interface BalanceData {
  memberNumber: number;
  displayName: string;
  tier: TierCode;
  points: number;
  /** Store credit in Toman, if the member has any. */
  creditToman?: number;
  /** Newest first; the slip shows at most the last ten so it stays short. */
  history: { at: Date; description: string; points: number }[];
  expiring?: { points: number; at: Date };
  asOf: Date;
}

const MAX_HISTORY = 10;

export function balanceReceipt(data: BalanceData, ctx: TemplateContext): Receipt {
  const t = STRINGS[ctx.lang];
  const f = formatterFor(ctx.lang, ctx.timeZone);
  const history: Block[] = data.history.slice(0, MAX_HISTORY).flatMap((h) => [
    { kind: 'row', label: h.description, value: f.signed(h.points) },
    { kind: 'text', text: f.date(h.at), size: 'small' },
  ]);
  const blocks: Block[] = [
    { kind: 'text', text: ctx.storeName, align: 'center', size: 'large', bold: true },
    { kind: 'text', text: t.balanceTitle, align: 'center', size: 'title', bold: true },
    { kind: 'rule' },
    { kind: 'row', label: t.member, value: data.displayName },
    { kind: 'row', label: t.memberNumber, value: f.plain(data.memberNumber) },
    { kind: 'row', label: t.tier, value: t.tiers[data.tier] },
    { kind: 'row', label: t.points, value: f.amount(data.points), bold: true },
  ];
  if (data.creditToman) {
    blocks.push({ kind: 'row', label: t.credit, value: `${f.amount(data.creditToman)} ${t.toman}` });
  }
  if (data.expiring) {
    blocks.push(
      { kind: 'rule' },
      { kind: 'text', text: t.expiring, bold: true },
      {
        kind: 'row',
        label: f.date(data.expiring.at),
        value: `${f.amount(data.expiring.points)} ${t.points}`,
      },
    );
  }
  if (history.length > 0) {
    blocks.push({ kind: 'rule' }, { kind: 'text', text: t.history, bold: true }, ...history);
  }
  blocks.push(
    { kind: 'rule' },
    { kind: 'text', text: `${t.asOf}: ${f.dateTime(data.asOf)}`, align: 'center', size: 'small' },
  );
  return { template: 'balance', lang: ctx.lang, blocks };
}
