import { join } from 'node:path';
import type { KioskSession } from '@bashgah/protocol';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { sampleMember, tempDir, waitFor } from '../../test/fixtures.js';
import type { AgentEvents } from '../agent-events.js';
import { EventBus } from '../event-bus.js';
import { RpcError } from '../link/rpc-client.js';
import { MemberCache } from '../store/member-cache.js';
import { Sqlite } from '../store/sqlite.js';
import { type MemberLookup, TapSession } from './tap-session.js';

type LookupResult = Awaited<ReturnType<MemberLookup['call']>>;

async function setup(lookup: MemberLookup['call'] | (() => Promise<LookupResult>), idleMs = 60_000) {
  const dir = await tempDir('session');
  const db = await Sqlite.open(join(dir.path, 'agent.db'));
  const cache = await MemberCache.open(db);
  const bus = new EventBus<AgentEvents>((_e, err) => {
    throw err;
  });
  const seen: KioskSession[] = [];
  bus.on('session', (s) => {
    seen.push(s);
  });
  const session = new TapSession({
    bus,
    cache,
    rpc: { call: lookup },
    logger: pino({ level: 'silent' }),
    idleMs,
    lookupTimeoutMs: 100,
  });
  const tap = (uid: string) => session.handleTap({ uid, reader: 'test', at: new Date() });
  const close = async () => {
    await session.stop();
    await db.close();
    await dir.remove();
  };
  return { cache, session, seen, tap, close };
}

describe('TapSession', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => close?.());

  it('shows the cached member at once, then the server view, and caches it', async () => {
    const fresh = sampleMember({ points: 200 });
    const t = await setup(async () => ({ found: true, member: fresh }));
    close = t.close;
    await t.cache.put(sampleMember({ points: 100 }));
    await t.tap(fresh.cardUid);
    expect(t.seen.map((s) => (s.kind === 'member' ? [s.source, s.member.points] : s.kind))).toEqual([
      ['cache', 100],
      ['server', 200],
    ]);
    expect((await t.cache.get(fresh.cardUid))?.points).toBe(200);
  });

  it('turns a card the server does not know into unknown-card and forgets its cache', async () => {
    const t = await setup(async () => ({ found: false as const }));
    close = t.close;
    await t.cache.put(sampleMember());
    await t.tap(sampleMember().cardUid);
    expect(t.session.current()).toMatchObject({ kind: 'unknown-card', cardUid: sampleMember().cardUid });
    expect(await t.cache.get(sampleMember().cardUid)).toBeUndefined();
  });

  it('sends what the card proved with the lookup, and shows a rejected card as unknown with the reason', async () => {
    const calls: unknown[] = [];
    const t = await setup(async (_method, params) => {
      calls.push(params);
      return { found: false, rejected: 'replayed' };
    });
    close = t.close;
    const proof = { kind: 'sun' as const, uid: '04A1B2C3D4E5F6', counter: '000008', mac: '0011223344556677' };
    await t.session.handleTap({
      uid: '04A1B2C3D4E5F6',
      reader: 'test',
      at: new Date(),
      card: { family: 'iso14443-4', proof },
    });
    await t.tap('04A1B2C3'); // no card data: no proof sent, as before
    expect(calls).toEqual([{ cardUid: '04A1B2C3D4E5F6', proof }, { cardUid: '04A1B2C3' }]);
    expect(t.seen[0]).toMatchObject({
      kind: 'unknown-card',
      cardUid: '04A1B2C3D4E5F6',
      rejected: 'replayed',
    });
  });

  it('keeps the cached member when the server is unreachable, else shows unknown-card', async () => {
    const t = await setup(async () => {
      throw new RpcError('timeout', 'no reply');
    });
    close = t.close;
    await t.cache.put(sampleMember());
    await t.tap(sampleMember().cardUid);
    expect(t.session.current()).toMatchObject({ kind: 'member', source: 'cache' });
    await t.tap('04FFFFFF');
    expect(t.session.current()).toMatchObject({ kind: 'unknown-card', cardUid: '04FFFFFF' });
  });

  it('lets a newer tap win over a slower lookup from an earlier one', async () => {
    let release: (r: LookupResult) => void = () => {};
    const slow = new Promise<LookupResult>((r) => {
      release = r;
    });
    let calls = 0;
    const t = await setup(() => (++calls === 1 ? slow : Promise.resolve({ found: false as const })));
    close = t.close;
    const first = t.tap(sampleMember().cardUid);
    await waitFor(() => calls === 1, 'the first lookup');
    await t.tap('04FFFFFF');
    release({ found: true, member: sampleMember() });
    await first;
    expect(t.session.current()).toMatchObject({ kind: 'unknown-card', cardUid: '04FFFFFF' });
  });

  it('returns to idle after the idle time, clearing the member', async () => {
    const t = await setup(async () => ({ found: true, member: sampleMember() }), 1000);
    close = t.close;
    await t.tap(sampleMember().cardUid);
    expect(t.session.current().kind).toBe('member');
    await new Promise((r) => setTimeout(r, 1100));
    expect(t.session.current()).toEqual({ kind: 'idle' });
    expect(t.seen.at(-1)).toEqual({ kind: 'idle' });
  });
});
