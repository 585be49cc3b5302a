import { describe, expect, it } from 'vitest';
import { createFormatter, dateLocale, dirFor, isLang, isolate, numberLocale } from './format.js';

const TZ = 'Asia/Tehran';
const fa = createFormatter('fa', { timeZone: TZ });
const en = createFormatter('en', { timeZone: TZ });

describe('direction', () => {
  it('is rtl for Persian and ltr for English', () => {
    expect(dirFor('fa')).toBe('rtl');
    expect(dirFor('en')).toBe('ltr');
  });

  it('knows only the catalogued languages', () => {
    expect(isLang('fa')).toBe(true);
    expect(isLang('en')).toBe(true);
    expect(isLang('ar')).toBe(false);
    expect(isLang(undefined)).toBe(false);
  });
});

describe('numbers', () => {
  it('uses Persian digits and the Persian thousands separator for fa', () => {
    expect(numberLocale('fa')).toBe('fa-IR');
    expect(fa.num(0)).toBe('۰');
    expect(fa.num(1234567)).toBe('۱٬۲۳۴٬۵۶۷');
    expect(fa.num(1234567)).not.toMatch(/[0-9,]/);
  });

  it('uses Latin digits and commas for en', () => {
    expect(en.num(1234567)).toBe('1,234,567');
  });

  it('signs non-zero values, keeping the sign on the left of the digits in RTL', () => {
    // ICU puts LEFT-TO-RIGHT MARK before the sign so "+۵۰" does not flip to "۵۰+" in RTL text.
    expect(fa.signed(50)).toBe('\u200e+۵۰');
    expect(fa.signed(-1200)).toBe('\u200e−۱٬۲۰۰');
    expect(en.signed(50)).toBe('+50');
    expect(en.signed(0)).toBe('0');
  });

  it('prints identifiers without grouping', () => {
    expect(fa.id(100234)).toBe('۱۰۰۲۳۴');
    expect(en.id(100234)).toBe('100234');
  });
});

describe('dates', () => {
  // 22 Nov 2026 10:30 in Tehran (UTC+03:30) is 1 Azar 1405 in the Jalali calendar.
  const at = '2026-11-22T07:00:00.000Z';

  it('uses the Jalali calendar with Persian digits for fa', () => {
    expect(dateLocale('fa')).toBe('fa-IR-u-ca-persian');
    expect(fa.date(at)).toBe('۱۴۰۵/۰۹/۰۱');
    expect(fa.time(at)).toBe('۱۰:۳۰');
  });

  it('uses the Gregorian calendar for en', () => {
    expect(en.date(new Date(at))).toBe('22/11/2026');
    expect(en.time(at)).toBe('10:30');
  });
});

describe('isolate', () => {
  it('wraps text in first-strong-isolate … pop-directional-isolate', () => {
    expect(isolate('Sara Ahmadi')).toBe('\u2068Sara Ahmadi\u2069');
  });
});
