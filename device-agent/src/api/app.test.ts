import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiError, KioskState } from '@bashgah/protocol';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sampleMember, tempDir } from '../../test/fixtures.js';
import { CheckinAction } from '../actions/checkin.js';
import type { AgentEvents } from '../agent-events.js';
import { EventBus } from '../event-bus.js';
import { SimReader } from '../hardware/reader/sim-reader.js';
import { TapSession } from '../session/tap-session.js';
import { MemberCache } from '../store/member-cache.js';
import { Outbox } from '../store/outbox.js';
import { Sqlite } from '../store/sqlite.js';
import { type AppDeps, BODY_LIMIT_BYTES, createApp } from './app.js';

/** Real store, session and check-in; only the server lookup is a stub (no MQTT in this test). */
async function setup(options: { simulator?: boolean; uiBuilt?: boolean } = {}) {
  const dir = await tempDir('api');
  const db = await Sqlite.open(join(dir.path, 'agent.db'));
  const outbox = await Outbox.open(db);
  const cache = await MemberCache.open(db);
  const logger = pino({ level: 'silent' });
  const bus = new EventBus<AgentEvents>((_e, err) => {
    throw err;
  });
  const member = sampleMember();
  const session = new TapSession({
    bus,
    cache,
    rpc: { call: async () => ({ found: true, member }) },
    logger,
    idleMs: 60_000,
    lookupTimeoutMs: 100,
  });
  let flushes = 0;
  const checkin = new CheckinAction({
    deviceId: 'kiosk-01',
    bus,
    outbox,
    session,
    flush: () => flushes++,
    logger,
  });
  const reader = new SimReader({ bus });
  const uiDir = join(dir.path, 'ui');
  if (options.uiBuilt) {
    await mkdir(join(uiDir, 'assets'), { recursive: true });
    await writeFile(join(uiDir, 'index.html'), '<!doctype html><title>kiosk</title>');
    await writeFile(join(uiDir, 'assets', 'app.js'), 'console.log(1)');
  }
  const deps: AppDeps = {
    bus,
    state: async () => ({
      deviceId: 'kiosk-01',
      online: false,
      reader: reader.state(),
      outboxDepth: await outbox.depth(),
      session: session.current(),
    }),
    checkin: (id) => checkin.checkin(id),
    simTap: options.simulator ? (uid) => void reader.tap(uid) : undefined,
    kioskUiDir: uiDir,
    logger,
  };
  const app = createApp(deps);
  const post = (path: string, body: unknown) =>
    app.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const close = async () => {
    checkin.stop();
    await session.stop();
    await reader.stop();
    await db.close();
    await dir.remove();
  };
  return { app, post, session, outbox, member, flushes: () => flushes, close };
}

const expectApiError = async (res: Response, status: number, code: string) => {
  expect(res.status).toBe(status);
  const body = ApiError.parse(await res.json());
  expect(body.error.code).toBe(code);
  return body;
};

describe('agent API', () => {
  let t: Awaited<ReturnType<typeof setup>>;
  beforeEach(async () => {
    t = await setup({ simulator: true });
  });
  afterEach(async () => t.close());

  it('GET /api/state answers a valid KioskState', async () => {
    const res = await t.app.request('/api/state');
    expect(res.status).toBe(200);
    expect(KioskState.parse(await res.json())).toMatchObject({
      deviceId: 'kiosk-01',
      session: { kind: 'idle' },
    });
  });

  it('queues a check-in for the session member durably, and refuses anyone else with 409', async () => {
    await expectApiError(await t.post('/api/checkin', { memberId: t.member.id }), 409, 'not-session-member');

    await t.session.handleTap({ uid: t.member.cardUid, reader: 'test', at: new Date() });
    await expectApiError(
      await t.post('/api/checkin', { memberId: 'someone-else' }),
      409,
      'not-session-member',
    );

    const res = await t.post('/api/checkin', { memberId: t.member.id });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { eventId: string; status: string };
    expect(body.status).toBe('queued');
    const [row] = await t.outbox.pending();
    expect(row?.envelope).toMatchObject({
      id: body.eventId,
      type: 'checkin',
      payload: { memberId: t.member.id, cardUid: t.member.cardUid },
    });
    expect(t.flushes()).toBe(1);
  });

  it('answers 400 with an ApiError for bad JSON and bad bodies, changing nothing', async () => {
    await expectApiError(await t.post('/api/checkin', '{nope'), 400, 'bad-json');
    const res = await t.post('/api/checkin', { memberId: 'm1', admin: true });
    await expectApiError(res, 400, 'bad-request');
    await expectApiError(await t.post('/sim/tap', { uid: 'zz' }), 400, 'bad-request');
    expect(await t.outbox.depth()).toBe(0);
  });

  it('answers 413 for a body over the limit', async () => {
    const big = JSON.stringify({ memberId: 'x'.repeat(BODY_LIMIT_BYTES) });
    await expectApiError(await t.post('/api/checkin', big), 413, 'too-large');
  });

  it('POST /sim/tap injects a tap in simulator mode', async () => {
    const res = await t.post('/sim/tap', { uid: t.member.cardUid });
    expect(res.status).toBe(202);
  });

  it('answers 404 ApiError for unknown API paths', async () => {
    await expectApiError(await t.app.request('/api/nope'), 404, 'not-found');
  });

  it('says clearly when the kiosk UI is not built', async () => {
    const body = await expectApiError(await t.app.request('/'), 503, 'ui-not-built');
    expect(body.error.message).toMatch(/kiosk UI not built: run npm run build/);
  });
});

describe('agent API without the simulator, with a built UI', () => {
  let t: Awaited<ReturnType<typeof setup>>;
  beforeEach(async () => {
    t = await setup({ simulator: false, uiBuilt: true });
  });
  afterEach(async () => t.close());

  it('has no /sim/tap', async () => {
    await expectApiError(await t.post('/sim/tap', { uid: '04A1B2C3' }), 404, 'not-found');
  });

  it('serves index.html for / and client routes, and assets by path', async () => {
    for (const path of ['/', '/member']) {
      const res = await t.app.request(path);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      expect(await res.text()).toContain('<title>kiosk</title>');
    }
    const js = await t.app.request('/assets/app.js');
    expect(js.status).toBe(200);
    expect(await js.text()).toBe('console.log(1)');
    expect((await t.app.request('/assets/missing.js')).status).toBe(404);
  });
});
