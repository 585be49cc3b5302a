/**
 * Automatic messages, in both languages. Variables in {{braces}}; numbers and dates are formatted
 * for the member's language before they are filled in. Texts use the club's own words (glossary).
 */
export const MESSAGE_KINDS = [
  'welcome',
  'points-earned',
  'voucher',
  'birthday',
  'expiry-reminder',
  'win-back',
  'campaign',
] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

/** Transactional messages go to any member who has not opted out; the rest need marketing consent. */
export const TRANSACTIONAL: ReadonlySet<MessageKind> = new Set(['welcome', 'voucher', 'points-earned']);

export const TEMPLATES: Record<MessageKind, { fa: string; en: string }> = {
  welcome: {
    fa: '{{name}} عزیز، عضویت شما در باشگاه مشتریان ثبت شد. شماره عضویت: {{number}}',
    en: 'Welcome to the customer club, {{name}}! Your member number is {{number}}.',
  },
  'points-earned': {
    fa: '{{points}} امتیاز به حساب شما افزوده شد. موجودی امتیاز: {{balance}}',
    en: 'You earned {{points}} points. Points balance: {{balance}}.',
  },
  voucher: {
    fa: 'کد جایزه شما برای «{{reward}}»: {{code}} — معتبر تا {{date}}',
    en: 'Your voucher for "{{reward}}": {{code}} — valid until {{date}}.',
  },
  birthday: {
    fa: '{{name}} عزیز، تولدتان مبارک! هدیه تولد شما در باشگاه منتظر شماست.',
    en: 'Happy birthday, {{name}}! Your birthday gift is waiting at the club.',
  },
  'expiry-reminder': {
    fa: '{{points}} امتیاز شما در تاریخ {{date}} منقضی می‌شود. از امتیازهای خود استفاده کنید.',
    en: '{{points}} of your points expire on {{date}}. Use them before then.',
  },
  'win-back': {
    fa: '{{name}} عزیز، دلمان برایتان تنگ شده! موجودی امتیاز شما: {{balance}}',
    en: 'We miss you, {{name}}! You have {{balance}} points waiting.',
  },
  campaign: { fa: '{{text}}', en: '{{text}}' },
};

export type Lang = 'fa' | 'en';

export function formatNumberFor(n: number, lang: Lang): string {
  return new Intl.NumberFormat(lang === 'fa' ? 'fa-IR' : 'en-US').format(n);
}

export function formatDateFor(iso: string, lang: Lang, timeZone: string): string {
  return new Intl.DateTimeFormat(lang === 'fa' ? 'fa-IR-u-ca-persian' : 'en-GB', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(new Date(iso));
}

/** Fills {{vars}}; an unknown variable is left visible rather than silently dropped. */
export function render(template: string, vars: Record<string, string | number>, lang: Lang): string {
  return template.replace(/\{\{(\w+)\}\}/g, (whole, name: string) => {
    const v = vars[name];
    if (v === undefined) return whole;
    return typeof v === 'number' ? formatNumberFor(v, lang) : v;
  });
}
