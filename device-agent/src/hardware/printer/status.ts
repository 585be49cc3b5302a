import type { PrinterState } from '@bashgah/protocol';

/**
 * What the four DLE EOT replies say, merged. The protocol's PrinterState has no paper-low value,
 * so `paperNearEnd` travels beside it: the kiosk can warn staff while the printer still prints.
 */
export interface PrinterStatus {
  state: PrinterState;
  online: boolean;
  coverOpen: boolean;
  paperNearEnd: boolean;
  paperOut: boolean;
  /** Cutter jam or another error the printer reported (DLE EOT 3). */
  error: boolean;
}

/** Bits 1 and 4 are fixed on and bits 0 and 7 fixed off in every DLE EOT reply. */
export function isStatusByte(b: number): boolean {
  return (b & 0x93) === 0x12;
}

export interface RawStatus {
  /** DLE EOT 1..4 reply bytes, in order. */
  printer: number;
  offlineCause: number;
  errorCause: number;
  paperSensor: number;
}

export function parseStatus(raw: RawStatus): PrinterStatus {
  for (const [name, b] of Object.entries(raw)) {
    if (!isStatusByte(b)) {
      throw new Error(
        `printer sent 0x${b.toString(16)} for the ${name} status, which is not a DLE EOT reply; check the printer is in ESC/POS mode`,
      );
    }
  }
  const offline = (raw.printer & 0x08) !== 0;
  const coverOpen = (raw.offlineCause & 0x04) !== 0;
  const paperOut = (raw.offlineCause & 0x20) !== 0 || (raw.paperSensor & 0x60) !== 0;
  const paperNearEnd = (raw.paperSensor & 0x0c) !== 0;
  const error = (raw.offlineCause & 0x40) !== 0 || (raw.errorCause & 0x68) !== 0;
  return {
    state: coverOpen ? 'cover-open' : paperOut ? 'paper-out' : offline || error ? 'offline' : 'ready',
    online: !offline,
    coverOpen,
    paperNearEnd,
    paperOut,
    error,
  };
}

/** Status for a printer that did not answer at all: unplugged, powered off, or not ESC/POS. */
export const UNREACHABLE: PrinterStatus = {
  state: 'offline',
  online: false,
  coverOpen: false,
  paperNearEnd: false,
  paperOut: false,
  error: false,
};

/** Builds the reply bytes a printer in the given condition sends; the emulator and tests use it. */
export function encodeStatus(s: {
  coverOpen?: boolean;
  paperOut?: boolean;
  paperNearEnd?: boolean;
}): RawStatus {
  const stopped = Boolean(s.coverOpen || s.paperOut);
  return {
    printer: 0x12 | (stopped ? 0x08 : 0),
    offlineCause: 0x12 | (s.coverOpen ? 0x04 : 0) | (s.paperOut ? 0x20 : 0),
    errorCause: 0x12,
    paperSensor: 0x12 | (s.paperNearEnd || s.paperOut ? 0x0c : 0) | (s.paperOut ? 0x60 : 0),
  };
}

export function describeStatus(s: PrinterStatus): string {
  if (s.coverOpen) return 'printer cover is open: close it';
  if (s.paperOut) return 'printer is out of paper: load a new roll';
  if (s.error) return 'printer reports an error (cutter jam?): clear it and power-cycle if it persists';
  if (!s.online) return 'printer is offline: check power and cable';
  return s.paperNearEnd ? 'printer is ready, paper is running low' : 'printer is ready';
}
