import { describe, expect, it } from 'vitest';
import { vazirmatnFonts } from './fonts.js';
import { fitsPrinterFont } from './receipt.js';
import { renderReceipt } from './render.js';
import { receiptToSvg } from './render-svg.js';
import { formatterFor, voucherReceipt } from './templates/index.js';

const ctx = (lang: 'fa' | 'en') => ({
  lang,
  storeName: lang === 'fa' ? 'فروشگاه نمونه' : 'Sample Store',
  timeZone: 'Asia/Tehran',
  now: new Date('2026-11-22T10:30:00Z'),
});
const voucher = {
  code: 'BG-7K3Q',
  rewardName: 'Free coffee',
  pointsSpent: 1500,
  expiresAt: new Date('2026-12-21T12:00:00Z'),
  memberNumber: 1042,
};

describe('formatting', () => {
  it('gives Persian receipts Jalali dates, Persian digits and the Persian separator', () => {
    const f = formatterFor('fa', 'Asia/Tehran');
    expect(f.date(new Date('2026-11-22T10:00:00Z'))).toBe('۱۴۰۵/۰۹/۰۱');
    expect(f.amount(1234567)).toBe('۱٬۲۳۴٬۵۶۷');
    expect(f.plain(1042)).toBe('۱۰۴۲');
    expect(formatterFor('en', 'Asia/Tehran').date(new Date('2026-11-22T10:00:00Z'))).toBe('2026-11-22');
  });
});

describe('renderer choice', () => {
  it('prints Latin-only receipts as ESC/POS text and Persian ones as raster', () => {
    const en = voucherReceipt(voucher, ctx('en'));
    expect(fitsPrinterFont(en)).toBe(true);
    const text = renderReceipt(en, { paper: 58, fonts: vazirmatnFonts() });
    expect(text.mode).toBe('text');
    expect(Buffer.from(text.bytes).toString('latin1')).toContain('Free coffee');

    const fa = renderReceipt(voucherReceipt(voucher, ctx('fa')), { paper: 80, fonts: vazirmatnFonts() });
    expect(fa.mode).toBe('raster');
    expect(fa.bitmap?.width).toBe(576);
    // An English receipt for a member with a Persian name cannot use the printer font either.
    expect(fitsPrinterFont(voucherReceipt({ ...voucher, rewardName: 'قهوه' }, ctx('en')))).toBe(false);
  });

  it('lays out each Persian line as one whole <text> run isolated right-to-left', () => {
    const { svg } = receiptToSvg(voucherReceipt(voucher, ctx('fa')), 58, 'Vazirmatn');
    expect(svg).toContain('>\u2067کد جایزه\u2069</text>');
    expect(svg).not.toContain('<tspan');
    expect(svg).toMatch(/text-anchor="end">\u2067تاریخ انقضا/);
  });
});
