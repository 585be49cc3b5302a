import { ApiError, MemberView } from '@bashgah/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger, tempDb } from '../../test/helpers.js';
import { upsertDevice } from '../db/repos/devices.js';
import { seedDemo } from '../seed.js';
import { createApp } from './app.js';
import { HttpError } from './errors.js';

const policy = { points: 10, timeZone: 'Asia/Tehran' };

describe('HTTP app', () => {
  let t: Awaited<ReturnType<typeof tempDb>>;
  let mqttUp = true;
  let app: ReturnType<typeof createApp>;
  beforeEach(async () => {
    t = await tempDb();
    await seedDemo(t.db);
    mqttUp = true;
    app = createApp({ db: t.db, policy, logger: silentLogger, mqttConnected: () => mqttUp });
  });
  afterEach(() => t.cleanup());

  const expectApiError = async (res: Response, status: number, code: string) => {
    expect(res.status).toBe(status);
    const body = ApiError.parse(await res.json());
    expect(body.error.code).toBe(code);
    return body;
  };

  it('reports health of the database and the MQTT link', async () => {
    let res = await app.request('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, db: true, mqtt: true });
    mqttUp = false;
    res = await app.request('/healthz');
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ ok: false, db: true, mqtt: false });
  });

  it('returns a member view by member id and by card', async () => {
    const byId = await app.request('/api/members/m-1003');
    expect(byId.status).toBe(200);
    expect(MemberView.parse(await byId.json())).toMatchObject({ id: 'm-1003', points: 2450, tier: 'gold' });
    const byCard = await app.request('/api/members?card=04:a1:b2:c3:d4:e5:f6');
    expect(byCard.status).toBe(200);
    expect(MemberView.parse(await byCard.json())).toMatchObject({ id: 'm-1001', cardUid: '04A1B2C3D4E5F6' });
  });

  it('answers 404 with an ApiError body for unknown members, cards and routes', async () => {
    const body = await expectApiError(await app.request('/api/members/m-9999'), 404, 'member-not-found');
    expect(body.error.message).toMatch(/m-9999/);
    await expectApiError(await app.request('/api/members?card=DEADBEEF'), 404, 'member-not-found');
    await expectApiError(await app.request('/api/nothing-here'), 404, 'not-found');
    await expectApiError(await app.request('/api/members?card=xyz'), 400, 'bad-request');
  });

  it('lists devices', async () => {
    await upsertDevice(t.db, {
      id: 'kiosk-01',
      status: 'online',
      lastSeen: '2025-01-01T00:00:00.000Z',
      agentVersion: '0.1.0',
    });
    const res = await app.request('/api/devices');
    expect(await res.json()).toEqual({
      devices: [
        {
          id: 'kiosk-01',
          name: null,
          status: 'online',
          lastSeen: '2025-01-01T00:00:00.000Z',
          agentVersion: '0.1.0',
        },
      ],
    });
  });

  it('refuses bodies over 64 KiB with 413', async () => {
    const big = 'x'.repeat(64 * 1024 + 1);
    const res = await app.request('/api/members', {
      method: 'POST',
      body: big,
      headers: { 'content-type': 'text/plain', 'content-length': String(big.length) },
    });
    await expectApiError(res, 413, 'payload-too-large');
  });

  it('turns HttpError into its ApiError and hides the details of unexpected errors', async () => {
    app.get('/boom/http', () => {
      throw new HttpError(409, 'conflict', 'card already issued');
    });
    app.get('/boom/internal', () => {
      throw new Error('SQLITE_CORRUPT at /srv/secret/path.db');
    });
    const conflict = await expectApiError(await app.request('/boom/http'), 409, 'conflict');
    expect(conflict.error.message).toBe('card already issued');
    const internal = await expectApiError(await app.request('/boom/internal'), 500, 'internal');
    expect(JSON.stringify(internal)).not.toMatch(/SQLITE|secret/);
  });

  it('reports the database as down when a query fails', async () => {
    await t.db.close();
    const res = await app.request('/healthz');
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ ok: false, db: false });
  });
});
