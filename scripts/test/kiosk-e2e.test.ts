/**
 * End to end as a shopper sees it: the project's virtual card in the vsmartcard reader of a real
 * pcscd, the agent's PcscReader, the central server over MQTT, and the kiosk UI in Debian's
 * Chromium. Screenshots of each screen land in artifacts/e2e/ for a person to look at.
 */
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { topics } from '@bashgah/protocol';
import mqtt from 'mqtt';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSystem, startSystem } from '../src/lib/system.js';
import { VirtualCard } from '../src/vcard/index.js';
import { ensurePcscd, type PcscdHandle, pcscdPrerequisite } from '../src/vcard/pcscd.js';
import { CHROMIUM, CHROMIUM_ARGS, chromiumMissing, inCi, shouldRun } from './services.js';

const SHOTS = fileURLToPath(new URL('../../artifacts/e2e/', import.meta.url));
const missing = chromiumMissing() ?? (await pcscdPrerequisite());

describe.runIf(shouldRun('kiosk-e2e', missing))(
  'kiosk end to end: virtual card → pcscd → agent → server → Chromium',
  () => {
    let pcscd: PcscdHandle | undefined;
    let sys: RunningSystem;
    let browser: Browser;
    let page: Page;
    let spy: mqtt.MqttClient;
    const sentEvents: Buffer[] = [];
    const cards: VirtualCard[] = [];

    beforeAll(async () => {
      if (missing && inCi) throw new Error(`the kiosk end-to-end test must run in CI, but ${missing}`);
      await mkdir(SHOTS, { recursive: true });
      pcscd = await ensurePcscd();
      sys = await startSystem({ reader: 'pcsc', deviceId: 'kiosk-e2e' });
      spy = await mqtt.connectAsync(sys.server.mqttUrl, { clientId: 'e2e-spy', clean: true });
      await spy.subscribeAsync(topics.events('kiosk-e2e'), { qos: 1 });
      spy.on('message', (_topic, payload) => sentEvents.push(payload));
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
      page = await browser.newPage({ viewport: { width: 1024, height: 600 } });
      await page.goto(`${sys.agent.apiUrl}/`);
    });

    afterEach(async () => {
      await Promise.all(cards.splice(0).map((c) => c.remove()));
    });

    afterAll(async () => {
      await browser?.close();
      await spy?.endAsync();
      await sys?.stop();
      await pcscd?.stop();
    });

    const present = async (uid: string) => {
      const card = await VirtualCard.present(uid, { connectAttempts: 25, retryDelayMs: 200 });
      cards.push(card);
      return card;
    };
    const shot = (name: string) => page.screenshot({ path: `${SHOTS}${name}.png` });

    it('shows the idle screen in Persian, right to left', async () => {
      await expect
        .poll(() => page.getByText('کارت خود را نزدیک کنید').first().isVisible(), { timeout: 10_000 })
        .toBe(true);
      expect(await page.evaluate(() => document.documentElement.dir)).toBe('rtl');
      await shot('idle-fa');
    });

    it('a tapped card shows the member name and points, and a check-in lands in the ledger once', async () => {
      await present('04A1B2C3D4E5F6');
      await expect
        .poll(() => page.getByText('سارا احمدی').first().isVisible(), { timeout: 10_000 })
        .toBe(true);
      await expect.poll(() => page.locator('.balance .value').textContent(), { timeout: 10_000 }).toBe('۱۲۰');
      await shot('member-fa');

      await page.getByRole('button', { name: /ثبت حضور/ }).click();
      await expect.poll(() => page.locator('.balance .value').textContent(), { timeout: 10_000 }).toBe('۱۳۰');
      await shot('member-checkedin-fa');

      const rows = () =>
        sys.server.db.all<{ event_id: string; points: number }>(
          "SELECT event_id, points FROM points_ledger WHERE member_id = 'm-1001' AND cause = 'checkin'",
        );
      await expect.poll(async () => (await rows()).length, { timeout: 5_000 }).toBe(1);
      // The same event again, byte for byte: the ledger must not change.
      expect(sentEvents).toHaveLength(1);
      await spy.publishAsync(topics.events('kiosk-e2e'), sentEvents[0]!, { qos: 1 });
      await new Promise((r) => setTimeout(r, 500));
      expect(await rows()).toHaveLength(1);
      const balance = await sys.server.db.get<{ points: number }>(
        "SELECT points FROM balances WHERE member_id = 'm-1001'",
      );
      expect(balance?.points).toBe(130);
    });

    it('an unknown card shows the unknown-card screen, in both languages', async () => {
      await present('DEADBEEF');
      await expect
        .poll(() => page.getByText('این کارت شناسایی نشد').first().isVisible(), { timeout: 10_000 })
        .toBe(true);
      await shot('unknown-fa');
      // The switch is labelled "change language" for screen readers; shoppers see the target language's name.
      await page.locator('button', { hasText: 'English' }).click({ timeout: 5_000 });
      await expect
        .poll(() => page.getByText('We don’t recognise this card').first().isVisible(), { timeout: 5_000 })
        .toBe(true);
      expect(await page.evaluate(() => document.documentElement.dir)).toBe('ltr');
      await shot('unknown-en');
    });
  },
);
