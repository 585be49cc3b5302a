/** What applying one device event did; ingress turns it into the protocol Ack. */
export type EventOutcome =
  | { status: 'applied'; result: { pointsAwarded: number; balance: number } }
  | { status: 'rejected'; reason: string };
