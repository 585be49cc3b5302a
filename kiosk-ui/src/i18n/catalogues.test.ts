import { TIER_CODES } from '@bashgah/protocol';
import { describe, expect, it } from 'vitest';
import { en } from './en.js';
import { fa } from './fa.js';
import type { Messages } from './messages.js';

/** Every string a catalogue can produce, with sample arguments for the message functions. */
function allTexts(m: Messages): string[] {
  const out: string[] = [];
  for (const value of Object.values(m)) {
    if (typeof value === 'string') out.push(value);
    else if (typeof value === 'function') out.push((value as (a: string, n: number) => string)('X', 2));
    else out.push(...Object.values(value as Record<string, string>));
  }
  return out;
}

describe('catalogues', () => {
  it('have the same keys', () => {
    expect(Object.keys(fa).sort()).toEqual(Object.keys(en).sort());
  });

  it('fa has no untranslated Latin text (except the sample argument)', () => {
    const latin = allTexts(fa)
      .map((s) => s.replaceAll('X', ''))
      .filter((s) => /[A-Za-z]/.test(s));
    expect(latin).toEqual([]);
  });

  it('names every tier in both languages, with the glossary words in fa', () => {
    for (const t of TIER_CODES) {
      expect(fa.tiers[t]).toBeTruthy();
      expect(en.tiers[t]).toBeTruthy();
    }
    expect(fa.tiers).toEqual({ bronze: 'برنزی', silver: 'نقره‌ای', gold: 'طلایی', platinum: 'پلاتینیوم' });
  });

  it('uses the glossary wording for the kiosk’s key phrases', () => {
    expect(fa.tapYourCard).toBe('کارت خود را نزدیک کنید');
    expect(fa.balance).toBe('موجودی امتیاز');
    expect(fa.join).toBe('عضویت در باشگاه');
    expect(fa.checkinButton('\u200e+۵۰')).toBe('ثبت حضور (\u200e+۵۰ امتیاز)');
  });

  it('pluralises points in English', () => {
    expect(en.points(1)).toBe('point');
    expect(en.points(2)).toBe('points');
    expect(en.newBalance('1', 1)).toBe('New balance: 1 point');
  });
});
