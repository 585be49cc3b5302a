/**
 * The wire format between vsmartcard's vpcd (the pcscd reader driver) and a virtual card: every
 * message is a 2-byte big-endian length followed by that many bytes. A 1-byte message from vpcd is
 * a control code; anything longer is a command APDU. The card answers only GET ATR (with the ATR)
 * and APDUs (with a response APDU); power on/off and reset get no answer.
 */

export const VPCD_DEFAULT_HOST = '127.0.0.1';
/** Slot 0 of Debian's vsmartcard-vpcd (`/etc/reader.conf.d/vpcd`: CHANNELID 0x8C7B); slot 1 is +1. */
export const VPCD_DEFAULT_PORT = 0x8c7b;

export const VpcdControl = { PowerOff: 0, PowerOn: 1, Reset: 2, GetAtr: 4 } as const;
export type VpcdControl = (typeof VpcdControl)[keyof typeof VpcdControl];

/** Largest payload a 2-byte length can describe. */
export const MAX_FRAME_PAYLOAD = 0xffff;

export type VpcdMessage =
  | { kind: 'control'; code: number }
  | { kind: 'apdu'; apdu: Buffer }
  /** A zero-length frame: nothing to act on, but it is not a protocol error. */
  | { kind: 'empty' };

/** Prefixes `payload` with its 2-byte big-endian length. */
export function encodeFrame(payload: Uint8Array): Buffer {
  if (payload.byteLength > MAX_FRAME_PAYLOAD) {
    throw new RangeError(`vpcd frame payload of ${payload.byteLength} bytes exceeds ${MAX_FRAME_PAYLOAD}`);
  }
  const frame = Buffer.allocUnsafe(2 + payload.byteLength);
  frame.writeUInt16BE(payload.byteLength, 0);
  frame.set(payload, 2);
  return frame;
}

/** What a frame from vpcd means. */
export function classifyFrame(payload: Buffer): VpcdMessage {
  if (payload.length === 0) return { kind: 'empty' };
  if (payload.length === 1) return { kind: 'control', code: payload[0]! };
  return { kind: 'apdu', apdu: payload };
}

/**
 * Reassembles frames from a TCP byte stream, which may split a frame anywhere or carry several in
 * one chunk. Feed it every chunk; it returns the complete payloads in order and keeps the rest.
 */
export class FrameDecoder {
  #pending: Buffer = Buffer.alloc(0);

  push(chunk: Uint8Array): Buffer[] {
    this.#pending = this.#pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.#pending, chunk]);
    const frames: Buffer[] = [];
    let offset = 0;
    while (this.#pending.length - offset >= 2) {
      const length = this.#pending.readUInt16BE(offset);
      if (this.#pending.length - offset - 2 < length) break;
      frames.push(Buffer.from(this.#pending.subarray(offset + 2, offset + 2 + length)));
      offset += 2 + length;
    }
    this.#pending = this.#pending.subarray(offset);
    return frames;
  }

  /** Bytes received that do not yet make a whole frame. */
  get bufferedBytes(): number {
    return this.#pending.length;
  }
}
