/**
 * The real NFC path: pcscd with Debian's vsmartcard-vpcd reader driver, the project's virtual card
 * (scripts/src/vcard) in the reader's slot 0 ("Virtual PCD 00 00", vpcd port 35963), nfc-pcsc,
 * and PcscReader on a real EventBus.
 *
 * pcscd: a running one is used if its socket answers (CI's .ci/run starts it); otherwise, as root,
 * this file starts `pcscd --foreground` itself and stops it afterwards. With CI=true every
 * missing piece fails the run; elsewhere the suite is skipped with the reason printed.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { VirtualCard } from '../../scripts/src/vcard/index.js';
import { ensurePcscd, type PcscdHandle, pcscdPrerequisite } from '../../scripts/src/vcard/pcscd.js';
import { EventBus } from '../src/event-bus.js';
import type { CardReaderEvents, Tap } from '../src/hardware/reader/card-reader.js';
import { PcscReader } from '../src/hardware/reader/pcsc-reader.js';

const inCi = process.env.CI === 'true';
/** vpcd's slot 0, where the virtual card connects (127.0.0.1:35963). */
const VPCD_SLOT_0 = 'Virtual PCD 00 00';

const missing = await pcscdPrerequisite();
if (missing && !inCi) console.log(`[pcsc-reader.test] skipping the real pcscd tests: ${missing}`);

async function waitFor<T>(what: string, timeoutMs: number, probe: () => T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

type Events = { [K in keyof CardReaderEvents]: CardReaderEvents[K] };

describe.skipIf(missing !== undefined && !inCi)(
  'PcscReader on pcscd + vsmartcard-vpcd + virtual card',
  () => {
    const UID = '04A1B2C3D4E5F6';
    let pcscd: PcscdHandle | undefined;
    let reader: PcscReader | undefined;
    const taps: Tap[] = [];
    const removals: Events['removed'][] = [];
    const faults: Events['fault'][] = [];
    const states: Events['state'][] = [];
    const cards: VirtualCard[] = [];

    const present = async (uid: string) => {
      const card = await VirtualCard.present(uid, { connectAttempts: 25, retryDelayMs: 200 });
      cards.push(card);
      return card;
    };

    let setupError: unknown;
    /** Setup failures fail every test (not just the hook), so each one says why. */
    const ready = () => {
      if (setupError) throw setupError;
    };

    beforeAll(async () => {
      try {
        await setUp();
      } catch (error) {
        setupError = error;
      }
    }, 30_000);

    async function setUp() {
      if (missing) throw new Error(`the real pcscd tests must run in CI, but ${missing}`);
      pcscd = await ensurePcscd();
      const bus = new EventBus<Events>((event, error) =>
        faults.push({ message: `bus ${event}`, cause: error }),
      );
      bus.on('tap', (tap) => void taps.push(tap));
      bus.on('removed', (removed) => void removals.push(removed));
      bus.on('fault', (fault) => void faults.push(fault));
      bus.on('state', (state) => void states.push(state));
      reader = new PcscReader({
        bus,
        logger: pino({ level: process.env.LOG_LEVEL ?? 'silent' }),
        debounceMs: 300,
      });
      await reader.start();
      if (reader.state() !== 'ready') {
        throw new Error(
          `pcscd lists no reader (state ${reader.state()}): was pcscd started after vsmartcard-vpcd was installed? ` +
            'It loads reader drivers only at start.',
        );
      }
    }

    afterEach(async () => {
      await Promise.all(cards.splice(0).map((card) => card.remove()));
      // Let the last removal pass the debounce so tests do not see each other's events.
      await waitFor('the last removal', 3_000, () => (taps.length === removals.length ? true : undefined));
      taps.length = 0;
      removals.length = 0;
    });

    afterAll(async () => {
      await reader?.stop();
      await pcscd?.stop();
    }, 15_000);

    it('emits exactly one tap with the card UID, and removed when it leaves', async () => {
      ready();
      expect(states).toEqual(['ready']);
      const presentedAt = Date.now();
      const card = await present(UID.toLowerCase());
      const tap = await waitFor('a tap', 5_000, () => taps[0]);
      console.log(
        `[pcsc-reader.test] tap seen ${Date.now() - presentedAt} ms after the card entered the field`,
      );
      expect(tap).toMatchObject({
        uid: UID,
        reader: VPCD_SLOT_0,
        atr: '3B8F8001804F0CA0000003060300030000000068',
      });
      expect(tap.at.getTime()).toBeGreaterThanOrEqual(presentedAt);
      expect(card.stats.uidReads).toBe(1);

      const removedAt = Date.now();
      await card.remove();
      const removed = await waitFor('removed', 5_000, () => removals[0]);
      expect(removed).toMatchObject({ uid: UID, reader: VPCD_SLOT_0 });
      expect(removed.at.getTime()).toBeGreaterThanOrEqual(removedAt);
      await sleep(500);
      expect(taps).toHaveLength(1);
      expect(removals).toHaveLength(1);
      expect(faults).toEqual([]);
    });

    it('gives a second tap when the card is removed and presented again', async () => {
      ready();
      const first = await present(UID);
      await waitFor('the first tap', 5_000, () => taps[0]);
      await first.remove();
      await waitFor('the first removal', 5_000, () => removals[0]);
      await present(UID);
      await waitFor('the second tap', 5_000, () => taps[1]);
      expect(taps.map((t) => t.uid)).toEqual([UID, UID]);
      expect(faults).toEqual([]);
    });

    it('gives only one tap for a card held in the field while pcscd keeps polling it', async () => {
      ready();
      const card = await present('04A1B2C3');
      await waitFor('a tap', 5_000, () => taps[0]);
      const pollsBefore = card.stats.atrRequests;
      await sleep(2_500);
      expect(card.stats.atrRequests - pollsBefore).toBeGreaterThanOrEqual(3); // pcscd did look, repeatedly
      expect(taps.map((t) => t.uid)).toEqual(['04A1B2C3']);
      expect(removals).toEqual([]);
      expect(card.stats.uidReads).toBe(1);
      expect(faults).toEqual([]);
    });
  },
);
