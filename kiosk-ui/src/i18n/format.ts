/**
 * Locale-aware formatting for the kiosk. Pure functions over `Intl` (no DOM), so they run the same
 * in Chromium and in unit tests under Node.
 */

export const LANGS = ['fa', 'en'] as const;
export type Lang = (typeof LANGS)[number];
export const DEFAULT_LANG: Lang = 'fa';

export type Dir = 'rtl' | 'ltr';

export function isLang(value: unknown): value is Lang {
  return typeof value === 'string' && (LANGS as readonly string[]).includes(value);
}

/** Text direction of the whole document for a language. */
export function dirFor(lang: Lang): Dir {
  return lang === 'fa' ? 'rtl' : 'ltr';
}

/** Numbers: Persian digits and the Persian thousands separator (٬) for fa. */
export function numberLocale(lang: Lang): string {
  return lang === 'fa' ? 'fa-IR' : 'en-US';
}

/** Dates: the Jalali (Persian) calendar for fa, Gregorian for en. */
export function dateLocale(lang: Lang): string {
  return lang === 'fa' ? 'fa-IR-u-ca-persian' : 'en-GB';
}

/**
 * Wraps text of unknown direction (a member's name, a card number) in FIRST STRONG ISOLATE … POP
 * DIRECTIONAL ISOLATE, the plain-text twin of <bdi>, so a Latin name inside a Persian sentence (or
 * the reverse) cannot reorder the punctuation around it.
 */
export function isolate(text: string): string {
  return `\u2068${text}\u2069`;
}

export interface Formatter {
  readonly lang: Lang;
  /** Grouped integer or decimal: 1234567 → ۱٬۲۳۴٬۵۶۷ (fa) / 1,234,567 (en). */
  num(n: number): string;
  /** With an explicit sign for non-zero values: +50 → ‎+۵۰ (ICU adds the bidi mark for fa). */
  signed(n: number): string;
  /** Identifiers such as a member number: localized digits, no grouping. */
  id(n: number): string;
  /** Calendar date: ۱۴۰۵/۰۹/۰۱ (fa, Jalali) / 22/11/2026 (en). */
  date(d: Date | string): string;
  /** Clock time, 24 h: ۱۰:۳۰ / 10:30. */
  time(d: Date | string): string;
}

export interface FormatterOptions {
  /** IANA zone; defaults to the kiosk's own zone. Tests pin it. */
  timeZone?: string;
}

export function createFormatter(lang: Lang, options: FormatterOptions = {}): Formatter {
  const nl = numberLocale(lang);
  const dl = dateLocale(lang);
  const zone = options.timeZone ? { timeZone: options.timeZone } : {};
  const grouped = new Intl.NumberFormat(nl, { maximumFractionDigits: 2 });
  const signed = new Intl.NumberFormat(nl, { maximumFractionDigits: 2, signDisplay: 'exceptZero' });
  const plain = new Intl.NumberFormat(nl, { useGrouping: false, maximumFractionDigits: 0 });
  const date = new Intl.DateTimeFormat(dl, { year: 'numeric', month: '2-digit', day: '2-digit', ...zone });
  const time = new Intl.DateTimeFormat(dl, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', ...zone });
  const toDate = (d: Date | string) => (typeof d === 'string' ? new Date(d) : d);
  return {
    lang,
    num: (n) => grouped.format(n),
    signed: (n) => signed.format(n),
    id: (n) => plain.format(n),
    date: (d) => date.format(toDate(d)),
    time: (d) => time.format(toDate(d)),
  };
}
