import { describe, expect, it } from 'vitest';
import { maskPhone, normaliseIranMobile } from './phone.js';

describe('Iranian mobile numbers', () => {
  it.each([
    ['09121234567', '+989121234567'],
    ['9121234567', '+989121234567'],
    ['+989121234567', '+989121234567'],
    ['00989121234567', '+989121234567'],
    ['989121234567', '+989121234567'],
    ['0912 123 4567', '+989121234567'],
    ['0912-123-4567', '+989121234567'],
    ['۰۹۱۲۱۲۳۴۵۶۷', '+989121234567'],
    ['٠٩١٢١٢٣٤٥٦٧', '+989121234567'],
    ['+۹۸ ۹۳۵ ۱۱۱ ۲۲۳۳', '+989351112233'],
  ])('%s → %s', (input, expected) => {
    expect(normaliseIranMobile(input)).toBe(expected);
  });

  it.each([
    '02188776655', // Tehran landline
    '0912123456', // one digit short
    '091212345678', // one digit long
    '08121234567', // not a 09 prefix
    '+449121234567', // another country
    '0912abc4567',
    '',
  ])('refuses %s', (input) => {
    expect(normaliseIranMobile(input)).toBeUndefined();
  });

  it('masks the middle digits', () => {
    expect(maskPhone('+989121234567')).toBe('0912***4567');
  });
});
