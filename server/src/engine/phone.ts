/**
 * Iranian mobile numbers, as members type them: 09121234567, 9121234567, +989121234567,
 * 00989121234567, 0912 123 4567, 0912-123-4567, and all of these in Persian (۰۹۱۲…) or
 * Arabic-Indic (٠٩١٢…) digits. Stored and compared in one form, E.164 (+989121234567), so the
 * same member is found however the number was typed.
 */

const PERSIAN = '۰۱۲۳۴۵۶۷۸۹';
const ARABIC = '٠١٢٣٤٥٦٧٨٩';

export function toLatinDigits(s: string): string {
  return s.replace(/[۰-۹٠-٩]/g, (ch) => {
    const p = PERSIAN.indexOf(ch);
    return String(p >= 0 ? p : ARABIC.indexOf(ch));
  });
}

/** E.164 form of an Iranian mobile number, or undefined when it is not one. */
export function normaliseIranMobile(input: string): string | undefined {
  const s = toLatinDigits(input.trim()).replace(/[\s\-().\u200c\u200f\u200e]/g, '');
  const m = /^(?:\+98|0098|98|0)?(9\d{9})$/.exec(s);
  return m ? `+98${m[1]}` : undefined;
}

/** 0912***4567: enough for a member to recognise their number, not enough to call it. */
export function maskPhone(e164: string): string {
  const local = `0${e164.slice(3)}`;
  return `${local.slice(0, 4)}***${local.slice(-4)}`;
}
