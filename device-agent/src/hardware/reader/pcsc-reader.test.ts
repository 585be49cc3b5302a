import { EventEmitter } from 'node:events';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EventBus } from '../../event-bus.js';
import type { CardReaderEvents } from './card-reader.js';
import { type NfcModule, PcscReader, PcscReaderError } from './pcsc-reader.js';

/**
 * PcscReader's own logic against a stand-in for nfc-pcsc. The real path (pcscd, vpcd, the virtual
 * card) is exercised by device-agent/test/pcsc-reader.test.ts.
 */

class FakeReader extends EventEmitter {
  autoProcessing = true;
  closed = false;
  /** The card in the field, answering GET UID; `fail` makes the next transmit throw. */
  uid: string | undefined;
  fail: Error | undefined;
  readonly sent: string[] = [];
  readonly controls: string[] = [];
  constructor(readonly name: string) {
    super();
  }
  close() {
    this.closed = true;
  }
  async transmit(apdu: Buffer): Promise<Buffer> {
    const hex = apdu.toString('hex').toUpperCase();
    this.sent.push(hex);
    if (this.fail) throw this.fail;
    if (hex === 'FFCA000000' && this.uid) return Buffer.from(`${this.uid}9000`, 'hex');
    if (hex.startsWith('FF0040')) return Buffer.from('9000', 'hex');
    return Buffer.from('6D00', 'hex');
  }
  async control(data: Buffer): Promise<Buffer> {
    this.controls.push(data.toString('hex').toUpperCase());
    return Buffer.from('9000', 'hex');
  }
  /** As nfc-pcsc does with autoProcessing off: connected, then `card` with the ATR. */
  present(uid: string | undefined, atr: Buffer = ATR) {
    this.uid = uid;
    this.emit('card', { atr, standard: 'TAG_ISO_14443_3' });
  }
}

class FakeNfc extends EventEmitter {
  closed = false;
  close() {
    this.closed = true;
  }
}

type Events = { [K in keyof CardReaderEvents]: CardReaderEvents[K] };
type Recorded = { [K in keyof Events]: { event: K; payload: Events[K] } }[keyof Events];

const ATR = Buffer.from('3b8f8001804f0ca0000003060300030000000068', 'hex');
const UID = '04a1b2c3d4e5f6';

function setup(options: { debounceMs?: number; readers?: string[] } = {}) {
  const contexts: FakeNfc[] = [];
  const nfc = new FakeNfc();
  contexts.push(nfc);
  const events: Recorded[] = [];
  const bus = new EventBus<Events>((event, error) => {
    throw new Error(`listener for ${event} failed: ${String(error)}`);
  });
  for (const name of ['tap', 'removed', 'state', 'fault'] as const) {
    bus.on(name, (payload) => {
      events.push({ event: name, payload } as Recorded);
    });
  }
  const loadNfc = async (): Promise<NfcModule> => ({
    NFC: class {
      constructor() {
        // The first context is `nfc`; a recovery gets a fresh one, as nfc-pcsc would.
        const next = contexts.length === 1 && !nfc.closed ? nfc : new FakeNfc();
        if (next !== nfc) contexts.push(next);
        // biome-ignore lint/correctness/noConstructorReturn: stands in for nfc-pcsc's NFC
        return next;
      }
    } as unknown as NfcModule['NFC'],
  });
  const reader = new PcscReader({
    bus,
    logger: pino({ level: 'silent' }),
    loadNfc,
    pcscdSocket: null,
    settleMs: 100,
    recoverMinMs: 100,
    recoverMaxMs: 400,
    ...(options.debounceMs === undefined ? {} : { debounceMs: options.debounceMs }),
  });
  const plug = (name: string, context: FakeNfc = contexts.at(-1)!) => {
    const r = new FakeReader(name);
    context.emit('reader', r);
    return r;
  };
  const of = <K extends keyof Events>(event: K) =>
    events
      .filter((e): e is Extract<Recorded, { event: K }> => e.event === event)
      .map((e) => e.payload as Events[K]);
  return { nfc, contexts, reader, events, plug, of };
}

