/**
 * Buzzer and LED feedback on the readers that have them, as the bytes to send. Pure, so the exact
 * command bytes are unit-tested; PcscReader sends them while it is connected to the card.
 *
 * - ACS ACR122U: the pseudo-APDU "Bi-Color LED and Buzzer Control", sent with SCardTransmit:
 *   FF 00 40 P2 04 T1 T2 N B. P2 is the LED state control byte (bit 0 final red, 1 final green,
 *   2 red mask, 3 green mask, 4 initial red blink, 5 initial green blink, 6 red blink mask,
 *   7 green blink mask), T1/T2 the on/off times in 100 ms, N repetitions, B buzzer link
 *   (00 off, 01 during T1, 02 during T2, 03 both). (ACR122U API v2.04, §6.2.)
 * - ACS ACR1252U: escape commands through SCardControl(IOCTL_CCID_ESCAPE):
 *   buzzer E0 00 00 28 01 <duration, 10 ms units>, LED E0 00 00 29 01 <bit 0 red, bit 1 green>.
 *   (ACR1252U reference manual, "Peripherals Control".)
 * - Any other reader: nothing (no standard command exists; sending guesses could upset it).
 */

export type FeedbackKind = 'success' | 'error';
export type ReaderModel = 'acr122u' | 'acr1252u' | 'other';

export interface FeedbackCommand {
  /** `transmit`: SCardTransmit to the card channel; `control`: SCardControl escape. */
  via: 'transmit' | 'control';
  bytes: Buffer;
}

export function readerModel(readerName: string): ReaderModel {
  if (/ACR122/i.test(readerName)) return 'acr122u';
  if (/ACR1252/i.test(readerName)) return 'acr1252u';
  return 'other';
}

export function feedbackCommands(model: ReaderModel, kind: FeedbackKind): FeedbackCommand[] {
  switch (model) {
    case 'acr122u':
      return kind === 'success'
        ? // green blinks once for 100 ms with a short beep, then stays on
          [{ via: 'transmit', bytes: Buffer.from([0xff, 0x00, 0x40, 0xaa, 0x04, 0x01, 0x01, 0x01, 0x01]) }]
        : // red blinks twice (200 ms on, 200 ms off) with a beep each time, then goes off
          [{ via: 'transmit', bytes: Buffer.from([0xff, 0x00, 0x40, 0x54, 0x04, 0x02, 0x02, 0x02, 0x01]) }];
    case 'acr1252u':
      return kind === 'success'
        ? [
            { via: 'control', bytes: Buffer.from([0xe0, 0x00, 0x00, 0x29, 0x01, 0x02]) }, // green
            { via: 'control', bytes: Buffer.from([0xe0, 0x00, 0x00, 0x28, 0x01, 0x0a]) }, // 100 ms beep
          ]
        : [
            { via: 'control', bytes: Buffer.from([0xe0, 0x00, 0x00, 0x29, 0x01, 0x01]) }, // red
            { via: 'control', bytes: Buffer.from([0xe0, 0x00, 0x00, 0x28, 0x01, 0x32]) }, // 500 ms beep
          ];
    case 'other':
      return [];
  }
}
