/**
 * PcscReader against the machine's real pcscd + vsmartcard-vpcd, with pcscd restarted under it:
 *
 * - pcscd restart during operation: the reader reports `unavailable` with a fault, re-creates its
 *   PC/SC context with backoff, comes back `ready`, and the next tap is read.
 * - reader unplug/replug: pcsc-lite 1.9 cannot add or remove a serial-driver reader such as vpcd
 *   while it runs (its SIGUSR1 "hotplug" recheck only retries readers of an unchanged config), and
 *   closing the virtual card only empties the slot. So "unplugged" is pcscd restarted with an
 *   empty reader.conf.d (`pcscd -c <empty dir>`: pcscd up, no reader → `no-reader`), "replugged"
 *   is pcscd restarted with the system config (vpcd back → `ready`), and the next tap is read.
 * - card data through pcscd: an NTAG215 carrying a member token, and an NTAG 424 DNA (ISO 14443-4)
 *   whose SUN counter rises on each tap.
 *
 * Restarting pcscd affects every PC/SC user on the machine: run under the shared lock,
 * `flock /tmp/bashgah-pcscd.lock npx vitest run device-agent/test/pcsc-recovery.test.ts`. The
 * suite leaves the standard `pcscd` daemon running. With CI=true a missing prerequisite fails
 * the run; elsewhere the suite is skipped with the reason.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ntag215Card, ntag424Card, tokenNdefMessage, VirtualCard } from '../../scripts/src/vcard/index.js';
import { pcscdRestartPrerequisite, restartPcscd } from '../../scripts/src/vcard/pcscd.js';
import { EventBus } from '../src/event-bus.js';
import type { CardReaderEvents, Tap } from '../src/hardware/reader/card-reader.js';
import { PcscReader } from '../src/hardware/reader/pcsc-reader.js';

const inCi = process.env.CI === 'true';
const missing = await pcscdRestartPrerequisite();
if (missing && !inCi) console.log(`[pcsc-recovery.test] skipping: ${missing}`);

type Events = { [K in keyof CardReaderEvents]: CardReaderEvents[K] };

async function waitFor<T>(what: string, timeoutMs: number, probe: () => T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}

describe.skipIf(missing !== undefined && !inCi)(
  'PcscReader survives pcscd restarts and reader unplug (real pcscd)',
  () => {
    let reader: PcscReader | undefined;
    let emptyConf: string | undefined;
    const taps: Tap[] = [];
    const faults: Events['fault'][] = [];
    const states: Array<{ state: Events['state']; at: number }> = [];
    const cards: VirtualCard[] = [];
    let setupError: unknown;

    const present = async (uid: string, behaviour?: Parameters<typeof VirtualCard.present>[1]) => {
      const card = await VirtualCard.present(uid, { connectAttempts: 50, retryDelayMs: 100, ...behaviour });
      cards.push(card);
      return card;
    };
    const nextTap = (after: number, timeoutMs = 8_000) =>
      waitFor(`tap #${after + 1}`, timeoutMs, () => taps[after]);
    const stateAfter = (state: Events['state'], since: number, timeoutMs = 15_000) =>
      waitFor(`state ${state}`, timeoutMs, () => states.find((s) => s.state === state && s.at >= since));

    beforeAll(async () => {
      try {
        if (missing) throw new Error(`the pcscd recovery tests must run in CI, but ${missing}`);
        emptyConf = await mkdtemp(join(tmpdir(), 'bashgah-reader-conf-'));
        // Start from the standard daemon with vpcd, whatever ran before.
        await restartPcscd();
        const bus = new EventBus<Events>((event, error) =>
          faults.push({ message: `bus ${event}`, cause: error }),
        );
        bus.on('tap', (tap) => void taps.push(tap));
        bus.on('fault', (fault) => void faults.push(fault));
        bus.on('state', (state) => void states.push({ state, at: Date.now() }));
        reader = new PcscReader({
          bus,
          logger: pino({ level: process.env.LOG_LEVEL ?? 'silent' }),
          debounceMs: 200,
          recoverMinMs: 50,
          recoverMaxMs: 1_000,
          healthCheckMs: 1_000,
        });
        await reader.start();
        if (reader.state() !== 'ready') throw new Error(`pcscd lists no reader (state ${reader.state()})`);
      } catch (error) {
        setupError = error;
      }
    }, 60_000);

    afterEach(async () => {
      await Promise.all(cards.splice(0).map((card) => card.remove()));
      await sleep(300);
    });

    afterAll(async () => {
      await reader?.stop();
      // Leave the machine as we found it: the standard pcscd daemon, with vpcd.
      if (!missing) await restartPcscd();
      if (emptyConf) await rm(emptyConf, { recursive: true, force: true });
    }, 60_000);

    it('reads a tap before and after a pcscd restart, reporting the gap', async () => {
      if (setupError) throw setupError;
      const before = taps.length;
      await present('04A1B2C3D4E5F6');
      expect((await nextTap(before)).uid).toBe('04A1B2C3D4E5F6');
      await cards.pop()?.remove();
      await sleep(300);

      const faultsBefore = faults.length;
      const { downAt, upAt } = await restartPcscd();
      await stateAfter('unavailable', downAt - 50);
      const ready = await stateAfter('ready', downAt);
      console.log(
        `[pcsc-recovery.test] pcscd restart: down→up ${upAt - downAt} ms, reader ready again ${ready.at - upAt} ms after pcscd answered (${ready.at - downAt} ms after it went down)`,
      );
      expect(
        faults
          .slice(faultsBefore)
          .map((f) => f.message)
          .join('\n'),
      ).toMatch(/re-creating the PC\/SC context/);

      const presentedAt = Date.now();
      await present('04A1B2C3D4E5F6');
      const tap = await nextTap(before + 1);
      console.log(
        `[pcsc-recovery.test] first tap after the restart read in ${tap.at.getTime() - presentedAt} ms`,
      );
      expect(tap).toMatchObject({ uid: '04A1B2C3D4E5F6', reader: 'Virtual PCD 00 00' });
      expect(reader!.state()).toBe('ready');
    });

    it('reports no-reader when the reader is unplugged and reads the next tap once it is back', async () => {
      if (setupError) throw setupError;
      const unplugged = await restartPcscd({ configDir: emptyConf! });
      await stateAfter('no-reader', unplugged.downAt);
      expect(reader!.state()).toBe('no-reader');
      // Nobody listens for the card now: vpcd is not loaded.
      await expect(VirtualCard.present('04A1B2C3', { connectAttempts: 1 })).rejects.toThrow(/not listening/);

      const before = taps.length;
      const replugged = await restartPcscd();
      const ready = await stateAfter('ready', replugged.downAt);
      console.log(
        `[pcsc-recovery.test] replug: reader ready ${ready.at - replugged.upAt} ms after pcscd answered`,
      );
      await present('04A1B2C3');
      expect((await nextTap(before)).uid).toBe('04A1B2C3');
    });

    it('reads a member token from NTAG215 memory through pcscd', async () => {
      if (setupError) throw setupError;
      const before = taps.length;
      const token = 'BG1.k1.C0000123.H8VtKdeaF6a3CtS8odgPPQ';
      const presentedAt = Date.now();
      await present('04A1B2C3D4E5F6', { behaviour: (uid) => ntag215Card(uid, tokenNdefMessage(token)) });
      const tap = await nextTap(before);
      console.log(
        `[pcsc-recovery.test] NTAG215 tap with token read in ${tap.at.getTime() - presentedAt} ms (card seen → tap: ${Date.now() - tap.at.getTime()} ms)`,
      );
      expect(tap.card).toEqual({ family: 'iso14443-3-ntag', proof: { kind: 'token', token } });
    });

    it('reads an NTAG 424 DNA (ISO 14443-4) SUN message whose counter rises on each tap', async () => {
      if (setupError) throw setupError;
      const key = Buffer.alloc(16, 0x42);
      const counters: string[] = [];
      let card424: ReturnType<typeof ntag424Card> | undefined;
      for (let i = 0; i < 2; i++) {
        const before = taps.length;
        const card = await present('04DE5F1EACC040', {
          behaviour: (uid) => (card424 ??= ntag424Card(uid, { key, counter: 10 })),
        });
        const tap = await nextTap(before);
        expect(tap.uid).toBe('04DE5F1EACC040');
        expect(tap.atr).toBe('3B8180018080');
        expect(tap.card?.family).toBe('iso14443-4');
        expect(tap.card?.proof).toMatchObject({
          kind: 'sun',
          uid: '04DE5F1EACC040',
          mac: expect.stringMatching(/^[0-9A-F]{16}$/),
        });
        const proof = tap.card?.proof;
        counters.push(proof?.kind === 'sun' ? (proof.counter ?? '') : '');
        await card.remove();
        cards.splice(cards.indexOf(card), 1);
        await sleep(400);
      }
      expect(counters).toEqual(['00000B', '00000C']);
      expect(faults.filter((f) => /card not read/.test(f.message))).toEqual([]);
    });
  },
);
