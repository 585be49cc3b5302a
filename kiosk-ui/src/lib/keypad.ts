import { toLatinDigits } from './digits.js';

/** What a key on the on-screen keypad or keyboard does. */
export type KeyAction = { kind: 'char'; char: string } | { kind: 'backspace' } | { kind: 'clear' };

export interface FieldRules {
  maxLength: number;
  /** Only digits (stored as Latin); letters and anything else are ignored. */
  digitsOnly?: boolean;
}

/**
 * Applies one key press to a field's value. Pure, so the keypad and keyboard components stay thin
 * and the rules are tested without a browser. Digits are kept in Latin form whatever the key shows.
 */
export function applyKey(value: string, key: KeyAction, rules: FieldRules): string {
  switch (key.kind) {
    case 'backspace':
      return [...value].slice(0, -1).join('');
    case 'clear':
      return '';
    case 'char': {
      const ch = rules.digitsOnly ? toLatinDigits(key.char) : key.char;
      if (rules.digitsOnly && !/^\d$/.test(ch)) return value;
      // Nothing but a single space between words, and no leading space.
      if (ch === ' ' && (value === '' || value.endsWith(' '))) return value;
      if ([...value].length >= rules.maxLength) return value;
      return value + ch;
    }
  }
}

/** The keypad's rows: 1-9 then clear, 0, backspace (phone layout, same in both languages). */
export const KEYPAD_ROWS: readonly (readonly string[])[] = [
  ['1', '2', '3'],
  ['4', '5', '6'],
  ['7', '8', '9'],
  ['clear', '0', 'backspace'],
];

/** On-screen keyboard layouts for names: Persian (standard ISIRI 9147 order) and English QWERTY. */
export const KEYBOARD_ROWS: Record<'fa' | 'en', readonly (readonly string[])[]> = {
  fa: [
    ['ض', 'ص', 'ث', 'ق', 'ف', 'غ', 'ع', 'ه', 'خ', 'ح', 'ج', 'چ'],
    ['ش', 'س', 'ی', 'ب', 'ل', 'ا', 'ت', 'ن', 'م', 'ک', 'گ'],
    ['ظ', 'ط', 'ز', 'ر', 'ذ', 'د', 'پ', 'و', 'ژ', 'آ'],
  ],
  en: [
    ['q', 'w', 'e', 'r', 't', 'y', 'u', 'i', 'o', 'p'],
    ['a', 's', 'd', 'f', 'g', 'h', 'j', 'k', 'l'],
    ['z', 'x', 'c', 'v', 'b', 'n', 'm'],
  ],
};

/** Capitalises the first letter of each word for Latin names typed in lower case. */
export function titleCase(s: string): string {
  return s.replace(/(^|\s)([a-z])/g, (_m, sp: string, c: string) => sp + c.toUpperCase());
}
