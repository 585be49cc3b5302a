import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { consoleHarness } from '../../../test/console-helpers.js';
import type { Commands } from '../../fleet/commands.js';

const NOW = new Date('2025-06-01T08:00:00.000Z');
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

describe('console rewards and campaigns API', () => {
  let h: Awaited<ReturnType<typeof consoleHarness>>;
  const pushed: unknown[] = [];
  beforeEach(async () => {
    pushed.length = 0;
    const commands = {
      send: async (_d: string, input: { command: string; params?: unknown }) => {
        pushed.push(input);
        return { id: 'x' };
      },
    } as unknown as Commands;
    h = await consoleHarness({ now: () => NOW, commands });
    await h.db.run("INSERT INTO devices (id, status, mqtt_password_hash) VALUES ('kiosk-1', 'online', 'x')");
    await h.admin(
      'POST',
      '/members-import',
      'name,phone,tier,consent_marketing\nAli,09121110001,gold,yes\nSara,09121110002,bronze,yes\nReza,09121110003,gold,no',
    );
  });
  afterEach(() => h.cleanup());

  const reward = {
    id: 'free-coffee',
    name: { fa: 'قهوه رایگان', en: 'Free coffee' },
    pointsCost: 200,
    stock: 10,
    minTier: 'silver',
    perMemberLimit: 1,
  };

  it('creates and edits rewards (operators only), audits, and pushes the catalog to kiosks', async () => {
    expect((await h.viewer('POST', '/rewards', reward)).status).toBe(403);
    expect((await h.operator('POST', '/rewards', { ...reward, pointsCost: 0 })).status).toBe(400);
    const r = await h.operator('POST', '/rewards', reward);
    expect(r.status, r.text).toBe(201);
    expect((await h.operator('POST', '/rewards', reward)).status).toBe(409);
    const cat = pushed.find((p) => (p as { command: string }).command === 'push-catalog') as {
      params: { catalog: { items: unknown[] } };
    };
    expect(cat.params.catalog.items).toEqual([
      { id: 'free-coffee', name: reward.name, pointsCost: 200, available: true },
    ]);
    const e = await h.operator('PATCH', '/rewards/free-coffee', { stock: 0, pointsCost: 150 });
    expect(e.json.reward).toMatchObject({ stock: 0, pointsCost: 150 });
    expect(
      (
        await h.operator('PATCH', '/rewards/free-coffee', {
          validFrom: '2025-07-01T00:00:00Z',
          validTo: '2025-06-01T00:00:00Z',
        })
      ).status,
    ).toBe(400);
    const audit = await h.db.get<{ details: string }>(
      "SELECT details FROM audit_log WHERE action = 'reward.update'",
    );
    expect(JSON.parse(audit!.details)).toMatchObject({
      before: { stock: 10, pointsCost: 200 },
      after: { stock: 0, pointsCost: 150 },
    });
    expect((await h.viewer('GET', '/rewards')).json.rewards[0].id).toBe('free-coffee');
  });

  it('takes PNG/JPEG/WebP images up to 1 MiB, checked by content', async () => {
    await h.operator('POST', '/rewards', reward);
    const up = (body: Buffer, type: string) =>
      h.app.request('/api/console/rewards/free-coffee/image', {
        method: 'PUT',
        headers: { authorization: `Bearer ${'x'}`, 'content-type': type },
        body: new Uint8Array(body),
      });
    expect((await up(PNG, 'image/png')).status).toBe(401);
    const call = async (body: Buffer, type: string) => {
      const login = await h.db.get<{ id: number }>("SELECT id FROM operators WHERE username = 'otto'");
      const { openSession } = await import('../../auth/operators.js');
      const s = await openSession(h.db, { id: login!.id, username: 'otto', role: 'operator' });
      return h.app.request('/api/console/rewards/free-coffee/image', {
        method: 'PUT',
        headers: { authorization: `Bearer ${s.token}`, 'content-type': type },
        body: new Uint8Array(body),
      });
    };
    expect((await call(Buffer.from('<svg onload=alert(1)>'), 'image/png')).status).toBe(415);
    expect((await call(PNG, 'image/jpeg')).status).toBe(415);
    expect((await call(Buffer.concat([PNG, Buffer.alloc(1024 * 1024)]), 'image/png')).status).toBe(413);
    const ok = await call(PNG, 'image/png');
    expect(ok.status).toBe(200);
    const img = await h.viewer('GET', '/rewards/free-coffee/image');
    expect(img.status).toBe(200);
  });

  it('runs a campaign to a segment now and reports results; viewers cannot', async () => {
    const body = {
      name: 'Gold bonus',
      segment: { tiers: ['gold'] },
      action: {
        type: 'bonus-points',
        points: 50,
        text: { fa: '{{points}} امتیاز هدیه', en: '{{points}} bonus points' },
      },
    };
    expect((await h.viewer('POST', '/campaigns', body)).status).toBe(403);
    const r = await h.operator('POST', '/campaigns', body);
    expect(r.status, r.text).toBe(201);
    expect(r.json.audience).toBe(2);
    expect(r.json.campaign).toMatchObject({
      status: 'done',
      reached: 2,
      messages: { queued: 1, skipped: 1 },
    });
    expect((await h.viewer('GET', '/members/m-1001')).json.points).toBe(50);
    expect((await h.viewer('GET', '/members/m-1003')).json.points).toBe(50);
    const later = await h.operator('POST', '/campaigns', {
      ...body,
      name: 'Later',
      scheduledAt: '2025-07-01T00:00:00.000Z',
    });
    expect(later.json.campaign.status).toBe('scheduled');
    expect(
      (await h.operator('POST', `/campaigns/${later.json.campaign.id}/cancel`)).json.campaign.status,
    ).toBe('cancelled');
    expect((await h.viewer('GET', '/campaigns')).json.campaigns).toHaveLength(2);
    expect((await h.viewer('GET', '/messages?status=queued')).json.messages).toHaveLength(1);
  });
});
