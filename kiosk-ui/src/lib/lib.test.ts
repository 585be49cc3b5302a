import { describe, expect, it } from 'vitest';
import { createFormatter } from '../i18n/format.js';
import { localDigits, toLatinDigits, toPersianDigits } from './digits.js';
import { BirthdayModel, isJalaliLeap, jalaliMonthLength, toGregorian, toJalali } from './jalali.js';
import { applyKey, type FieldRules, KEYBOARD_ROWS, titleCase } from './keypad.js';
import { checkMobile, groupMobile } from './phone.js';

describe('digits', () => {
  it('converts Persian and Arabic-Indic digits to Latin and back', () => {
    expect(toLatinDigits('۰۹۱۲٣٤٥')).toBe('0912345');
    expect(toPersianDigits('0912')).toBe('۰۹۱۲');
    expect(localDigits('1042', 'en')).toBe('1042');
    expect(localDigits('1042', 'fa')).toBe('۱۰۴۲');
  });
});

describe('phone validation', () => {
  it('accepts 09xxxxxxxxx in any digits and common prefixes', () => {
    for (const input of [
      '09121234567',
      '۰۹۱۲۱۲۳۴۵۶۷',
      '٠٩١٢١٢٣٤٥٦٧',
      '+989121234567',
      '00989121234567',
      '9121234567',
      '0912 123-4567',
    ]) {
      expect(checkMobile(input)).toEqual({ ok: true, phone: '09121234567' });
    }
  });

  it('says why a number is not accepted', () => {
    expect(checkMobile('')).toEqual({ ok: false, reason: 'empty' });
    expect(checkMobile('0912')).toEqual({ ok: false, reason: 'incomplete' });
    expect(checkMobile('02112345678')).toEqual({ ok: false, reason: 'not-mobile' });
    expect(checkMobile('091212345678')).toEqual({ ok: false, reason: 'too-long' });
    expect(checkMobile('09a2')).toEqual({ ok: false, reason: 'not-mobile' });
  });

  it('groups for reading', () => {
    expect(groupMobile('09121234567')).toBe('0912 123 4567');
    expect(groupMobile('0912')).toBe('0912');
  });
});

describe('keypad', () => {
  const phone: FieldRules = { maxLength: 11, digitsOnly: true };
  it('appends digits as Latin, ignores others, stops at the maximum', () => {
    let v = '';
    for (const ch of ['۰', '9', 'x', '١']) v = applyKey(v, { kind: 'char', char: ch }, phone);
    expect(v).toBe('091');
    v = applyKey('09121234567', { kind: 'char', char: '8' }, phone);
    expect(v).toBe('09121234567');
  });

  it('backspace removes one character (a whole Persian letter), clear empties', () => {
    expect(applyKey('سارا', { kind: 'backspace' }, { maxLength: 80 })).toBe('سار');
    expect(applyKey('', { kind: 'backspace' }, phone)).toBe('');
    expect(applyKey('0912', { kind: 'clear' }, phone)).toBe('');
  });

  it('keeps single spaces between words', () => {
    const name: FieldRules = { maxLength: 80 };
    expect(applyKey('', { kind: 'char', char: ' ' }, name)).toBe('');
    expect(applyKey('Sara ', { kind: 'char', char: ' ' }, name)).toBe('Sara ');
    expect(applyKey('Sara', { kind: 'char', char: ' ' }, name)).toBe('Sara ');
  });

  it('has Persian and English layouts, every key one character', () => {
    for (const rows of Object.values(KEYBOARD_ROWS)) {
      for (const key of rows.flat()) expect([...key]).toHaveLength(1);
    }
    expect(KEYBOARD_ROWS.fa.flat()).toContain('پ');
    expect(titleCase('sara ahmadi')).toBe('Sara Ahmadi');
  });
});

describe('Jalali date picker model', () => {
  it('converts known dates both ways', () => {
    expect(toGregorian(1403, 1, 1)).toEqual({ gy: 2024, gm: 3, gd: 20 });
    expect(toJalali(2024, 3, 20)).toEqual({ jy: 1403, jm: 1, jd: 1 });
    expect(toGregorian(1369, 10, 11)).toEqual({ gy: 1991, gm: 1, gd: 1 });
    expect(toJalali(2026, 11, 22)).toEqual({ jy: 1405, jm: 9, jd: 1 });
  });

  it('knows month lengths and leap years', () => {
    expect(jalaliMonthLength(1402, 1)).toBe(31);
    expect(jalaliMonthLength(1402, 7)).toBe(30);
    expect(isJalaliLeap(1403)).toBe(true);
    expect(jalaliMonthLength(1403, 12)).toBe(30);
    expect(jalaliMonthLength(1404, 12)).toBe(29);
  });

  it('clamps the day when the month gets shorter, wraps steps, and gives ISO Gregorian', () => {
    const today = new Date('2026-11-22T00:00:00Z');
    const m = new BirthdayModel('jalali', { year: 1369, month: 6, day: 31 });
    m.set('month', 7);
    expect(m.parts).toEqual({ year: 1369, month: 7, day: 30 });
    m.step('month', -7);
    expect(m.parts.month).toBe(12);
    m.set('month', 10);
    m.set('day', 11);
    expect(m.iso(today)).toBe('1991-01-01');
    const g = new BirthdayModel('gregorian', { year: 2024, month: 2, day: 29 });
    g.step('year', 1);
    expect(g.parts).toEqual({ year: 2025, month: 2, day: 28 });
    expect(new BirthdayModel('gregorian', { year: 2030, month: 1, day: 1 }).iso(today)).toBeUndefined();
    expect(BirthdayModel.starting('jalali', today).parts.year).toBe(1375);
  });
});

describe('number formatting', () => {
  it('groups with the Persian separator and digits in fa, Latin in en', () => {
    expect(createFormatter('fa').num(1234567)).toBe('۱٬۲۳۴٬۵۶۷');
    expect(createFormatter('en').num(1234567)).toBe('1,234,567');
    expect(createFormatter('fa').id(1042)).toBe('۱۰۴۲');
    expect(createFormatter('fa', { timeZone: 'Asia/Tehran' }).date('2026-11-22T10:00:00Z')).toBe(
      '۱۴۰۵/۰۹/۰۱',
    );
  });
});
