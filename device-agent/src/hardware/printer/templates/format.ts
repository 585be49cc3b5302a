import type { Lang } from '../receipt.js';

/**
 * Number and date formatting per receipt language. Persian receipts use Persian digits, the
 * Persian thousands separator and Jalali dates, all from Intl so nothing is hand-rolled.
 */
export interface Formatter {
  lang: Lang;
  /** Points and money: grouped digits. */
  amount(n: number): string;
  /** Points gained or spent. Intl adds the bidi marks that keep the sign beside the digits. */
  signed(n: number): string;
  /** Member numbers and counts: digits without grouping, as members quote them. */
  plain(n: number): string;
  date(d: Date): string;
  dateTime(d: Date): string;
}

export function formatterFor(lang: Lang, timeZone: string): Formatter {
  const locale = lang === 'fa' ? 'fa-IR-u-ca-persian' : 'en-GB';
  const grouped = new Intl.NumberFormat(lang === 'fa' ? 'fa-IR' : 'en-US');
  const signed = new Intl.NumberFormat(lang === 'fa' ? 'fa-IR' : 'en-US', { signDisplay: 'exceptZero' });
  const ungrouped = new Intl.NumberFormat(lang === 'fa' ? 'fa-IR' : 'en-US', { useGrouping: false });
  const date = new Intl.DateTimeFormat(locale, {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    timeZone,
  });
  const time = new Intl.DateTimeFormat(lang === 'fa' ? 'fa-IR' : 'en-GB', {
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
    timeZone,
  });
  return {
    lang,
    amount: (n) => grouped.format(n),
    signed: (n) => signed.format(n),
    plain: (n) => ungrouped.format(n),
    // en-GB gives 22/11/2026; ISO order reads unambiguously to staff anywhere.
    date: (d) => (lang === 'fa' ? date.format(d) : isoDate(date, d)),
    dateTime: (d) => `${lang === 'fa' ? date.format(d) : isoDate(date, d)} ${time.format(d)}`,
  };
}

function isoDate(f: Intl.DateTimeFormat, d: Date): string {
  const parts = Object.fromEntries(f.formatToParts(d).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}`;
}
