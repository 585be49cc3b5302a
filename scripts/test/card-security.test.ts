/**
 * Anti-clone through the whole chain: the virtual card in vpcd's reader of a real pcscd, the
 * agent's PcscReader reading card memory, the tap session sending what it read with
 * `member.lookup`, and the server deciding per CARD_SECURITY (server/src/cards/).
 *
 * - CARD_SECURITY=token: the issued NTAG215 with its signed token shows the member; a plain UID
 *   clone (same UID, no token) and a clone with a forged token end as a rejected unknown card.
 * - CARD_SECURITY=sun: an NTAG 424 DNA's SUN message shows the member; the same message replayed
 *   from a writable tag with the same UID (a recorded tap) is rejected; the real card still works.
 *
 * Needs pcscd + vsmartcard-vpcd: run under `flock /tmp/bashgah-pcscd.lock`. CI=true makes a missing
 * prerequisite fail; elsewhere the suite is skipped with the reason.
 */
import type { KioskSession } from '@bashgah/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { deriveSunCardKey } from '../../server/src/cards/sun.js';
import { issueCardToken } from '../../server/src/cards/token.js';
import { type RunningSystem, startSystem } from '../src/lib/system.js';
import {
  type Ntag424,
  ntag215Card,
  ntag424Card,
  tokenNdefMessage,
  uriNdefMessage,
  VirtualCard,
  type VirtualCardOptions,
} from '../src/vcard/index.js';
import { ensurePcscd, type PcscdHandle, pcscdPrerequisite } from '../src/vcard/pcscd.js';
import { inCi, shouldRun } from './services.js';

const missing = await pcscdPrerequisite();
const SARA = '04A1B2C3D4E5F6'; // demo member m-1001
const TOKEN_KEY = { kid: 'k1', key: Buffer.from('6b'.repeat(32), 'hex') };
const SUN_MASTER = Buffer.from('00112233445566778899AABBCCDDEEFF', 'hex');

