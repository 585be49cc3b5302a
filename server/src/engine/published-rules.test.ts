import { describe, expect, it } from 'vitest';
import { formatDay, formatMoney, renderRules } from './published-rules.js';
import { DEFAULT_RULES, type RuleConfig } from './rules/config.js';

const rules: RuleConfig = {
  ...DEFAULT_RULES,
  categories: { general: 100, coffee: 200 },
  cashback: { basisPoints: 1_000 },
  promotions: [
    {
      id: 'nowruz',
      name: { fa: 'جشنواره نوروز', en: 'Nowruz' },
      multiplierPct: 300,
      from: '2025-03-21',
      to: '2025-04-02',
      weekdays: [5],
    },
  ],
  punchCards: [
    {
      id: 'c5',
      name: { fa: 'کارت مهر قهوه', en: 'Coffee card' },
      category: 'coffee',
      required: 5,
      rewardId: 'free-coffee',
    },
  ],
};
const rewards = [
  { id: 'free-coffee', name_fa: 'قهوه رایگان', name_en: 'Free coffee', points_cost: 100, voucher_days: 30 },
];
const items = (lang: 'fa' | 'en') => renderRules(3, rules, rewards, lang).sections.flatMap((s) => s.items);

describe('published rules', () => {
  it('formats money in Toman with Persian digits and dates in the Jalali calendar', () => {
    expect(formatMoney(100_000, 'IRR', 'fa')).toBe('۱۰٬۰۰۰ تومان');
    expect(formatMoney(100_000, 'IRR', 'en')).toBe('10,000 Toman');
    expect(formatMoney(1_250, 'EUR', 'en')).toBe('12.5 EUR');
    expect(formatDay('2025-03-21', 'fa')).toBe('۱ فروردین ۱۴۰۴');
    expect(formatDay('2025-03-21', 'en')).toBe('21 March 2025');
  });

  it('says in Persian what the engine does', () => {
    const fa = items('fa');
    expect(fa).toContain('به ازای هر ۱۰٬۰۰۰ تومان خرید، ۱ امتیاز کسب می‌کنید.');
    expect(fa).toContain('خرید از دسته «coffee» ۲ برابر امتیاز دارد.');
    expect(fa).toContain('اعضای سطح نقره‌ای ۱٫۲۵ برابر امتیاز خرید می‌گیرند.');
    expect(fa.find((i) => i.startsWith('جشنواره نوروز'))).toBe(
      'جشنواره نوروز: ۳ برابر امتیاز از ۱ فروردین ۱۴۰۴ تا ۱۳ فروردین ۱۴۰۴ (جمعه‌ها). جشنواره‌ها با هم جمع نمی‌شوند؛ بیشترین ضریب حساب می‌شود.',
    );
    expect(fa).toContain('۱۰٪ مبلغ هر خرید به‌صورت اعتبار خرید برای خرید بعدی به شما برمی‌گردد.');
    expect(fa).toContain('کارت مهر قهوه: ۵ خرید از «coffee»، ۱ هدیه (قهوه رایگان)');
    expect(fa).toContain('نقره‌ای: ۱٬۰۰۰ امتیاز در ۳۶۵ روز گذشته');
    expect(fa.join(' ')).not.toMatch(/[0-9]/);
  });

  it('says the same in English', () => {
    const en = items('en');
    expect(en).toContain('Earn 1 point for every 10,000 Toman you spend.');
    expect(en).toContain('Silver members earn ×1.25 purchase points.');
    expect(en).toContain('Check in at the kiosk for 10 points, once a day in each store.');
    expect(en).toContain(
      'Points expire 365 days after you earn them, and your oldest points are always used first. We remind you before they expire.',
    );
    expect(en).toContain('Points from a purchase can be spent 14 days after it (the return period).');
    expect(en).toContain('Free coffee: 100 points (voucher valid 30 days)');
  });

  it('leaves out rules that award nothing', () => {
    const quiet = renderRules(
      1,
      { ...DEFAULT_RULES, survey: { points: 0 }, welcome: { points: 0 } },
      [],
      'en',
    );
    const all = quiet.sections.flatMap((s) => s.items).join('\n');
    expect(all).not.toMatch(/Answer a survey|when you join/);
    expect(quiet.sections.map((s) => s.id)).toEqual(['earn', 'tiers', 'expiry', 'redeem']);
  });
});