describe('PcscReader (fake nfc-pcsc)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  async function started(options: Parameters<typeof setup>[0] = {}) {
    const t = setup(options);
    const start = t.reader.start();
    await vi.advanceTimersByTimeAsync(0);
    const readers = (options.readers ?? ['ACS ACR122U PICC Interface 00 00']).map((name) => t.plug(name));
    await vi.advanceTimersByTimeAsync(100);
    await start;
    return { ...t, readers };
  }

  const flush = () => vi.advanceTimersByTimeAsync(0);
  const ATR_ISO14443_4 = Buffer.from('3B8180018080', 'hex');

  it('announces ready once after listing readers, and ignores SAM slots', async () => {
    const { reader, of, readers } = await started({
      readers: [
        'ACS ACR1252 1S CL Reader [ACR1252 1S CL Reader PICC] 00 00',
        'ACS ACR1252 1S CL Reader [ACR1252 1S CL Reader SAM] 00 01',
      ],
    });
    expect(of('state')).toEqual(['ready']);
    expect(reader.state()).toBe('ready');
    // Neither does nfc-pcsc's own processing: card-data.ts reads every card itself.
    expect(readers[0]!.autoProcessing).toBe(false);
    expect(readers[1]!.autoProcessing).toBe(false);
    expect(readers[1]!.listenerCount('error')).toBeGreaterThan(0);
    expect(readers[1]!.listenerCount('card')).toBe(0);
  });

  it('reports no-reader when pcscd has none, then ready and no-reader as readers come and go', async () => {
    const { reader, of, plug } = await started({ readers: [] });
    expect(of('state')).toEqual(['no-reader']);
    const r = plug('ACS ACR122U PICC Interface 00 00');
    expect(reader.state()).toBe('ready');
    r.emit('end');
    expect(of('state')).toEqual(['no-reader', 'ready', 'no-reader']);
  });

  it('emits one tap per presence with the uppercase UID, the ATR, the card data and the card event time', async () => {
    const { of, readers } = await started();
    const [r] = readers;
    vi.setSystemTime(new Date('2026-01-02T03:04:05.678Z'));
    r!.present(UID);
    await flush();
    expect(of('tap')).toEqual([
      {
        uid: '04A1B2C3D4E5F6',
        atr: '3B8F8001804F0CA0000003060300030000000068',
        reader: 'ACS ACR122U PICC Interface 00 00',
        at: new Date('2026-01-02T03:04:05.678Z'),
        card: { family: 'iso14443-3-ntag', dataProblem: expect.stringMatching(/READ BINARY page 3 refused/) },
      },
    ]);
    expect(r!.sent.slice(0, 2)).toEqual(['FFCA000000', 'FFB0000310']);
    r!.emit('card.off', {});
    expect(of('removed')).toEqual([]); // held back by the debounce
    await vi.advanceTimersByTimeAsync(300);
    expect(of('removed')).toEqual([
      {
        uid: '04A1B2C3D4E5F6',
        reader: 'ACS ACR122U PICC Interface 00 00',
        at: new Date('2026-01-02T03:04:05.678Z'),
      },
    ]);
    r!.present(UID);
    await flush();
    expect(of('tap')).toHaveLength(2);
  });

  it('reads the UID of ISO 14443-4 cards itself (GET UID), without NTAG page reads', async () => {
    const { of, readers } = await started({ readers: ['Generic Reader 00 00'] });
    readers[0]!.present('04DE5F1EACC040', ATR_ISO14443_4);
    await flush();
    expect(of('tap')).toMatchObject([
      { uid: '04DE5F1EACC040', atr: '3B8180018080', card: { family: 'iso14443-4' } },
    ]);
    expect(readers[0]!.sent[0]).toBe('FFCA000000');
    expect(readers[0]!.sent[1]).toBe('00A4040007D276000085010100'); // NDEF application, Type 4 Tag
    expect(readers[0]!.sent.some((a) => a.startsWith('FFB0'))).toBe(false);
  });

  it('treats the same UID back within debounceMs as the same presence', async () => {
    const { of, readers } = await started({ debounceMs: 300 });
    const [r] = readers;
    r!.present(UID);
    await flush();
    r!.emit('card.off', {});
    await vi.advanceTimersByTimeAsync(120);
    r!.present(UID);
    await flush();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(of('tap')).toHaveLength(1);
    expect(of('removed')).toHaveLength(0);
    // A different card right after is a new tap at once.
    r!.emit('card.off', {});
    r!.present('04A1B2C3');
    await flush();
    expect(of('tap').map((t) => t.uid)).toEqual(['04A1B2C3D4E5F6', '04A1B2C3']);
    await vi.advanceTimersByTimeAsync(300);
    expect(of('removed').map((t) => t.uid)).toEqual(['04A1B2C3D4E5F6']);
  });

  it('refuses a UID that is not a card UID, with a fault and no tap', async () => {
    const { of, readers } = await started();
    readers[0]!.present('0102');
    await flush();
    readers[0]!.present(undefined); // GET UID answered 6D00
    await flush();
    expect(of('tap')).toEqual([]);
    expect(of('fault').map((f) => f.message)).toEqual([
      expect.stringMatching(/card UID "0102" refused/),
      expect.stringMatching(/card not read: GET UID refused with SW 6D00/),
    ]);
  });

  it('turns a failed card read into a fault, and the reader keeps reading the next card', async () => {
    const { of, readers } = await started();
    readers[0]!.fail = new Error('SCardTransmit error: Card was removed.');
    readers[0]!.present(UID);
    await flush();
    expect(of('fault').map((f) => f.message)).toEqual([
      expect.stringMatching(/card not read: .*Card was removed/),
    ]);
    readers[0]!.emit('card.off', {});
    readers[0]!.fail = undefined;
    readers[0]!.present(UID);
    await flush();
    expect(of('tap').map((t) => t.uid)).toEqual([UID.toUpperCase()]);
  });

  it('closes a presence whose card left while it was being read', async () => {
    const { of, readers } = await started({ debounceMs: 0 });
    const r = readers[0]!;
    r.present(UID);
    r.emit('card.off', {}); // before the read finished
    await flush();
    expect(of('tap')).toHaveLength(1);
    expect(of('removed')).toHaveLength(1);
  });

  it('beeps and flashes an ACR122U through its LED/buzzer pseudo-APDU, and an ACR1252U by escape', async () => {
    const { readers } = await started({
      readers: [
        'ACS ACR122U PICC Interface 00 00',
        'ACS ACR1252 1S CL Reader [ACR1252 1S CL Reader PICC] 01 00',
      ],
    });
    readers[0]!.present(UID);
    readers[1]!.present('04A1B2C3');
    await flush();
    expect(readers[0]!.sent.at(-1)).toBe('FF0040AA0401010101');
    expect(readers[1]!.controls).toEqual(['E000002901' + '02', 'E000002801' + '0A']);
    readers[0]!.emit('card.off', {});
    readers[0]!.present('0102'); // refused: red
    await flush();
    expect(readers[0]!.sent.at(-1)).toBe('FF0040540402020201');
  });

  it('turns reader, pcscd and connect errors into faults instead of crashing', async () => {
    const { reader, of, readers, nfc } = await started();
    const transmit = Object.assign(new Error('An error occurred while transmitting.'), { code: 'failure' });
    const getUid = Object.assign(new Error('An error occurred while transmitting.'), {
      code: 'failure',
      previous: Object.assign(transmit, { previous: new Error('SCardTransmit error: Card was removed.') }),
    });
    readers[0]!.emit('error', getUid);
    // nfc-pcsc reports a failed connect as emit(err): an event named by the error object.
    readers[0]!.emit(new Error('An error occurred while connecting.') as unknown as string);
    nfc.emit('error', new Error('SCardListReaders error: Service not available.'));
    const messages = of('fault').map((f) => f.message);
    expect(messages[0]).toMatch(/transmitting.*Card was removed/);
    expect(messages[1]).toMatch(/while connecting/);
    expect(messages[2]).toMatch(/pcscd: SCardListReaders error.*re-creating the PC\/SC context/);
    expect(reader.state()).toBe('unavailable');
    expect(of('state')).toEqual(['ready', 'unavailable']);
    await reader.stop();
  });

  it('re-creates the PC/SC context after pcscd went away, with backoff, and comes back ready', async () => {
    const { reader, of, readers, nfc, contexts, plug } = await started();
    readers[0]!.present(UID);
    await flush();
    nfc.emit('error', new Error('SCardGetStatusChange error: Service not available.'));
    expect(reader.state()).toBe('unavailable');
    // The old context and its readers are closed at once; the card's presence ends.
    expect(nfc.closed).toBe(true);
    expect(readers[0]!.closed).toBe(true);
    expect(of('removed').map((r) => r.uid)).toEqual([UID.toUpperCase()]);
    await vi.advanceTimersByTimeAsync(100); // first backoff step
    expect(contexts).toHaveLength(2);
    const again = plug('ACS ACR122U PICC Interface 00 00');
    await vi.advanceTimersByTimeAsync(0);
    expect(reader.state()).toBe('ready');
    expect(of('state')).toEqual(['ready', 'unavailable', 'ready']);
    again.present(UID);
    await flush();
    expect(of('tap')).toHaveLength(2);
    // A late error from the closed context changes nothing.
    nfc.emit('error', new Error('SCardGetStatusChange error: Command cancelled.'));
    expect(of('fault')).toHaveLength(1);
    await reader.stop();
  });

  it('stop closes every reader and nfc-pcsc, flushes held removals and ignores late errors', async () => {
    const { reader, of, readers, nfc } = await started({
      readers: ['Reader PICC 00 00', 'Reader SAM 00 01'],
    });
    readers[0]!.present(UID);
    await flush();
    readers[0]!.emit('card.off', {});
    await reader.stop();
    expect(readers.every((r) => r.closed)).toBe(true);
    expect(nfc.closed).toBe(true);
    expect(of('removed')).toHaveLength(1);
    nfc.emit('error', new Error('SCardGetStatusChange error: Command cancelled.'));
    readers[0]!.emit('error', new Error('late'));
    readers[0]!.present(UID);
    await flush();
    expect(of('fault')).toEqual([]);
    expect(of('tap')).toHaveLength(1);
    await reader.stop(); // idempotent
  });

  it('fails start with a clear error when nfc-pcsc cannot be loaded', async () => {
    const events: unknown[] = [];
    const reader = new PcscReader({
      bus: { emit: (event, payload) => events.push([event, payload]) },
      logger: pino({ level: 'silent' }),
      loadNfc: async () => {
        throw new Error("Cannot find module 'nfc-pcsc'");
      },
    });
    const error = await reader.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PcscReaderError);
    expect(error).toMatchObject({
      code: 'nfc-pcsc-unavailable',
      message: /cannot load nfc-pcsc: Cannot find module/,
    });
    expect(events).toEqual([['state', 'unavailable']]);
    expect(reader.state()).toBe('unavailable');
  });

  it('does not start nfc-pcsc (which would spin on the main thread) when pcscd is not there', async () => {
    vi.useRealTimers();
    const construct = vi.fn();
    const reader = new PcscReader({
      bus: { emit: () => {} },
      logger: pino({ level: 'silent' }),
      pcscdSocket: '/nonexistent/pcscd.comm',
      loadNfc: async () => ({ NFC: construct as unknown as NfcModule['NFC'] }),
    });
    await expect(reader.start()).rejects.toMatchObject({
      code: 'pcscd-unreachable',
      message: expect.stringMatching(
        /pcscd is not reachable at \/nonexistent\/pcscd.comm \(.*ENOENT.*\); is pcscd running\?/,
      ),
    });
    expect(construct).not.toHaveBeenCalled();
  });
});
