import type { ActivityEntry, TierCode } from '@bashgah/protocol';
import type { Lang } from './format.js';

/**
 * Every string the kiosk shows. Components never hold text of their own. Functions take values
 * already formatted for the language (digits, separators, isolation), plus a raw count where the
 * grammar depends on it.
 */
export interface Messages {
  /** This language's name in itself, shown on the switch that selects it. */
  languageName: string;
  switchLanguage: string;

  clubName: string;

  // idle
  welcome: string;
  tapYourCard: string;
  tapHow: string;
  readerMissing: string;
  readerSimulated: string;

  // member
  greeting(name: string): string;
  memberNumber(number: string): string;
  balance: string;
  points(count: number): string;
  tier: string;
  tiers: Record<TierCode, string>;
  checkinButton(points: string): string;
  checkinSending: string;
  checkinWaiting: string;
  checkinApplied: string;
  checkinAwarded(signedPoints: string, count: number): string;
  newBalance(points: string, count: number): string;
  checkinQueued: string;
  checkinDuplicate: string;
  checkinRejected: string;
  checkinFailed: string;
  checkinDoneToday: string;
  tryAgain: string;
  cachedNote(date: string, time: string): string;
  done: string;
  autoClose: string;

  // member home
  visitBonus(signedPoints: string, count: number): string;
  visitPending: string;
  spendable(points: string): string;
  tierProgress(remaining: string, nextTier: string, measure: 'points' | 'spend'): string;
  tierTop: string;
  punchCards: string;
  punchProgress(stamps: string, required: string): string;
  expiring(points: string, date: string): string;
  nothingExpiring: string;
  rewardsNow: string;
  rewardsNone: string;
  rewardNext(points: string, name: string): string;
  recentActivity: string;
  lastActivity(date: string): string;
  noActivity: string;
  maskedPhone(phone: string): string;
  cost(points: string): string;

  // claim
  claim: string;
  claimTitle: string;
  claimCost: string;
  claimBalanceNow: string;
  claimBalanceAfter: string;
  claimKeep: string;
  confirm: string;
  cancel: string;
  claimSending: string;
  claimWaiting: string;
  claimQueuedOffline: string;
  voucherReady: string;
  voucherCode: string;
  voucherExpires(date: string): string;
  printing: string;
  printed: string;
  printFailed: string;
  noPrinter: string;
  voucherSms(phone: string): string;
  claimRejected(code: string): string;
  back: string;

  // signup
  signupTitle: string;
  stepOf(step: string, total: string): string;
  phoneLabel: string;
  phoneHint: string;
  phoneInvalid: string;
  sendCode: string;
  codeLabel(phone: string): string;
  codeSent: string;
  codeWrong: string;
  codeTooSoon: string;
  resend: string;
  nameLabel: string;
  nameHint: string;
  latinLetters: string;
  persianLetters: string;
  space: string;
  backspace: string;
  clear: string;
  birthdayLabel: string;
  birthdayHint: string;
  year: string;
  month: string;
  day: string;
  months: Record<'1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9' | '10' | '11' | '12', string>;
  skip: string;
  next: string;
  referralLabel: string;
  referralHint: string;
  consentTitle: string;
  consentTerms: string;
  consentMessages: string;
  showRules: string;
  rulesTitle: string;
  rulesBody: string;
  close: string;
  tapNewCard: string;
  tapNewCardHint: string;
  noCardSlip: string;
  signingUp: string;
  welcomeMember(name: string): string;
  welcomeBonus(points: string): string;
  yourNumber(number: string): string;
  slipPrinted: string;
  slipFailed: string;
  signupFailed(code: string): string;
  phoneTaken: string;
  offlineSignup: string;

  // recent activity: what each ledger line was for
  activityKinds: Record<ActivityEntry['kind'], string>;

  // survey (one optional question on the member home)
  surveyTitle: string;
  surveyBonus(points: string): string;
  surveyFaces: Record<'1' | '2' | '3' | '4' | '5', string>;
  surveyReasonsTitle: string;
  surveySend: string;
  surveySkip: string;
  surveySending: string;
  surveyThanks: string;
  surveyThanksPoints(signedPoints: string, count: number): string;
  surveyThanksLater: string;
  surveyFailed: string;

  // staff mode (staff card + PIN)
  staffTitle: string;
  staffPinLabel(name: string): string;
  staffPinWrong: string;
  staffLocked: string;
  staffUnlock: string;
  staffFor(name: string): string;
  staffNoMember: string;
  staffPurchase: string;
  staffAmountLabel: string;
  staffAmount(amount: string): string;
  staffRecord: string;
  staffPurchaseQueued: string;
  staffPurchaseApplied(signedPoints: string, count: number): string;
  staffReplaceCard: string;
  staffIssueCard: string;
  staffTapNewCard: string;
  staffCardQueued: string;
  staffCardBound: string;
  staffReprint: string;
  staffTestPage: string;
  staffPrint: Record<'printed' | 'failed' | 'no-printer' | 'nothing', string>;
  staffClose: string;
  staffAutoClose: string;
  staffRefused(code: string): string;

  // device state
  printerPaperOut: string;
  printerProblem: string;
  printerPaperLow: string;
  wait: string;

  // unknown card
  unknownTitle: string;
  unknownBody: string;
  join: string;
  joinSoon: string;
  tapAgain: string;

  // maintenance (an operator took the kiosk out of service)
  outOfService: string;
  outOfServiceBody: string;

  // connection
  linkOnline: string;
  linkOffline: string;
  linkConnecting: string;
  linkLost: string;
  outbox(count: string): string;
}

export type Catalogues = Record<Lang, Messages>;
