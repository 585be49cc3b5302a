import type { CardProof, ReaderState } from '@bashgah/protocol';

/** One card presence at the reader. A card held still yields one tap, however long it stays. */
export interface Tap {
  /** Uppercase hex UID, validated against the protocol's CardUid. */
  uid: string;
  /** Answer-to-reset in hex, when the reader reports it. */
  atr?: string;
  /** The reader's name (PC/SC) or 'simulator'. */
  reader: string;
  /** Wall-clock time the card was seen. */
  at: Date;
  /** What the reader read beyond the UID (PcscReader); absent from the simulator and old readers. */
  card?: TapCardData;
}

export interface TapCardData {
  /** From the ATR: NTAG21x/Ultralight storage card, another ISO 14443-3 card, or ISO 14443-4. */
  family: 'iso14443-3-ntag' | 'iso14443-3-other' | 'iso14443-4';
  /** A member card token or an NTAG 424 DNA SUN message from the card's NDEF; the server judges it. */
  proof?: CardProof;
  /** Why the card's data could not be read or used (the tap still counts, by UID). */
  dataProblem?: string;
}

export interface CardReaderEvents {
  tap: Tap;
  /** The card left the field (PC/SC card removal, or the simulator's remove). */
  removed: { uid: string; reader: string; at: Date };
  state: ReaderState;
  /** A recoverable fault (a read error, pcscd gone); the reader keeps running. */
  fault: { message: string; cause?: unknown };
}

/**
 * The agent's view of an NFC reader. `PcscReader` drives real readers through pcscd;
 * `SimReader` takes taps injected by the simulator API. Both emit on the bus they are given.
 */
export interface CardReader {
  readonly kind: 'pcsc' | 'sim';
  state(): ReaderState;
  start(): Promise<void>;
  stop(): Promise<void>;
}
