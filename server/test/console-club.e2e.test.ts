/**
 * Running the club from the console, in Debian's Chromium, against a real server and a real kiosk
 * agent process (enrolled, own MQTT credentials, simulated reader): find a member and adjust their
 * points; create a reward and see it reach the kiosk (the push-catalog command carried out by the
 * agent, and the reward offered in the member view the kiosk gets on a tap); run a campaign to a
 * segment; view the KPI dashboard. Screenshots in fa and en, laptop and tablet widths, land in
 * artifacts/console-club/. Required in CI; skipped elsewhere without Chromium.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KioskState } from '@bashgah/protocol';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordPurchase } from '../src/engine/purchases.js';
import { createStore } from '../src/engine/stores.js';
import { CONSOLE_DIST_DIR } from '../src/http/console-static.js';
import { freePort, startFleetServer } from './fleet-helpers.js';
import { eventually, silentLogger } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const CI = process.env.CI === 'true';
const AGENT_MAIN = fileURLToPath(new URL('../../device-agent/dist/main.js', import.meta.url));
const missing = !existsSync(CHROMIUM)
  ? `${CHROMIUM} is missing (apt-get install chromium)`
  : !existsSync(AGENT_MAIN)
    ? `${AGENT_MAIN} is missing (npm run build)`
    : undefined;
if (missing && !CI) console.log(`[console-club e2e] skipped: ${missing}`);
const ARTIFACTS = fileURLToPath(new URL('../../artifacts/console-club/', import.meta.url));

describe.skipIf(missing !== undefined && !CI)('running the club from the console in Chromium', () => {
  let s: Awaited<ReturnType<typeof startFleetServer>>;
  let browser: Browser;
  let page: Page;
  let agent: ChildProcess | undefined;
  let agentUrl = '';
  const deviceId = 'kiosk-club-01';

  const shot = async (name: string) => {
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, name), fullPage: true });
  };
  const lang = async (to: 'fa' | 'en') => {
    const want = to === 'en' ? 'ltr' : 'rtl';
    if ((await page.locator('html').getAttribute('dir')) !== want) {
      await page.click(`header button:has-text("${to === 'en' ? 'English' : 'فارسی'}")`);
      await page.waitForFunction((d) => document.documentElement.dir === d, want);
    }
  };
  const go = async (hash: string, ready: string) => {
    await page.evaluate((h) => {
      location.hash = h;
    }, hash);
    await page.locator(ready).first().waitFor();
  };
  const kioskState = async () => KioskState.parse(await (await fetch(`${agentUrl}/api/state`)).json());

  beforeAll(async () => {
    if (missing) throw new Error(`this test must run in CI, but ${missing}`);
    if (!existsSync(path.join(CONSOLE_DIST_DIR, 'index.html'))) {
      execFileSync('npm', ['run', 'build:console', '-w', 'server'], { stdio: 'ignore' });
    }
    s = await startFleetServer(silentLogger, { ADMIN_PASSWORD: 'admin-password-1' });
    const { code } = await s.server.fleet.registry.create(
      { id: deviceId, name: 'Tajrish', store: 'tehran-north' },
      'seed',
    );
    const creds = await s.server.fleet.registry.enrol(code, {});
    const port = await freePort();
    agentUrl = `http://127.0.0.1:${port}`;
    agent = spawn(process.execPath, [AGENT_MAIN], {
      env: {
        ...process.env,
        DEVICE_ID: deviceId,
        MQTT_URL: s.server.mqttUrl,
        MQTT_USERNAME: creds.mqtt.username,
        MQTT_PASSWORD: creds.mqtt.password,
        API_PORT: String(port),
        DATA_DIR: path.join(s.dir, 'agent'),
        READER: 'sim',
        SIMULATOR: 'true',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    await eventually(
      async () => ((await kioskState().catch(() => undefined))?.online ? true : undefined),
      'the kiosk agent online',
      15_000,
    );
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    page = await browser.newPage({ viewport: { width: 1360, height: 860 } });
    await page.goto(s.server.httpUrl);
    await page.fill('input[name=username]', 'admin');
    await page.fill('input[name=password]', 'admin-password-1');
    await page.click('button[type=submit]');
    await page.locator('[data-testid=fleet-table]').waitFor();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (agent && agent.exitCode === null) {
      const exited = new Promise((r) => agent!.once('exit', r));
      agent.kill('SIGTERM');
      await exited;
    }
    await s?.stop();
  });

  it('finds a member by name and adjusts their points with a reason', async () => {
    await go('#/members', '[data-testid=member-table] tbody tr');
    await page.fill('[data-testid=member-search] input', 'مریم');
    await page.click('[data-testid=member-search] button');
    await page.locator('[data-testid=member-count]', { hasText: '۱ عضو' }).waitFor();
    await shot('members-fa.png');
    await page.click('[data-testid=member-table] a:has-text("مریم حسینی")');
    await page.locator('[data-testid=member-profile]').waitFor();
    expect(await page.textContent('[data-testid=member-points]')).toBe('۲٬۴۵۰');
    await page.fill('[data-testid=adjust-form] input[type=number]', '500');
    await page.fill('[data-testid=adjust-form] input:not([type])', 'جبران خرید ثبت‌نشده');
    await page.click('[data-testid=adjust-form] button');
    await page.locator('[data-testid=member-points]', { hasText: '۲٬۹۵۰' }).waitFor();
    await page.locator('[data-testid=ledger] td', { hasText: 'جبران خرید ثبت‌نشده' }).waitFor();
    await shot('member-fa.png');
    await lang('en');
    await page.locator('h3:has-text("Points history")').waitFor();
    await shot('member-en.png');
    const audit = await s.server.db.get<{ actor: string; details: string }>(
      "SELECT actor, details FROM audit_log WHERE action = 'points.adjust'",
    );
    expect(audit?.actor).toBe('admin');
    expect(JSON.parse(audit!.details)).toMatchObject({ before: { balance: 2450 }, after: { balance: 2950 } });
  });

  it('previews the earn rules with the engine', async () => {
    await go('#/programme', '[data-testid=preview-text]');
    expect(await page.textContent('[data-testid=preview-text]')).toContain(
      'A 250,000 Toman purchase by a Gold member earns 37 points',
    );
    await shot('programme-en.png');
    await lang('fa');
    await page.locator('[data-testid=preview-text]', { hasText: '۳۷ امتیاز' }).waitFor();
    await shot('programme-fa.png');
  });

  it('creates a reward and the kiosk has it after the push', async () => {
    await go('#/rewards', '[data-testid=reward-form]');
    await page.fill('input[name=id]', 'e2e-gift');
    await page.fill('input[name=nameFa]', 'فنجان باشگاه');
    await page.fill('input[name=nameEn]', 'Club mug');
    await page.fill('input[name=cost]', '300');
    await page.click('[data-testid=reward-form] button[type=submit]');
    await page.locator('[data-reward=e2e-gift]').waitFor();
    // The server pushed the catalog; the agent process stored it and answered ok.
    const done = await eventually(
      () =>
        s.server.db.get<{ status: string; result: string }>(
          "SELECT status, result FROM device_commands WHERE device_id = ? AND command = 'push-catalog' AND status = 'ok' ORDER BY issued_at DESC LIMIT 1",
          [deviceId],
        ),
      'push-catalog carried out by the kiosk',
      10_000,
    );
    expect(JSON.parse(done.result)).toMatchObject({ items: 1 });
    // A tap at the kiosk: the member view it shows offers the new reward.
    await fetch(`${agentUrl}/sim/tap`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ uid: '5A3C9E12' }),
    });
    const offered = await eventually(
      async () => {
        const st = await kioskState();
        const member = st.session.kind === 'member' ? st.session.member : undefined;
        return member?.rewards.affordable.find((r) => r.id === 'e2e-gift');
      },
      'the new reward in the kiosk member view',
      10_000,
    );
    expect(offered).toMatchObject({ pointsCost: 300 });
    await shot('rewards-fa.png');
    await lang('en');
    await page.locator('[data-reward=e2e-gift]:has-text("Club mug")').waitFor();
    await shot('rewards-en.png');
  });

  it('runs a campaign to a segment and shows its results', async () => {
    await go('#/campaigns', '[data-testid=campaign-form]');
    await page.fill('input[name=campaignName]', 'Gold thank-you');
    await page.selectOption('[data-testid=campaign-form] select >> nth=1', 'gold');
    await page.selectOption('select[name=action]', 'bonus-points');
    await page.fill('input[name=textFa]', '{{points}} امتیاز هدیه باشگاه برای شما');
    await page.fill('input[name=textEn]', '{{points}} bonus points from the club');
    await page.click('[data-testid=campaign-form] button[type=submit]');
    await page.locator('[data-testid=campaign-notice]', { hasText: '1 members' }).waitFor();
    await page.locator('[data-testid=campaign-table] td:has-text("Gold thank-you")').waitFor();
    const bonus = await s.server.db.get<{ points: number }>(
      "SELECT points FROM points_ledger WHERE member_id = 'm-1003' AND cause LIKE 'campaign:%'",
    );
    expect(bonus?.points).toBe(50);
    await shot('campaigns-en.png');
    await lang('fa');
    await page.locator('[data-testid=campaign-table] td:has-text("امتیاز هدیه")').waitFor();
    await shot('campaigns-fa.png');
  });

  it('shows the KPI dashboard in both languages, on a laptop and a tablet', async () => {
    // A few sales, with and without a card, so the figures have something to show.
    await createStore(s.server.db, { id: 'tehran-north', name: 'Tajrish' });
    for (const [i, member, amount] of [
      [1, 'm-1001', 1_200_000],
      [2, 'm-1003', 3_500_000],
      [3, 'm-1003', 900_000],
    ] as const) {
      await recordPurchase(
        s.server.db,
        {
          storeId: 'tehran-north',
          receiptId: `E2E-${i}`,
          memberId: member,
          amountMinor: amount,
          currency: 'IRR',
          lines: [],
        },
        { now: new Date(), timeZone: 'Asia/Tehran' },
      );
    }
    await s.server.db.run(
      "INSERT INTO anonymous_sales (store_id, receipt_id, amount_minor, created_at) VALUES ('tehran-north', 'A1', 450000, ?)",
      [new Date().toISOString()],
    );
    await go('#/dashboard', '[data-testid=kpi-active]');
    await page.click('button:has-text("محاسبه دوباره")');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=rfm] .track').length >= 2);
    await page.locator('[data-testid=chart-enrolment] svg rect').first().waitFor();
    expect(await page.textContent('[data-testid=kpi-active]')).toMatch(/[۰-۹]/);
    await shot('dashboard-fa.png');
    await lang('en');
    await page.locator('[data-testid=kpi-active]', { hasText: 'of' }).waitFor();
    await shot('dashboard-en.png');
    await page.setViewportSize({ width: 820, height: 1180 });
    await lang('fa');
    await go('#/members', '[data-testid=member-table] tbody tr');
    await shot('members-tablet-fa.png');
    await go('#/dashboard', '[data-testid=kpi-active]');
    await shot('dashboard-tablet-fa.png');
  });
});
