/**
 * Digits as shoppers type them: a Persian keyboard gives ۰-۹, some phones give Arabic-Indic ٠-٩,
 * others Latin 0-9. Everything is compared and sent in Latin digits and shown in the screen's own.
 */
const PERSIAN = '۰۱۲۳۴۵۶۷۸۹';
const ARABIC = '٠١٢٣٤٥٦٧٨٩';

export function toLatinDigits(s: string): string {
  return s.replace(/[۰-۹٠-٩]/g, (ch) => {
    const p = PERSIAN.indexOf(ch);
    return String(p >= 0 ? p : ARABIC.indexOf(ch));
  });
}

export function toPersianDigits(s: string): string {
  return s.replace(/[0-9]/g, (d) => PERSIAN[Number(d)] ?? d);
}

/** Shows Latin digits in the language's own digits. */
export function localDigits(s: string, lang: 'fa' | 'en'): string {
  return lang === 'fa' ? toPersianDigits(s) : toLatinDigits(s);
}
