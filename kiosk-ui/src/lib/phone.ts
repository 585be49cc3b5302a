import { toLatinDigits } from './digits.js';

export type PhoneCheck =
  | { ok: true; phone: string }
  | { ok: false; reason: 'empty' | 'incomplete' | 'not-mobile' | 'too-long' };

/**
 * An Iranian mobile number as the kiosk accepts it: 09 and nine more digits, typed in Persian,
 * Arabic-Indic or Latin digits (spaces and dashes ignored). +98 / 0098 / 98 prefixes are folded
 * into the leading 0. Returns the canonical Latin 09xxxxxxxxx.
 */
export function checkMobile(input: string): PhoneCheck {
  let s = toLatinDigits(input).replace(/[\s\-()\u200c\u200e\u200f]/g, '');
  if (s === '') return { ok: false, reason: 'empty' };
  if (s.startsWith('+98')) s = `0${s.slice(3)}`;
  else if (s.startsWith('0098')) s = `0${s.slice(4)}`;
  else if (s.startsWith('98') && s.length === 12) s = `0${s.slice(2)}`;
  else if (s.startsWith('9') && s.length === 10) s = `0${s}`;
  if (!/^\d+$/.test(s)) return { ok: false, reason: 'not-mobile' };
  if (!s.startsWith('09') && !(s === '0')) return { ok: false, reason: 'not-mobile' };
  if (s.length < 11) return { ok: false, reason: 'incomplete' };
  if (s.length > 11) return { ok: false, reason: 'too-long' };
  return { ok: true, phone: s };
}

/** 0912 345 6789: the grouping people read their number in. */
export function groupMobile(latin: string): string {
  const d = toLatinDigits(latin);
  return [d.slice(0, 4), d.slice(4, 7), d.slice(7, 11)].filter(Boolean).join(' ');
}
