import type { Messages } from './messages.js';

/** Persian (default). Words follow shared/glossary-fa.md. */
export const fa: Messages = {
  languageName: 'فارسی',
  switchLanguage: 'تغییر زبان',

  clubName: 'باشگاه مشتریان',

  welcome: 'به باشگاه مشتریان خوش آمدید',
  tapYourCard: 'کارت خود را نزدیک کنید',
  tapHow: 'کارت عضویت را روی کارتخوان زیر صفحه نگه دارید',
  readerMissing: 'کارتخوان در دسترس نیست. لطفاً به همکاران فروشگاه اطلاع دهید.',
  readerSimulated: 'کارتخوان آزمایشی',

  greeting: (name) => `سلام ${name}، خوش آمدید`,
  memberNumber: (n) => `شماره عضویت: ${n}`,
  balance: 'موجودی امتیاز',
  points: () => 'امتیاز',
  tier: 'سطح',
  tiers: { bronze: 'برنزی', silver: 'نقره‌ای', gold: 'طلایی', platinum: 'پلاتینیوم' },
  checkinButton: (p) => `ثبت حضور (${p} امتیاز)`,
  checkinSending: 'در حال ثبت حضور…',
  checkinWaiting: 'حضور شما ثبت شد، در حال محاسبهٔ امتیاز…',
  checkinApplied: 'حضور شما ثبت شد',
  checkinAwarded: (p) => `${p} امتیاز`,
  newBalance: (p) => `موجودی جدید: ${p} امتیاز`,
  checkinQueued: 'حضور شما ثبت شد. امتیاز آن به‌زودی به حسابتان اضافه می‌شود.',
  checkinDuplicate: 'حضور امروز شما قبلاً ثبت شده است.',
  checkinRejected: 'ثبت حضور انجام نشد. لطفاً به همکاران فروشگاه مراجعه کنید.',
  checkinFailed: 'ارتباط با دستگاه برقرار نشد. لطفاً دوباره تلاش کنید.',
  checkinDoneToday: 'حضور امروز شما ثبت شده است',
  tryAgain: 'تلاش دوباره',
  cachedNote: (date, time) => `نمایش از اطلاعات ذخیره‌شده (آخرین به‌روزرسانی ${date}، ساعت ${time})`,
  done: 'پایان',
  autoClose: 'این صفحه پس از چند ثانیه بی‌فعالیتی بسته می‌شود',

  unknownTitle: 'این کارت شناسایی نشد',
  unknownBody: 'هنوز عضو باشگاه نیستید؟ عضو شوید و با هر خرید امتیاز بگیرید.',
  join: 'عضویت در باشگاه',
  joinSoon: 'عضویت از روی کیوسک به‌زودی فعال می‌شود. فعلاً برای عضویت به صندوق مراجعه کنید.',
  tapAgain: 'اگر عضو هستید، کارت را دوباره نزدیک کنید.',

  outOfService: 'این کیوسک موقتاً خارج از سرویس است',
  outOfServiceBody: 'لطفاً برای امور باشگاه مشتریان به صندوق مراجعه کنید.',

  linkOnline: 'آنلاین',
  linkOffline: 'آفلاین',
  linkConnecting: 'در حال اتصال…',
  linkLost: 'عدم اتصال به دستگاه',
  outbox: (n) => `${n} مورد در صف ارسال`,
};
