import type { Messages } from './messages.js';

const plural = (count: number, one: string, other: string) => (count === 1 ? one : other);

export const en: Messages = {
  languageName: 'English',
  switchLanguage: 'Change language',

  clubName: 'Customer Club',

  welcome: 'Welcome to our customer club',
  tapYourCard: 'Tap your card',
  tapHow: 'Hold your membership card on the reader below the screen',
  readerMissing: 'The card reader is not available. Please tell a member of staff.',
  readerSimulated: 'Simulated card reader',

  greeting: (name) => `Hello, ${name}`,
  memberNumber: (n) => `Member no. ${n}`,
  balance: 'Points balance',
  points: (count) => plural(count, 'point', 'points'),
  tier: 'Tier',
  tiers: { bronze: 'Bronze', silver: 'Silver', gold: 'Gold', platinum: 'Platinum' },
  checkinButton: (p) => `Check in (${p} points)`,
  checkinSending: 'Checking you in…',
  checkinWaiting: 'Checked in, adding your points…',
  checkinApplied: 'You are checked in',
  checkinAwarded: (p, count) => `${p} ${plural(count, 'point', 'points')}`,
  newBalance: (p, count) => `New balance: ${p} ${plural(count, 'point', 'points')}`,
  checkinQueued: 'Check-in recorded. Your points will be added shortly.',
  checkinDuplicate: 'You have already checked in today.',
  checkinRejected: 'Check-in did not go through. Please ask a member of staff.',
  checkinFailed: 'Could not reach the kiosk service. Please try again.',
  checkinDoneToday: 'Today’s check-in is done',
  tryAgain: 'Try again',
  cachedNote: (date, time) => `Showing saved details (last updated ${date} at ${time})`,
  done: 'Done',
  autoClose: 'This screen closes after a few seconds without a touch',

  unknownTitle: 'We don’t recognise this card',
  unknownBody: 'Not a member yet? Join the club and earn points on every purchase.',
  join: 'Join the club',
  joinSoon: 'Joining on this kiosk is coming soon. For now, please ask at the till.',
  tapAgain: 'Already a member? Tap your card again.',

  outOfService: 'This kiosk is temporarily out of service',
  outOfServiceBody: 'Please ask at the till for anything about the customer club.',

  linkOnline: 'Online',
  linkOffline: 'Offline',
  linkConnecting: 'Connecting…',
  linkLost: 'Kiosk service unreachable',
  outbox: (n) => `${n} waiting to send`,
};
