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
  constructor(readonly name: string) {
    super();
  }
  close() {
    this.closed = true;
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
  const nfc = new FakeNfc();
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
        // biome-ignore lint/correctness/noConstructorReturn: stands in for nfc-pcsc's NFC
        return nfc;
      }
    } as unknown as NfcModule['NFC'],
  });
  const reader = new PcscReader({
    bus,
    logger: pino({ level: 'silent' }),
    loadNfc,
    pcscdSocket: null,
    settleMs: 100,
    ...(options.debounceMs === undefined ? {} : { debounceMs: options.debounceMs }),
  });
  const plug = (name: string) => {
    const r = new FakeReader(name);
    nfc.emit('reader', r);
    return r;
  };
  const of = <K extends keyof Events>(event: K) =>
    events.filter((e): e is Extract<Recorded, { event: K }> => e.event === event).map((e) => e.payload);
  return { nfc, reader, events, plug, of };
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

  it('announces ready once after listing readers, and ignores SAM slots', async () => {
    const { reader, of, readers } = await started({
      readers: [
        'ACS ACR1252 1S CL Reader [ACR1252 1S CL Reader PICC] 00 00',
        'ACS ACR1252 1S CL Reader [ACR1252 1S CL Reader SAM] 00 01',
      ],
    });
    expect(of('state')).toEqual(['ready']);
    expect(reader.state()).toBe('ready');
    expect(readers[0]!.autoProcessing).toBe(true);
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

  it('emits one tap per presence with the uppercase UID, the ATR and the card event time', async () => {
    const { of, readers } = await started();
    const [r] = readers;
    vi.setSystemTime(new Date('2026-01-02T03:04:05.678Z'));
    r!.emit('card', { uid: UID, atr: ATR, standard: 'TAG_ISO_14443_3' });
    expect(of('tap')).toEqual([
      {
        uid: '04A1B2C3D4E5F6',
        atr: '3B8F8001804F0CA0000003060300030000000068',
        reader: 'ACS ACR122U PICC Interface 00 00',
        at: new Date('2026-01-02T03:04:05.678Z'),
      },
    ]);
    r!.emit('card.off', { uid: UID });
    expect(of('removed')).toEqual([]); // held back by the debounce
    await vi.advanceTimersByTimeAsync(300);
    expect(of('removed')).toEqual([
      {
        uid: '04A1B2C3D4E5F6',
        reader: 'ACS ACR122U PICC Interface 00 00',
        at: new Date('2026-01-02T03:04:05.678Z'),
      },
    ]);
    r!.emit('card', { uid: UID, atr: ATR });
    expect(of('tap')).toHaveLength(2);
  });

  it('treats the same UID back within debounceMs as the same presence', async () => {
    const { of, readers } = await started({ debounceMs: 300 });
    const [r] = readers;
    r!.emit('card', { uid: UID, atr: ATR });
    r!.emit('card.off', {});
    await vi.advanceTimersByTimeAsync(120);
    r!.emit('card', { uid: UID, atr: ATR });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(of('tap')).toHaveLength(1);
    expect(of('removed')).toHaveLength(0);
    // A different card right after is a new tap at once.
    r!.emit('card.off', {});
    r!.emit('card', { uid: '04A1B2C3', atr: ATR });
    expect(of('tap').map((t) => t.uid)).toEqual(['04A1B2C3D4E5F6', '04A1B2C3']);
    await vi.advanceTimersByTimeAsync(300);
    expect(of('removed').map((t) => t.uid)).toEqual(['04A1B2C3D4E5F6']);
  });

  it('refuses a UID that is not a card UID, with a fault and no tap', async () => {
    const { of, readers } = await started();
    readers[0]!.emit('card', { uid: '0102', atr: ATR });
    readers[0]!.emit('card', { atr: ATR });
    expect(of('tap')).toEqual([]);
    expect(of('fault').map((f) => f.message)).toEqual([
      expect.stringMatching(/card UID "0102" refused/),
      expect.stringMatching(/card UID null refused/),
    ]);
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
    expect(messages[2]).toMatch(/pcscd: SCardListReaders error/);
    expect(reader.state()).toBe('unavailable');
    expect(of('state').at(-1)).toBe('unavailable');
    // pcsclite then ends every reader; the state stays 'unavailable', not 'no-reader'.
    readers[0]!.emit('end');
    expect(of('state')).toEqual(['ready', 'unavailable']);
  });

  it('ends the presence when the reader is unplugged with a card on it', async () => {
    const { of, readers } = await started();
    readers[0]!.emit('card', { uid: UID, atr: ATR });
    readers[0]!.emit('end');
    expect(of('removed').map((r) => r.uid)).toEqual(['04A1B2C3D4E5F6']);
    expect(of('state')).toEqual(['ready', 'no-reader']);
  });

  it('stop closes every reader and nfc-pcsc, flushes held removals and ignores late errors', async () => {
    const { reader, of, readers, nfc } = await started({
      readers: ['Reader PICC 00 00', 'Reader SAM 00 01'],
    });
    readers[0]!.emit('card', { uid: UID, atr: ATR });
    readers[0]!.emit('card.off', {});
    await reader.stop();
    expect(readers.every((r) => r.closed)).toBe(true);
    expect(nfc.closed).toBe(true);
    expect(of('removed')).toHaveLength(1);
    nfc.emit('error', new Error('SCardGetStatusChange error: Command cancelled.'));
    readers[0]!.emit('error', new Error('late'));
    readers[0]!.emit('card', { uid: UID, atr: ATR });
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
