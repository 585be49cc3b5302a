/**
 * Jalali (Solar Hijri) ⇄ Gregorian for the birthday picker. The arithmetic is the well-known
 * jalaali-js algorithm (Borkowski's leap years), exact for 1-3177 AP; Intl can format Jalali dates
 * but cannot build one from parts, which a picker needs.
 */

const BREAKS = [
  -61, 9, 38, 199, 426, 686, 756, 818, 1111, 1181, 1210, 1635, 2060, 2097, 2192, 2262, 2324, 2394, 2456, 3178,
];

const div = (a: number, b: number) => Math.trunc(a / b);
const mod = (a: number, b: number) => a - Math.trunc(a / b) * b;

function jalCal(jy: number): { leap: number; gy: number; march: number } {
  const gy = jy + 621;
  let leapJ = -14;
  let jp = BREAKS[0]!;
  let jump = 0;
  for (let i = 1; i < BREAKS.length; i++) {
    const jm = BREAKS[i]!;
    jump = jm - jp;
    if (jy < jm) break;
    leapJ = leapJ + div(jump, 33) * 8 + div(mod(jump, 33), 4);
    jp = jm;
  }
  let n = jy - jp;
  leapJ = leapJ + div(n, 33) * 8 + div(mod(n, 33) + 3, 4);
  if (mod(jump, 33) === 4 && jump - n === 4) leapJ += 1;
  const leapG = div(gy, 4) - div((div(gy, 100) + 1) * 3, 4) - 150;
  const march = 20 + leapJ - leapG;
  if (jump - n < 6) n = n - jump + div(jump + 4, 33) * 33;
  let leap = mod(mod(n + 1, 33) - 1, 4);
  if (leap === -1) leap = 4;
  return { leap, gy, march };
}

function g2d(gy: number, gm: number, gd: number): number {
  let d = div((gy + div(gm - 8, 6) + 100100) * 1461, 4) + div(153 * mod(gm + 9, 12) + 2, 5) + gd - 34840408;
  d = d - div(div(gy + 100100 + div(gm - 8, 6), 100) * 3, 4) + 752;
  return d;
}

function d2g(jdn: number): { gy: number; gm: number; gd: number } {
  let j = 4 * jdn + 139361631;
  j = j + div(div(4 * jdn + 183187720, 146097) * 3, 4) * 4 - 3908;
  const i = div(mod(j, 1461), 4) * 5 + 308;
  const gd = div(mod(i, 153), 5) + 1;
  const gm = mod(div(i, 153), 12) + 1;
  const gy = div(j, 1461) - 100100 + div(8 - gm, 6);
  return { gy, gm, gd };
}

function j2d(jy: number, jm: number, jd: number): number {
  const r = jalCal(jy);
  return g2d(r.gy, 3, r.march) + (jm - 1) * 31 - div(jm, 7) * (jm - 7) + jd - 1;
}

function d2j(jdn: number): { jy: number; jm: number; jd: number } {
  const { gy } = d2g(jdn);
  let jy = gy - 621;
  const r = jalCal(jy);
  const jdn1f = g2d(gy, 3, r.march);
  let k = jdn - jdn1f;
  if (k >= 0) {
    if (k <= 185) return { jy, jm: 1 + div(k, 31), jd: mod(k, 31) + 1 };
    k -= 186;
  } else {
    jy -= 1;
    k += 179;
    if (r.leap === 1) k += 1;
  }
  return { jy, jm: 7 + div(k, 30), jd: mod(k, 30) + 1 };
}

export function isJalaliLeap(jy: number): boolean {
  return jalCal(jy).leap === 0;
}

export function jalaliMonthLength(jy: number, jm: number): number {
  if (jm <= 6) return 31;
  if (jm <= 11) return 30;
  return isJalaliLeap(jy) ? 30 : 29;
}

export function gregorianMonthLength(gy: number, gm: number): number {
  return new Date(Date.UTC(gy, gm, 0)).getUTCDate();
}

export function toGregorian(jy: number, jm: number, jd: number): { gy: number; gm: number; gd: number } {
  return d2g(j2d(jy, jm, jd));
}

export function toJalali(gy: number, gm: number, gd: number): { jy: number; jm: number; jd: number } {
  return d2j(g2d(gy, gm, gd));
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

export function isoDate(gy: number, gm: number, gd: number): string {
  return `${pad(gy, 4)}-${pad(gm)}-${pad(gd)}`;
}

export const JALALI_MONTHS_FA = [
  'فروردین',
  'اردیبهشت',
  'خرداد',
  'تیر',
  'مرداد',
  'شهریور',
  'مهر',
  'آبان',
  'آذر',
  'دی',
  'بهمن',
  'اسفند',
] as const;

export const GREGORIAN_MONTHS_EN = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
] as const;

export interface DateParts {
  year: number;
  month: number;
  day: number;
}

/**
 * The picker's model: year, month, day in the picker's own calendar, with the day clamped when
 * a shorter month is chosen, and the ISO Gregorian date the server takes.
 */
export class BirthdayModel {
  constructor(
    readonly calendar: 'jalali' | 'gregorian',
    public parts: DateParts,
  ) {}

  static starting(calendar: 'jalali' | 'gregorian', today: Date): BirthdayModel {
    // A typical adult's birth year, so the first screen needs few taps.
    const gy = today.getUTCFullYear() - 30;
    if (calendar === 'gregorian') return new BirthdayModel(calendar, { year: gy, month: 1, day: 1 });
    const j = toJalali(gy, 6, 1);
    return new BirthdayModel(calendar, { year: j.jy, month: 1, day: 1 });
  }

  monthLength(year = this.parts.year, month = this.parts.month): number {
    return this.calendar === 'jalali' ? jalaliMonthLength(year, month) : gregorianMonthLength(year, month);
  }

  set(field: keyof DateParts, value: number): void {
    const next = { ...this.parts, [field]: value };
    next.month = Math.min(12, Math.max(1, next.month));
    next.day = Math.min(this.monthLength(next.year, next.month), Math.max(1, next.day));
    this.parts = next;
  }

  step(field: keyof DateParts, delta: number): void {
    if (field === 'month') {
      const m = this.parts.month + delta;
      this.set('month', ((m - 1 + 12) % 12) + 1);
    } else if (field === 'day') {
      const len = this.monthLength();
      this.set('day', ((this.parts.day - 1 + delta + len) % len) + 1);
    } else {
      this.set('year', this.parts.year + delta);
    }
  }

  /** Gregorian YYYY-MM-DD; undefined for a date in the future. */
  iso(today: Date): string | undefined {
    const { year, month, day } = this.parts;
    const g = this.calendar === 'jalali' ? toGregorian(year, month, day) : { gy: year, gm: month, gd: day };
    const iso = isoDate(g.gy, g.gm, g.gd);
    return iso <= today.toISOString().slice(0, 10) ? iso : undefined;
  }
}
