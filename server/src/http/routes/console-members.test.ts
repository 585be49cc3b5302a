import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { consoleHarness } from '../../../test/console-helpers.js';
import { recordPurchase } from '../../engine/purchases.js';
import { createStore } from '../../engine/stores.js';

const NOW = new Date('2025-06-01T08:00:00.000Z');

describe('console members API', () => {
  let h: Awaited<ReturnType<typeof consoleHarness>>;
  beforeEach(async () => {
    h = await consoleHarness({ now: () => NOW });
    const csv = [
      'name,phone,email,tier,card_uid,points,consent_marketing',
      'Ali Rezaei,09121110001,ali@example.com,gold,04A1B2C3D4E5F6,500,yes',
      'Sara Ahmadi,0912 111 0002,,silver,04A1B2C3D4E5F7,100,no',
      'مریم کریمی,۰۹۱۲۱۱۱۰۰۰۳,,,,,1',
    ].join('\n');
    const r = await h.admin('POST', '/members-import', csv);
    expect(r.status, r.text).toBe(200);
    expect(r.json).toEqual({ imported: 3 });
  });
  afterEach(() => h.cleanup());

  it('finds members by phone however typed, card UID, member number and part of a name', async () => {
    const q = async (text: string) =>
      (
        (await h.viewer('POST', '/members/query', { filter: { q: text } })).json.members as Array<{
          displayName: string;
        }>
      ).map((m) => m.displayName);
    expect(await q('+989121110002')).toEqual(['Sara Ahmadi']);
    expect(await q('۰۹۱۲۱۱۱۰۰۰۱')).toEqual(['Ali Rezaei']);
    expect(await q('04:a1:b2:c3:d4:e5:f7')).toEqual(['Sara Ahmadi']);
    expect(await q('1003')).toEqual(['مریم کریمی']);
    expect(await q('ezae')).toEqual(['Ali Rezaei']);
    expect(await q('کریم')).toEqual(['مریم کریمی']);
    expect(await q('Sa')).toEqual(['Sara Ahmadi']);
    expect(await q('09121110')).toHaveLength(3);
    const listed = (await h.viewer('POST', '/members/query', { filter: { q: '09121110001' } })).json
      .members[0];
    expect(listed.phone).toBe('0912***0001');
  });

  it('filters by tier, spend, visits, category and store, and saves segments', async () => {
    const { apiKey } = await createStore(h.db, { id: 'S1', name: 'Tajrish' }, NOW);
    expect(apiKey).toBeTruthy();
    await recordPurchase(
      h.db,
      {
        storeId: 'S1',
        receiptId: 'R1',
        memberId: 'm-1001',
        amountMinor: 2_500_000,
        currency: 'IRR',
        lines: [{ category: 'general', amountMinor: 2_500_000, quantity: 1 }],
      },
      { now: NOW, timeZone: 'Asia/Tehran' },
    );
    const count = async (filter: unknown) =>
      (await h.viewer('POST', '/members/query', { filter })).json.count;
    expect(await count({})).toBe(3);
    expect(await count({ tiers: ['gold', 'silver'] })).toBe(2);
    expect(await count({ minSpend: 1_000_000 })).toBe(1);
    expect(await count({ minVisits: 1 })).toBe(1);
    expect(await count({ categories: ['general'] })).toBe(1);
    expect(await count({ store: 'S1' })).toBe(1);
    expect(await count({ store: 'S2' })).toBe(0);
    // A category or store list driving the count, with more filters on top.
    expect(await count({ categories: ['general'], minVisits: 1 })).toBe(1);
    expect(await count({ categories: ['general'], minVisits: 2 })).toBe(0);
    expect(await count({ store: 'S1', tiers: ['gold'] })).toBe(1);
    expect(await count({ store: 'S1', tiers: ['silver'] })).toBe(0);
    expect(await count({ store: 'S1', categories: ['general'], reachable: true })).toBe(1);
    expect(await count({ reachable: true })).toBe(2);
    expect(await count({ lastVisitBefore: '2025-01-01' })).toBe(2);
    expect((await h.viewer('POST', '/members/query', { filter: { tiers: ['diamond'] } })).status).toBe(400);

    expect((await h.viewer('POST', '/segments', { name: 'x', filter: {} })).status).toBe(403);
    const seg = await h.operator('POST', '/segments', {
      name: 'Gold and silver',
      filter: { tiers: ['gold', 'silver'] },
    });
    expect(seg.status).toBe(201);
    expect(seg.json.count).toBe(2);
    expect((await h.viewer('GET', '/segments')).json.segments[0].name).toBe('Gold and silver');
    expect((await h.viewer('POST', '/members/query', { segmentId: seg.json.id })).json.count).toBe(2);
    const audit = await h.db.get<{ actor: string }>(
      "SELECT actor FROM audit_log WHERE action = 'segment.create'",
    );
    expect(audit?.actor).toBe('otto');
  });

  it('shows the member page with a masked phone; revealing it is for operators and audited', async () => {
    const page = await h.viewer('GET', '/members/m-1001');
    expect(page.status).toBe(200);
    expect(page.json.member.phone).toBe('0912***0001');
    expect(page.json.points).toBe(500);
    expect(page.json.cards).toEqual([expect.objectContaining({ uid: '04A1B2C3D4E5F6', status: 'active' })]);
    expect(page.json.ledger[0]).toMatchObject({
      kind: 'adjust',
      points: 500,
      cause: 'import:opening-balance',
    });
    expect((await h.viewer('GET', '/members/m-1001?reveal=phone')).status).toBe(403);
    const full = await h.operator('GET', '/members/m-1001?reveal=phone');
    expect(full.json.member.phone).toBe('+989121110001');
    expect(
      await h.db.get("SELECT 1 FROM audit_log WHERE action = 'member.phone.reveal' AND actor = 'otto'"),
    ).toBeTruthy();
    expect((await h.viewer('GET', '/members/m-9999')).status).toBe(404);
  });

  it('adjusts points with a reason, audited with before and after; viewers cannot', async () => {
    expect(
      (await h.viewer('POST', '/members/m-1001/adjust', { points: 50, reason: 'goodwill' })).status,
    ).toBe(403);
    expect((await h.operator('POST', '/members/m-1001/adjust', { points: 50 })).status).toBe(400);
    expect(
      (await h.operator('POST', '/members/m-1001/adjust', { points: 0, reason: 'nothing' })).status,
    ).toBe(400);
    const r = await h.operator('POST', '/members/m-1001/adjust', {
      points: -120,
      reason: 'double-counted receipt',
    });
    expect(r.status, r.text).toBe(200);
    expect(r.json.balance).toBe(380);
    const row = await h.db.get<{ details: string; actor: string }>(
      "SELECT actor, details FROM audit_log WHERE action = 'points.adjust'",
    );
    expect(row?.actor).toBe('otto');
    expect(JSON.parse(row!.details)).toMatchObject({
      points: -120,
      before: { balance: 500 },
      after: { balance: 380 },
    });
    const over = await h.operator('POST', '/members/m-1001/adjust', { points: -1000, reason: 'too much' });
    expect(over.status).toBe(409);
    const page = await h.viewer('GET', '/members/m-1001');
    expect(page.json.ledger[0]).toMatchObject({
      kind: 'adjust',
      points: -120,
      cause: 'adjust:otto: double-counted receipt',
    });
  });

  it('edits a profile (audited with before/after), blocks a lost card and moves to a new one', async () => {
    const p = await h.operator('PATCH', '/members/m-1002', {
      displayName: 'Sara A.',
      consentMarketing: true,
      optedOut: true,
    });
    expect(p.status, p.text).toBe(200);
    const a = JSON.parse(
      (await h.db.get<{ details: string }>("SELECT details FROM audit_log WHERE action = 'member.update'"))!
        .details,
    );
    expect(a.before.displayName).toBe('Sara Ahmadi');
    expect(a.after.displayName).toBe('Sara A.');
    expect((await h.operator('PATCH', '/members/m-1002', { phone: '09121110001' })).status).toBe(409);
    expect(
      (await h.viewer('POST', '/members/m-1002/cards/04A1B2C3D4E5F7/block', { reason: 'lost' })).status,
    ).toBe(403);
    expect(
      (await h.operator('POST', '/members/m-1002/cards/04A1B2C3D4E5F6/block', { reason: 'lost' })).status,
    ).toBe(404);
    const mv = await h.operator('POST', '/members/m-1002/cards/04A1B2C3D4E5F7/replace', {
      newUid: '04AAAAAAAAAAAA',
    });
    expect(mv.status, mv.text).toBe(200);
    const cards = (await h.viewer('GET', '/members/m-1002')).json.cards;
    expect(cards.map((c: { uid: string; status: string }) => `${c.uid}:${c.status}`).sort()).toEqual([
      '04A1B2C3D4E5F7:blocked',
      '04AAAAAAAAAAAA:active',
    ]);
  });

  it('imports nothing when any row is bad, and reports every problem by row', async () => {
    const csv = [
      'name,phone,tier,card_uid',
      'Good One,09121110009,gold,',
      ',09121110010,,',
      'Bad Phone,12345,,',
      'Dup,09121110009,,',
      'Taken,09121110001,platinumx,04A1B2C3D4E5F6',
    ].join('\r\n');
    const r = await h.admin('POST', '/members-import', csv);
    expect(r.status).toBe(422);
    const errs = r.json.error.details.errors as Array<{ row: number; field: string }>;
    expect(errs.map((e) => `${e.row}:${e.field}`).sort()).toEqual(
      ['2:name', '3:phone', '4:phone', '5:tier'].sort(),
    );
    expect((await h.db.get<{ n: number }>('SELECT count(*) AS n FROM members'))!.n).toBe(3);
    // A file whose rows are valid but clash with the club is refused the same way.
    const clash = await h.admin(
      'POST',
      '/members-import',
      'name,phone,card_uid\nX,09121110001,\nY,09121110077,04A1B2C3D4E5F6',
    );
    expect(clash.status).toBe(422);
    expect(
      clash.json.error.details.errors
        .map((e: { row: number; field: string }) => `${e.row}:${e.field}`)
        .sort(),
    ).toEqual(['1:phone', '2:card_uid']);
    expect((await h.operator('POST', '/members-import', 'name,phone\nX,09121110055')).status).toBe(403);
  });

  it('exports members as CSV, safe for spreadsheets', async () => {
    await h.operator('PATCH', '/members/m-1003', { displayName: '=HYPERLINK("x")' });
    const r = await h.operator('GET', '/members-export.csv');
    expect(r.status).toBe(200);
    const lines = r.text
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe(
      'number,name,phone,email,tier,points,spend_minor,visits,last_visit_at,rfm_segment,created_at',
    );
    expect(lines).toHaveLength(4);
    expect(lines[1]).toMatch(/^1001,Ali Rezaei,09121110001,,gold,500,/);
    expect(lines[3]).toContain(`"'=HYPERLINK(""x"")"`);
    expect((await h.viewer('GET', '/members-export.csv')).status).toBe(403);
    const gold = await h.operator(
      'GET',
      `/members-export.csv?filter=${encodeURIComponent(JSON.stringify({ tiers: ['gold'] }))}`,
    );
    expect(gold.text.trim().split('\r\n')).toHaveLength(2);
  });
});
