export { type BalanceData, balanceReceipt } from './balance.js';
export type { TemplateContext } from './context.js';
export { type Formatter, formatterFor } from './format.js';
export { STRINGS } from './strings.js';
export { type TestPageData, testPageReceipt } from './test-page.js';
export { type VoucherData, voucherReceipt } from './voucher.js';
export { type WelcomeData, welcomeReceipt } from './welcome.js';
