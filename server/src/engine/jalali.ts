import { DAY_MS } from './lots.js';
import { toLatinDigits } from './phone.js';

/**
 * Jalali (Solar Hijri) dates via the runtime's own `persian` calendar rather than a hand-written
 * algorithm: Gregorian → Jalali is what Intl does; Jalali → Gregorian estimates the day and lets
 * Intl confirm it, so leap years follow the same source of truth as the dates the kiosk prints.
 */

const persian = new Intl.DateTimeFormat('en-US-u-ca-persian', {
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  timeZone: 'UTC',
});

export function toJalali(utcMidnight: Date): { jy: number; jm: number; jd: number } {
  const parts = Object.fromEntries(persian.formatToParts(utcMidnight).map((p) => [p.type, p.value]));
  return { jy: Number(parts.year), jm: Number(parts.month), jd: Number(parts.day) };
}

/** Gregorian YYYY-MM-DD of a Jalali date, or undefined when no such Jalali day exists. */
export function jalaliToGregorian(jy: number, jm: number, jd: number): string | undefined {
  if (jm < 1 || jm > 12 || jd < 1 || jd > 31 || jy < 1200 || jy > 1600) return undefined;
  const dayOfYear = jm <= 6 ? (jm - 1) * 31 + jd - 1 : 186 + (jm - 7) * 30 + jd - 1;
  const estimate = Date.UTC(jy + 621, 2, 20) + dayOfYear * DAY_MS;
  for (const delta of [0, 1, -1, 2, -2]) {
    const at = new Date(estimate + delta * DAY_MS);
    const j = toJalali(at);
    if (j.jy === jy && j.jm === jm && j.jd === jd) return at.toISOString().slice(0, 10);
  }
  return undefined;
}

/**
 * A birthday as people type it: Jalali (1369/10/11, ۱۳۶۹/۱۰/۱۱) or Gregorian (1991-01-01). Years
 * below 1700 are read as Jalali. Returns Gregorian YYYY-MM-DD, or undefined if it is no real date
 * or lies in the future.
 */
export function parseBirthday(input: string, today: Date = new Date()): string | undefined {
  const m = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$/.exec(toLatinDigits(input.trim()));
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  let iso: string | undefined;
  if (y < 1700) iso = jalaliToGregorian(y, mo, d);
  else {
    const at = new Date(Date.UTC(y, mo - 1, d));
    iso =
      at.getUTCFullYear() === y && at.getUTCMonth() === mo - 1 && at.getUTCDate() === d
        ? at.toISOString().slice(0, 10)
        : undefined;
  }
  if (!iso || iso > today.toISOString().slice(0, 10) || iso < '1900-01-01') return undefined;
  return iso;
}
