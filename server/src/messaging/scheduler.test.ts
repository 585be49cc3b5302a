import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger, tempDb } from '../../test/helpers.js';
import { campaignResults, createCampaign, redeemCampaignCode, runCampaign } from '../campaigns/campaigns.js';
import { DEFAULT_CLUB_SETTINGS, saveClubSettings } from '../console/club-settings.js';
import { importMembers } from '../console/members.js';
import { credit } from '../engine/ledger.js';
import { HttpSmsProvider } from './providers/http-sms.js';
import { createMessagingScheduler } from './scheduler.js';

/** An SMS gateway stand-in on loopback: records each request; answers with the queued statuses, then 200. */
async function gateway() {
  const requests: Array<{ body: { receptor: string; message: string }; headers: http.IncomingHttpHeaders }> =
    [];
  const statuses: number[] = [];
  const server = http.createServer((req, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      requests.push({ body: JSON.parse(data), headers: req.headers });
      const status = statuses.shift() ?? 200;
      res
        .writeHead(status, { 'content-type': 'application/json' })
        .end(JSON.stringify({ id: `g${requests.length}` }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/send`;
  return { url, requests, statuses, close: () => new Promise<void>((r) => server.close(() => r())) };
}

// 10:00 in Tehran (UTC+3:30): outside the default quiet hours (22:00-08:00).
const DAYTIME = new Date('2025-06-01T06:30:00.000Z');
// 23:30 in Tehran.
const NIGHT = new Date('2025-06-01T20:00:00.000Z');

describe('messaging', () => {
  let t: Awaited<ReturnType<typeof tempDb>>;
  let gw: Awaited<ReturnType<typeof gateway>>;
  let clock = DAYTIME;
  const scheduler = () =>
    createMessagingScheduler({
      db: t.db,
      logger: silentLogger,
      timeZone: 'Asia/Tehran',
      now: () => clock,
      maxAttempts: 3,
      backoffMs: 60_000,
      providers: {
        sms: new HttpSmsProvider({
          url: gw.url,
          bodyTemplate: '{"receptor":"{{to}}","message":"{{text}}"}',
          headers: { apikey: 'k1' },
          localNumbers: true,
        }),
      },
    });

  beforeEach(async () => {
    t = await tempDb();
    gw = await gateway();
    clock = DAYTIME;
    await saveClubSettings(
      t.db,
      {
        ...DEFAULT_CLUB_SETTINGS,
        messages: { ...DEFAULT_CLUB_SETTINGS.messages, expiryReminderDays: 0, winBackEveryDays: 0 },
      },
      'test',
      DAYTIME,
    );
    const r = await importMembers(
      t.db,
      [
        { name: 'Ali', phone: '09121110001', consent_marketing: 'yes', birthday: '1990-06-01', lang: 'en' },
        { name: 'سارا', phone: '09121110002', consent_marketing: 'no', birthday: '1991-06-01' },
        { name: 'Reza', phone: '09121110003', consent_marketing: 'yes' },
      ],
      'test',
      DAYTIME,
    );
    expect(r).toEqual({ imported: 3 });
    // As if they had signed up at the kiosk (imported members get no welcome).
    await t.db.run('UPDATE members SET consent_terms_at = created_at');
    await t.db.run('UPDATE members SET messages_opt_out_at = ? WHERE number = 1003', [DAYTIME.toISOString()]);
  });
  afterEach(async () => {
    await gw.close();
    await t.cleanup();
  });

  const log = () =>
    t.db.all<{
      member_id: string;
      kind: string;
      status: string;
      reason: string | null;
      attempts: number;
      body: string;
    }>('SELECT member_id, kind, status, reason, attempts, body FROM message_log ORDER BY id');

  it('sends welcome and birthday texts through the gateway, respecting consent and opt-out, once', async () => {
    // Imported later, never signed up at a kiosk: no welcome.
    await importMembers(
      t.db,
      [{ name: 'Old customer', phone: '09121110004', consent_marketing: 'yes' }],
      'test',
      DAYTIME,
    );
    const s = scheduler();
    await s.tick();
    await s.tick();
    const rows = await log();
    const by = (m: string, k: string) => rows.find((r) => r.member_id === m && r.kind === k);
    expect(by('m-1001', 'welcome')?.status).toBe('sent');
    expect(by('m-1001', 'birthday')?.status).toBe('sent');
    expect(by('m-1002', 'welcome')?.status).toBe('sent');
    // Birthday greetings are marketing: Sara did not agree to those.
    expect(by('m-1002', 'birthday')).toMatchObject({ status: 'skipped', reason: 'no-consent' });
    // Reza opted out of everything.
    expect(by('m-1003', 'welcome')).toMatchObject({ status: 'skipped', reason: 'opted-out' });
    expect(rows).toHaveLength(5);
    expect(gw.requests).toHaveLength(3);
    expect(gw.requests[0]!.headers.apikey).toBe('k1');
    const toAli = gw.requests.filter((r) => r.body.receptor === '09121110001').map((r) => r.body.message);
    expect(toAli).toContain('Welcome to the customer club, Ali! Your member number is 1,001.');
    const toSara = gw.requests.find((r) => r.body.receptor === '09121110002')!.body.message;
    expect(toSara).toBe('سارا عزیز، عضویت شما در باشگاه مشتریان ثبت شد. شماره عضویت: ۱٬۰۰۲');
  });

  it('holds marketing texts during quiet hours and sends them when the window ends', async () => {
    clock = NIGHT;
    const s = scheduler();
    await s.tick();
    const rows = await log();
    expect(rows.find((r) => r.kind === 'welcome' && r.member_id === 'm-1001')?.status).toBe('sent');
    expect(rows.find((r) => r.kind === 'birthday')).toMatchObject({
      status: 'queued',
      reason: 'quiet-hours',
    });
    expect(gw.requests.map((r) => r.body.message).some((m: string) => m.includes('birthday'))).toBe(false);
    clock = new Date('2025-06-02T04:31:00.000Z'); // 08:01 next morning
    await s.tick();
    expect((await log()).find((r) => r.kind === 'birthday')?.status).toBe('sent');
  });

  it('retries a failing gateway with backoff, then marks the message failed', async () => {
    gw.statuses.push(...Array(30).fill(503));
    const s = scheduler();
    await s.tick();
    let ali = (await log()).find((r) => r.member_id === 'm-1001' && r.kind === 'welcome')!;
    expect(ali).toMatchObject({ status: 'queued', attempts: 1 });
    // Not before the backoff has passed.
    clock = new Date(DAYTIME.getTime() + 30_000);
    await s.tick();
    expect((await log()).find((r) => r.member_id === 'm-1001' && r.kind === 'welcome')!.attempts).toBe(1);
    clock = new Date(DAYTIME.getTime() + 61_000);
    await s.tick();
    clock = new Date(DAYTIME.getTime() + 190_000);
    await s.tick();
    ali = (await log()).find((r) => r.member_id === 'm-1001' && r.kind === 'welcome')!;
    expect(ali.status).toBe('failed');
    expect(ali.attempts).toBe(3);
    expect(ali.reason).toMatch(/503/);
  });

  it('does not retry a request the gateway refuses as wrong (4xx)', async () => {
    gw.statuses.push(400, 400, 400);
    await scheduler().tick();
    const failed = (await log()).filter((r) => r.status === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((r) => r.attempts === 1)).toBe(true);
  });

  it('sends expiry reminders and, after the nightly RFM, win-backs to at-risk members', async () => {
    await saveClubSettings(
      t.db,
      {
        ...DEFAULT_CLUB_SETTINGS,
        messages: {
          ...DEFAULT_CLUB_SETTINGS.messages,
          welcome: false,
          birthday: false,
          expiryReminderDays: 14,
          winBackEveryDays: 60,
        },
      },
      'test',
      DAYTIME,
    );
    const buy = (member: string, receipt: string, daysAgo: number) =>
      t.db.run(
        `INSERT INTO purchases (store_id, receipt_id, member_id, amount_minor, currency, lines, request_hash, points, rules_version, breakdown, created_at)
         VALUES ('S1', ?, ?, 100000, 'IRR', '[]', 'h', 0, 0, '{}', ?)`,
        [receipt, member, new Date(DAYTIME.getTime() - daysAgo * 86_400_000).toISOString()],
      );
    for (const [i, d] of [200, 210, 220].entries()) await buy('m-1001', `A${i}`, d);
    await buy('m-1002', 'S0', 1);
    await credit(t.db, { memberId: 'm-1001', kind: 'earn', points: 75, cause: 'test' }, DAYTIME, {
      expiresAt: new Date(DAYTIME.getTime() + 5 * 86_400_000),
    });
    const s = scheduler();
    await s.tick();
    await s.tick();
    const rows = await log();
    expect(rows.filter((r) => r.kind === 'win-back').map((r) => [r.member_id, r.status])).toEqual([
      ['m-1001', 'sent'],
    ]);
    const reminder = rows.find((r) => r.kind === 'expiry-reminder');
    expect(reminder).toMatchObject({ member_id: 'm-1001', status: 'sent' });
    expect(reminder!.body).toBe('75 of your points expire on 06/06/2025. Use them before then.');
    const seg = await t.db.get<{ rfm_segment: string }>(
      "SELECT rfm_segment FROM member_stats WHERE member_id = 'm-1001'",
    );
    expect(seg?.rfm_segment).toBe('at-risk');
  });

  it('runs a campaign to a segment: bonus points, messages to the reachable, results', async () => {
    const id = await createCampaign(
      t.db,
      {
        name: 'Summer',
        segment: { reachable: true },
        action: {
          type: 'discount-code',
          percent: 10,
          validDays: 14,
          text: { fa: 'کد تخفیف شما: {{code}}', en: 'Your discount code: {{code}}' },
        },
      },
      'otto',
      DAYTIME,
    );
    await runCampaign(t.db, id, DAYTIME);
    await runCampaign(t.db, id, DAYTIME); // a second run reaches no one twice
    const members = await t.db.all<{ member_id: string; code: string }>(
      'SELECT member_id, code FROM campaign_members WHERE campaign_id = ?',
      [id],
    );
    expect(members.map((m) => m.member_id)).toEqual(['m-1001']);
    await scheduler().tick();
    expect(gw.requests.some((r) => r.body.message === `Your discount code: ${members[0]!.code}`)).toBe(true);
    expect(await redeemCampaignCode(t.db, members[0]!.code.toLowerCase(), 'S1', 'R9', DAYTIME)).toMatchObject(
      { ok: true, percent: 10 },
    );
    expect(await redeemCampaignCode(t.db, members[0]!.code, 'S1', 'R9', DAYTIME)).toMatchObject({
      ok: false,
      reason: 'already-used',
    });
    await t.db.run(
      `INSERT INTO purchases (store_id, receipt_id, member_id, amount_minor, currency, lines, request_hash, points, rules_version, breakdown, created_at)
       VALUES ('S1', 'R9', 'm-1001', 700000, 'IRR', '[]', 'h', 0, 0, '{}', ?)`,
      [new Date(DAYTIME.getTime() + 1000).toISOString()],
    );
    const res = await campaignResults(t.db, id);
    expect(res).toMatchObject({ reached: 1, redeemed: 1, revenueMinor: 700_000, messages: { sent: 1 } });
  });
});
