import { TIER_CODES, type TierCode } from '@bashgah/protocol';
import type { Queryable } from '../db/sqlite.js';
import type { RuleConfig } from './rules/config.js';
import { activeRules } from './rules/store.js';

/**
 * The club's rules in plain Persian and English, generated from the live rule set and catalog, so
 * what members read is always what the engine does. Persian uses Persian digits, the Persian
 * thousands separator and Jalali dates; money in IRR is shown in Toman (1 Toman = 10 Rial).
 */

export type Lang = 'fa' | 'en';

export interface PublishedRules {
  version: number;
  lang: Lang;
  title: string;
  sections: Array<{ id: string; title: string; items: string[] }>;
}

const TIER_NAMES: Record<TierCode, Record<Lang, string>> = {
  bronze: { fa: 'برنزی', en: 'Bronze' },
  silver: { fa: 'نقره‌ای', en: 'Silver' },
  gold: { fa: 'طلایی', en: 'Gold' },
  platinum: { fa: 'پلاتینیوم', en: 'Platinum' },
};
const WEEKDAYS: Record<Lang, string[]> = {
  fa: ['یکشنبه', 'دوشنبه', 'سه‌شنبه', 'چهارشنبه', 'پنجشنبه', 'جمعه', 'شنبه'],
  en: ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'],
};

export function formatNumber(n: number, lang: Lang): string {
  return new Intl.NumberFormat(lang === 'fa' ? 'fa-IR' : 'en-US', { maximumFractionDigits: 2 }).format(n);
}

/** Money in minor units as members read it: IRR in Toman, others in major units with the code. */
export function formatMoney(minor: number, currency: string, lang: Lang): string {
  if (currency === 'IRR') return `${formatNumber(minor / 10, lang)} ${lang === 'fa' ? 'تومان' : 'Toman'}`;
  return `${formatNumber(minor / 100, lang)} ${currency}`;
}

/** A club day (YYYY-MM-DD) as a Jalali date in Persian, or a plain Gregorian date in English. */
export function formatDay(day: string, lang: Lang): string {
  const at = new Date(`${day}T12:00:00Z`);
  return new Intl.DateTimeFormat(lang === 'fa' ? 'fa-IR-u-ca-persian' : 'en-GB', {
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    timeZone: 'UTC',
  }).format(at);
}

const times = (pct: number, lang: Lang) =>
  lang === 'fa' ? `${formatNumber(pct / 100, 'fa')} برابر` : `×${formatNumber(pct / 100, 'en')}`;