function sessionWatcher(sys: RunningSystem) {
  const sessions: KioskSession[] = [];
  sys.agent.bus.on('session', (s) => void sessions.push(s));
  return {
    sessions,
    async next(
      from: number,
      accept: (s: KioskSession) => boolean,
      timeoutMs = 10_000,
    ): Promise<KioskSession> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = sessions.slice(from).find(accept);
        if (found) return found;
        if (Date.now() > deadline)
          throw new Error(
            `no matching session within ${timeoutMs} ms; saw ${JSON.stringify(sessions.slice(from))}`,
          );
        await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
}

const settled = (s: KioskSession) =>
  s.kind === 'unknown-card' || (s.kind === 'member' && s.source === 'server');

describe.runIf(shouldRun('card-security', missing))('card anti-clone through pcscd, agent and server', () => {
  let pcscd: PcscdHandle | undefined;
  const cards: VirtualCard[] = [];
  const present = async (uid: string, options: VirtualCardOptions = {}) => {
    const card = await VirtualCard.present(uid, { connectAttempts: 25, retryDelayMs: 200, ...options });
    cards.push(card);
    return card;
  };
  /** Presents, waits for the settled session, takes the card away again. */
  const tap = async (w: ReturnType<typeof sessionWatcher>, uid: string, options: VirtualCardOptions = {}) => {
    const from = w.sessions.length;
    const card = await present(uid, options);
    const session = await w.next(from, settled);
    await card.remove();
    await new Promise((r) => setTimeout(r, 400)); // past the reader's debounce
    return { session, card };
  };

  beforeAll(async () => {
    if (missing && inCi) throw new Error(`the card security test must run in CI, but ${missing}`);
    pcscd = await ensurePcscd();
  });
  afterEach(async () => {
    await Promise.all(cards.splice(0).map((c) => c.remove()));
  });
  afterAll(async () => {
    await pcscd?.stop();
  });

  describe('CARD_SECURITY=token', () => {
    let sys: RunningSystem;
    let w: ReturnType<typeof sessionWatcher>;
    beforeAll(async () => {
      sys = await startSystem({
        reader: 'pcsc',
        deviceId: 'kiosk-cards-token',
        serverEnv: {
          CARD_SECURITY: 'token',
          CARD_TOKEN_KEYS: `${TOKEN_KEY.kid}:${TOKEN_KEY.key.toString('hex')}`,
        },
      });
      w = sessionWatcher(sys);
    });
    afterAll(() => sys?.stop());

    it('the issued card with its token shows the member', async () => {
      const token = issueCardToken(TOKEN_KEY, SARA, 'C0001001');
      const { session } = await tap(w, SARA, {
        behaviour: (uid) => ntag215Card(uid, tokenNdefMessage(token)),
      });
      expect(session).toMatchObject({ kind: 'member', source: 'server', member: { id: 'm-1001' } });
    });

    it('a plain UID clone (same UID, no token) is rejected as an unknown card', async () => {
      const { session } = await tap(w, SARA); // answers GET UID only, like a UID-writable "magic" tag
      expect(session).toMatchObject({ kind: 'unknown-card', cardUid: SARA, rejected: 'proof-missing' });
      expect(sys.agent.reader.kind).toBe('pcsc');
    });

    it('a clone with a forged token, or the token of another card, is rejected', async () => {
      const forged = issueCardToken({ kid: 'k1', key: Buffer.alloc(32, 1) }, SARA, 'C0001001');
      const first = await tap(w, SARA, { behaviour: (uid) => ntag215Card(uid, tokenNdefMessage(forged)) });
      expect(first.session).toMatchObject({ kind: 'unknown-card', rejected: 'proof-invalid' });
      const someoneElses = issueCardToken(TOKEN_KEY, '04000000000001', 'C0001002');
      const second = await tap(w, SARA, {
        behaviour: (uid) => ntag215Card(uid, tokenNdefMessage(someoneElses)),
      });
      expect(second.session).toMatchObject({ kind: 'unknown-card', rejected: 'proof-invalid' });
    });
  });

  describe('CARD_SECURITY=sun', () => {
    let sys: RunningSystem;
    let w: ReturnType<typeof sessionWatcher>;
    beforeAll(async () => {
      sys = await startSystem({
        reader: 'pcsc',
        deviceId: 'kiosk-cards-sun',
        serverEnv: { CARD_SECURITY: 'sun', CARD_SUN_MASTER_KEY: SUN_MASTER.toString('hex') },
      });
      w = sessionWatcher(sys);
    });
    afterAll(() => sys?.stop());

    it('an NTAG 424 DNA SUN tap shows the member; its replayed message is rejected; the card still works', async () => {
      const chip: Ntag424 = ntag424Card(Buffer.from(SARA, 'hex'), {
        key: deriveSunCardKey(SUN_MASTER, SARA),
        counter: 41,
      });
      const genuine = await tap(w, SARA, { behaviour: () => chip });
      expect(genuine.session).toMatchObject({ kind: 'member', source: 'server', member: { id: 'm-1001' } });
      expect(chip.counter).toBe(42);

      // A recorded tap written to a writable tag with the same UID: a valid MAC, an old counter.
      const recorded = chip.messages.at(-1)!;
      const replay = await tap(w, SARA, { behaviour: (uid) => ntag215Card(uid, uriNdefMessage(recorded)) });
      expect(replay.session).toMatchObject({ kind: 'unknown-card', cardUid: SARA, rejected: 'replayed' });

      const again = await tap(w, SARA, { behaviour: () => chip });
      expect(again.session).toMatchObject({ kind: 'member', source: 'server' });
      expect(chip.counter).toBe(43);
      const row = await sys.server.db.get<{ sun_counter: number }>(
        'SELECT sun_counter FROM card_security WHERE uid = ?',
        [SARA],
      );
      expect(row?.sun_counter).toBe(43);
    });

    it('the encrypted SUN mirror works too, and a plain UID clone is rejected', async () => {
      const chip = ntag424Card(Buffer.from(SARA, 'hex'), {
        key: deriveSunCardKey(SUN_MASTER, SARA),
        counter: 100,
        encrypted: true,
      });
      const genuine = await tap(w, SARA, { behaviour: () => chip });
      expect(genuine.session).toMatchObject({ kind: 'member', source: 'server' });
      expect(chip.messages.at(-1)).toMatch(/\?e=[0-9A-F]{32}&m=[0-9A-F]{16}$/);
      const clone = await tap(w, SARA);
      expect(clone.session).toMatchObject({ kind: 'unknown-card', rejected: 'proof-missing' });
    });
  });
});
