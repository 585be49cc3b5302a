import type { Ack } from '@bashgah/protocol';

/** What applying one device event did; ingress turns it into the protocol Ack. */
export type EventOutcome =
  | { status: 'applied'; result: NonNullable<Ack['result']> & { balance: number } }
  | { status: 'rejected'; reason: string; code?: string | undefined };
