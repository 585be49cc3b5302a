import { describe, expect, it } from 'vitest';
import { jalaliToGregorian, parseBirthday } from './jalali.js';

describe('Jalali dates', () => {
  it.each([
    [1404, 1, 1, '2025-03-21'], // Nowruz 1404
    [1403, 12, 30, '2025-03-20'], // 1403 is a leap year: Esfand has 30 days
    [1402, 12, 29, '2024-03-19'],
    [1369, 10, 11, '1991-01-01'],
    [1402, 12, 30, undefined], // 1402 is not a leap year
    [1403, 7, 31, undefined], // Mehr has 30 days
    [1403, 13, 1, undefined],
  ])('%i/%i/%i → %s', (jy, jm, jd, expected) => {
    expect(jalaliToGregorian(jy, jm, jd)).toBe(expected);
  });

  const today = new Date('2025-06-01T00:00:00Z');
  it.each([
    ['1369/10/11', '1991-01-01'],
    ['۱۳۶۹/۱۰/۱۱', '1991-01-01'],
    ['1991-01-01', '1991-01-01'],
    ['1992-02-29', '1992-02-29'],
    ['1991-02-29', undefined],
    ['2030-01-01', undefined], // in the future
    ['01/01/1991', undefined], // ambiguous order: refused, not guessed
    ['yesterday', undefined],
  ])('birthday %s → %s', (input, expected) => {
    expect(parseBirthday(input, today)).toBe(expected);
  });
});
