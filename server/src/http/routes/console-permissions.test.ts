import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleHarness } from '../../../test/console-helpers.js';

/** Every console write, and who may do it; reads are open to viewers and closed to strangers. */
const WRITES: Array<{ method: string; path: string; need: 'operator' | 'admin'; body?: unknown }> = [
  { method: 'PATCH', path: '/members/m-1001', need: 'operator', body: {} },
  { method: 'POST', path: '/members/m-1001/adjust', need: 'operator', body: { points: 1, reason: 'xyz' } },
  {
    method: 'POST',
    path: '/members/m-1001/cards/04A1B2C3D4E5F6/block',
    need: 'operator',
    body: { reason: 'lost' },
  },
  {
    method: 'POST',
    path: '/members/m-1001/cards/04A1B2C3D4E5F6/replace',
    need: 'operator',
    body: { newUid: '04AAAAAAAAAAAA' },
  },
  { method: 'POST', path: '/members-import', need: 'admin', body: 'name,phone\nX,09121110099' },
  { method: 'GET', path: '/members-export.csv', need: 'operator' },
  { method: 'POST', path: '/segments', need: 'operator', body: { name: 'n', filter: {} } },
  { method: 'DELETE', path: '/segments/1', need: 'operator' },
  { method: 'PUT', path: '/programme/rules', need: 'admin', body: {} },
  { method: 'POST', path: '/programme/rules/rollback', need: 'admin', body: { version: 1 } },
  { method: 'PUT', path: '/programme/settings', need: 'admin', body: {} },
  { method: 'POST', path: '/programme/settings/rollback', need: 'admin', body: { version: 1 } },
  { method: 'POST', path: '/programme/push', need: 'operator' },
  { method: 'POST', path: '/rewards', need: 'operator', body: {} },
  { method: 'PATCH', path: '/rewards/x', need: 'operator', body: {} },
  { method: 'PUT', path: '/rewards/x/image', need: 'operator', body: {} },
  { method: 'POST', path: '/campaigns', need: 'operator', body: {} },
  { method: 'POST', path: '/campaigns/1/cancel', need: 'operator' },
  { method: 'POST', path: '/reports/rfm/run', need: 'operator' },
];
const READS = [
  '/members/m-1001',
  '/segments',
  '/programme',
  '/rewards',
  '/campaigns',
  '/messages',
  '/reports/dashboard?from=2025-01-01&to=2025-01-31',
  '/reports/rfm',
  '/reports/summary.csv?from=2025-01-01&to=2025-01-31',
  '/stores',
];

describe('console permissions', () => {
  let h: Awaited<ReturnType<typeof consoleHarness>>;
  beforeAll(async () => {
    h = await consoleHarness();
    await h.admin('POST', '/members-import', 'name,phone,card_uid\nAli,09121110001,04A1B2C3D4E5F6');
  });
  afterAll(() => h.cleanup());

  for (const w of WRITES) {
    it(`${w.method} ${w.path}: refused to a viewer${w.need === 'admin' ? ' and an operator' : ''}`, async () => {
      const v = await h.viewer(w.method, w.path, w.body);
      expect(v.status).toBe(403);
      expect(v.json.error.code).toBe('forbidden');
      if (w.need === 'admin') expect((await h.operator(w.method, w.path, w.body)).status).toBe(403);
      const nobody = await h.app.request(`/api/console${w.path}`, { method: w.method });
      expect(nobody.status).toBe(401);
    });
  }

  it('lets a viewer read every page', async () => {
    for (const p of READS) expect((await h.viewer('GET', p)).status, p).toBe(200);
    for (const p of READS) expect((await h.app.request(`/api/console${p}`)).status, p).toBe(401);
  });

  it('records no audit entry for a refused write', async () => {
    const n = (await h.db.get<{ n: number }>("SELECT count(*) AS n FROM audit_log WHERE actor = 'vic'"))!.n;
    expect(n).toBe(0);
  });
});