export function renderRules(
  version: number,
  c: RuleConfig,
  rewards: Array<{ id: string; name_fa: string; name_en: string; points_cost: number; voucher_days: number }>,
  lang: Lang,
): PublishedRules {
  const n = (x: number) => formatNumber(x, lang);
  const fa = lang === 'fa';
  const per = formatMoney(c.spend.perAmountMinor, c.currency, lang);
  const earn: string[] = [
    fa
      ? `به ازای هر ${per} خرید، ${n(c.spend.points)} امتیاز کسب می‌کنید.`
      : `Earn ${n(c.spend.points)} point${c.spend.points === 1 ? '' : 's'} for every ${per} you spend.`,
  ];
  for (const [cat, pct] of Object.entries(c.categories)) {
    if (pct === 100) continue;
    earn.push(
      fa
        ? `خرید از دسته «${cat}» ${times(pct, lang)} امتیاز دارد.`
        : `Purchases in “${cat}” earn ${times(pct, lang)} points.`,
    );
  }
  for (const t of TIER_CODES) {
    const pct = c.tiers.levels[t].multiplierPct;
    if (pct === 100) continue;
    earn.push(
      fa
        ? `اعضای سطح ${TIER_NAMES[t].fa} ${times(pct, lang)} امتیاز خرید می‌گیرند.`
        : `${TIER_NAMES[t].en} members earn ${times(pct, lang)} purchase points.`,
    );
  }
  for (const p of c.promotions) {
    const days = p.weekdays ? p.weekdays.map((d) => WEEKDAYS[lang][d]).join(fa ? '، ' : ', ') : undefined;
    const cats = p.categories?.map((x) => `«${x}»`).join(fa ? '، ' : ', ');
    earn.push(
      fa
        ? `${p.name.fa}: ${times(p.multiplierPct, lang)} امتیاز از ${formatDay(p.from, lang)} تا ${formatDay(p.to, lang)}` +
            `${days ? ` (${days}\u200cها)` : ''}${cats ? ` برای خرید از ${cats}` : ''}. جشنواره‌ها با هم جمع نمی‌شوند؛ بیشترین ضریب حساب می‌شود.`
        : `${p.name.en}: ${times(p.multiplierPct, lang)} points from ${formatDay(p.from, lang)} to ${formatDay(p.to, lang)}` +
            `${days ? ` on ${days}` : ''}${cats ? ` on ${cats}` : ''}. Promotions do not add up; the best one counts.`,
    );
  }
  if (c.checkin.points > 0) {
    earn.push(
      fa
        ? `با ثبت حضور در کیوسک، روزی یک بار در هر فروشگاه ${n(c.checkin.points)} امتیاز بگیرید.`
        : `Check in at the kiosk for ${n(c.checkin.points)} points, once a day in each store.`,
    );
  }
  if (c.welcome.points > 0) {
    earn.push(
      fa
        ? `با عضویت در باشگاه ${n(c.welcome.points)} امتیاز هدیه بگیرید.`
        : `Get ${n(c.welcome.points)} points when you join.`,
    );
  }
  if (c.birthday.points > 0) {
    earn.push(
      fa
        ? `هدیه تولد: سالی یک بار ${n(c.birthday.points)} امتیاز، از ${n(c.birthday.daysBefore)} روز پیش تا ${n(c.birthday.daysAfter)} روز پس از تولدتان.`
        : `Birthday gift: ${n(c.birthday.points)} points once a year, from ${n(c.birthday.daysBefore)} days before to ${n(c.birthday.daysAfter)} days after your birthday.`,
    );
  }
  if (c.referral.referrerPoints > 0 || c.referral.refereePoints > 0) {
    earn.push(
      fa
        ? `معرفی دوستان: با ثبت اولین خرید دوستتان، شما ${n(c.referral.referrerPoints)} و دوستتان ${n(c.referral.refereePoints)} امتیاز می‌گیرید.`
        : `Refer a friend: when their first purchase is recorded, you get ${n(c.referral.referrerPoints)} points and they get ${n(c.referral.refereePoints)}.`,
    );
  }
  if (c.survey.points > 0) {
    earn.push(
      fa
        ? `با پاسخ به هر نظرسنجی ${n(c.survey.points)} امتیاز بگیرید.`
        : `Answer a survey for ${n(c.survey.points)} points.`,
    );
  }
  earn.push(
    fa
      ? 'امتیازهای هدیه (ثبت حضور، عضویت، تولد، معرفی، نظرسنجی) در ضریب سطح یا جشنواره ضرب نمی‌شوند.'
      : 'Bonus points (check-in, welcome, birthday, referral, survey) are not multiplied by tier or promotions.',
  );
  if (c.cashback.basisPoints > 0) {
    const pct = `${formatNumber(c.cashback.basisPoints / 100, lang)}${fa ? '٪' : '%'}`;
    earn.push(
      fa
        ? `${pct} مبلغ هر خرید به‌صورت اعتبار خرید برای خرید بعدی به شما برمی‌گردد.`
        : `${pct} of every purchase comes back to you as store credit for your next purchase.`,
    );
  }

  const tiers = TIER_CODES.map((t) => {
    const th = c.tiers.levels[t].threshold;
    const measure =
      c.tiers.measure === 'points'
        ? fa
          ? `${n(th)} امتیاز`
          : `${n(th)} points earned`
        : fa
          ? `${formatMoney(th, c.currency, lang)} خرید`
          : `${formatMoney(th, c.currency, lang)} spent`;
    if (th === 0)
      return fa ? `${TIER_NAMES[t].fa}: سطح آغاز عضویت` : `${TIER_NAMES[t].en}: where every member starts`;
    return fa
      ? `${TIER_NAMES[t].fa}: ${measure} در ${n(c.tiers.windowDays)} روز گذشته`
      : `${TIER_NAMES[t].en}: ${measure} in the last ${n(c.tiers.windowDays)} days`;
  });
  tiers.push(
    fa
      ? `ارتقای سطح بلافاصله انجام می‌شود؛ سطح هر ${n(c.tiers.requalifyEveryDays)} روز یک بار بازبینی می‌شود و فقط در آن زمان ممکن است کاهش یابد.`
      : `You move up at once; tiers are reviewed every ${n(c.tiers.requalifyEveryDays)} days and can only go down at a review.`,
  );

  const expiry = [
    fa
      ? `امتیازها ${n(c.lots.lifetimeDays)} روز پس از کسب منقضی می‌شوند و همیشه ابتدا قدیمی‌ترین امتیازها خرج می‌شوند. پیش از انقضا به شما یادآوری می‌کنیم.`
      : `Points expire ${n(c.lots.lifetimeDays)} days after you earn them, and your oldest points are always used first. We remind you before they expire.`,
  ];
  if (c.lots.pendingDays > 0) {
    expiry.push(
      fa
        ? `امتیاز هر خرید ${n(c.lots.pendingDays)} روز پس از خرید (مهلت مرجوعی) قابل استفاده می‌شود.`
        : `Points from a purchase can be spent ${n(c.lots.pendingDays)} days after it (the return period).`,
    );
  }
  expiry.push(
    fa
      ? 'اگر خریدی را مرجوع کنید، امتیاز و اعتبار آن خرید به همان نسبت کسر می‌شود.'
      : 'If you return a purchase, the points and credit it earned are taken back in proportion.',
  );

  const redeem = [
    fa
      ? 'جایزه را در کیوسک انتخاب کنید؛ امتیاز آن کسر و حواله‌ای با کد جایزه چاپ می‌شود. لازم نیست همهٔ امتیازهایتان را خرج کنید.'
      : 'Choose a reward at the kiosk: its points are taken and a voucher with a reward code is printed. You never have to spend all your points.',
    fa
      ? 'هر حواله یک بار در صندوق استفاده می‌شود. حوالهٔ استفاده‌نشده را می‌توانید لغو کنید تا امتیازش برگردد.'
      : 'Each voucher is used once at the till. Cancel an unused voucher to get its points back.',
    ...rewards.map((r) =>
      fa
        ? `${r.name_fa}: ${n(r.points_cost)} امتیاز (حواله ${n(r.voucher_days)} روز اعتبار دارد)`
        : `${r.name_en}: ${n(r.points_cost)} points (voucher valid ${n(r.voucher_days)} days)`,
    ),
  ];
  const punch = c.punchCards.map((p) => {
    const reward = rewards.find((r) => r.id === p.rewardId);
    return fa
      ? `${p.name.fa}: ${n(p.required)} خرید از «${p.category}»، ۱ هدیه${reward ? ` (${reward.name_fa})` : ''}`
      : `${p.name.en}: buy ${n(p.required)} “${p.category}” items, get 1 free${reward ? ` (${reward.name_en})` : ''}`;
  });

  const sections = [
    { id: 'earn', title: fa ? 'کسب امتیاز' : 'Earning points', items: earn },
    ...(punch.length ? [{ id: 'punch-cards', title: fa ? 'کارت مهر' : 'Punch cards', items: punch }] : []),
    { id: 'tiers', title: fa ? 'سطح‌ها' : 'Tiers', items: tiers },
    { id: 'expiry', title: fa ? 'انقضا و مرجوعی' : 'Expiry and returns', items: expiry },
    { id: 'redeem', title: fa ? 'دریافت جایزه' : 'Claiming rewards', items: redeem },
  ];
  return { version, lang, title: fa ? 'قوانین باشگاه مشتریان' : 'Customer club rules', sections };
}

/** The rules as they stand now, with the rewards on offer to everyone. */
export async function publishedRules(
  db: Queryable,
  lang: Lang,
  now: Date = new Date(),
): Promise<PublishedRules> {
  const { version, config } = await activeRules(db);
  const at = now.toISOString();
  const rewards = await db.all<{
    id: string;
    name_fa: string;
    name_en: string;
    points_cost: number;
    voucher_days: number;
  }>(
    `SELECT id, name_fa, name_en, points_cost, voucher_days FROM rewards
     WHERE active = 1 AND (valid_from IS NULL OR valid_from <= ?) AND (valid_to IS NULL OR valid_to > ?)
     ORDER BY points_cost, id LIMIT 30`,
    [at, at],
  );
  return renderRules(version, config, rewards, lang);
}
