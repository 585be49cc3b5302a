import type { TierCode } from '@bashgah/protocol';
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
