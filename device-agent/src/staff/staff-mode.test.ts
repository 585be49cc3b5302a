import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sampleMember, tempDir } from '../../test/fixtures.js';
import type { AgentEvents } from '../agent-events.js';
import { loadAgentConfig } from '../config.js';
import { EventBus } from '../event-bus.js';
import { PrintJobStore } from '../print/job-store.js';
import { PrintService } from '../print/print-service.js';
import { TapSession } from '../session/tap-session.js';
import { MemberCache } from '../store/member-cache.js';
import { Outbox } from '../store/outbox.js';
import { Sqlite } from '../store/sqlite.js';
import { hashPin, verifyPin } from './pin.js';
import { FIRST_LOCK_MS, PIN_ATTEMPTS, StaffMode } from './staff-mode.js';

const STAFF_UID = '04DEADBEEF0001';
const tap = (uid: string) => ({ uid, reader: 'test', at: new Date() });

/** Real SQLite, outbox, session and (printer-less) print service; the clock is the test's. */
describe('staff mode', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let db: Sqlite;
  let outbox: Outbox;
  let session: TapSession;
  let bus: EventBus<AgentEvents>;
  let print: PrintService;
  let now = Date.parse('2026-11-24T10:00:00Z');
  const logger = pino({ level: 'silent' });
  const member = sampleMember();
  const modes: StaffMode[] = [];

  const open = async () => {
    const mode = await StaffMode.open({
      deviceId: 'kiosk-01',
      db,
      bus,
      outbox,
      session,
      print,
      cards: new Map([[STAFF_UID, { staffId: 'ali', pinHash: await hashPin('4821') }]]),
      idleMs: 200,
      flush: () => {},
      logger,
      now: () => now,
    });
    modes.push(mode);
    return mode;
  };

  beforeEach(async () => {
    dir = await tempDir('staff');
    db = await Sqlite.open(join(dir.path, 'agent.db'));
    outbox = await Outbox.open(db);
    bus = new EventBus<AgentEvents>((_e, err) => {
      throw err;
    });
    session = new TapSession({
      bus,
      cache: await MemberCache.open(db),
      rpc: { call: async () => ({ found: true, member }) },
      logger,
      idleMs: 60_000,
      lookupTimeoutMs: 100,
      intercept: (t) => modes.at(-1)?.onTap(t) ?? false,
    });
    print = await PrintService.start({
      deviceId: 'kiosk-01',
      config: { kind: 'none' },
      paperMm: 80,
      storeName: 'x',
      timeZone: 'Asia/Tehran',
      bus,
      jobs: await PrintJobStore.open(db),
      logger,
    });
  });

  afterEach(async () => {
    for (const m of modes.splice(0)) m.stop();
    await session.stop();
    await print.stop();
    await db.close();
    await dir.remove();
  });

  it('hashes PINs with scrypt and checks them in constant time', async () => {
    const h = await hashPin('4821');
    expect(h).toMatch(/^scrypt\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(h).not.toContain('4821');
    expect(await verifyPin('4821', h)).toBe(true);
    expect(await verifyPin('4822', h)).toBe(false);
    expect(await hashPin('4821')).not.toBe(h); // salted
  });

  it('accepts only hashed PINs in STAFF_CARDS', async () => {
    const entry = `${STAFF_UID}:ali:${await hashPin('4821')}`;
    expect(loadAgentConfig({ STAFF_CARDS: entry }).staffCards.get(STAFF_UID)?.staffId).toBe('ali');
    expect(() => loadAgentConfig({ STAFF_CARDS: `${STAFF_UID}:4821` })).toThrow(/staff-pin/);
  });

  it('a staff card asks for the PIN instead of a member lookup; the right PIN opens the panel', async () => {
    const mode = await open();
    await session.handleTap(tap(STAFF_UID));
    expect(session.current().kind).toBe('idle');
    expect(mode.state()).toMatchObject({ phase: 'pin', staffId: 'ali', attemptsLeft: PIN_ATTEMPTS });
    await expect(mode.purchase(member.id, 1000)).rejects.toMatchObject({ code: 'staff-closed' });
    expect(await mode.pin('4821')).toMatchObject({ phase: 'open', staffId: 'ali' });
  });

  it('locks the card after too many wrong PINs, across a restart, and doubles the next lock', async () => {
    let mode = await open();
    mode.onTap(tap(STAFF_UID));
    for (let i = 1; i < PIN_ATTEMPTS; i++) {
      await expect(mode.pin('0000')).rejects.toMatchObject({ status: 401, code: 'staff-pin-wrong' });
    }
    expect(mode.state()).toMatchObject({ attemptsLeft: 1 });
    await expect(mode.pin('0000')).rejects.toMatchObject({ status: 423, code: 'staff-locked' });
    // Even the right PIN is refused while locked, and a restart does not unlock it.
    mode.stop();
    mode = await open();
    mode.onTap(tap(STAFF_UID));
    expect(mode.state()).toMatchObject({ phase: 'pin', attemptsLeft: 0 });
    await expect(mode.pin('4821')).rejects.toMatchObject({ code: 'staff-locked' });
    now += FIRST_LOCK_MS + 1;
    for (let i = 0; i < PIN_ATTEMPTS - 1; i++) await expect(mode.pin('0000')).rejects.toBeDefined();
    await expect(mode.pin('0000')).rejects.toMatchObject({ code: 'staff-locked' });
    expect(Date.parse((mode.state() as { lockedUntil: string }).lockedUntil) - now).toBe(2 * FIRST_LOCK_MS);
  });

  it('records a purchase for the member on screen only, through the outbox, in Rial', async () => {
    const mode = await open();
    await session.handleTap(tap(member.cardUid));
    mode.onTap(tap(STAFF_UID));
    await mode.pin('4821');
    await expect(mode.purchase('someone-else', 1000)).rejects.toMatchObject({ code: 'not-session-member' });
    const { eventId } = await mode.purchase(member.id, 120_000);
    const [row] = await outbox.pending(10);
    expect(row?.envelope).toMatchObject({
      id: eventId,
      type: 'staff.purchase',
      payload: { memberId: member.id, cardUid: member.cardUid, amountMinor: 1_200_000, staffId: 'ali' },
    });
  });

  it('binds the next card presented while waiting, instead of looking it up', async () => {
    const mode = await open();
    await session.handleTap(tap(member.cardUid));
    mode.onTap(tap(STAFF_UID));
    await mode.pin('4821');
    expect(mode.card(member.id, true)).toMatchObject({ awaitingCard: true });
    await session.handleTap(tap('04C0DE00000042'));
    await new Promise((r) => setTimeout(r, 50));
    const [row] = await outbox.pending(10);
    expect(row?.envelope).toMatchObject({
      type: 'staff.card',
      payload: { memberId: member.id, newCardUid: '04C0DE00000042', replace: true, staffId: 'ali' },
    });
    // The member is still the one on screen: the new card was not looked up.
    expect(session.current()).toMatchObject({ kind: 'member', member: { id: member.id } });
  });

  it('closes by itself after the idle time; the staff card again only keeps it open', async () => {
    const mode = await open();
    mode.onTap(tap(STAFF_UID));
    await mode.pin('4821');
    mode.onTap(tap(STAFF_UID));
    expect(mode.state().phase).toBe('open');
    await new Promise((r) => setTimeout(r, 350));
    expect(mode.state().phase).toBe('closed');
    await expect(mode.testPage()).rejects.toMatchObject({ status: 403 });
  });
});
