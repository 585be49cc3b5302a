/**
 * The survey and staff mode, end to end: the project's virtual card in a real pcscd, the agent
 * (PcscReader, outbox, printer on the TCP ESC/POS emulator), the central server over MQTT, and the
 * kiosk UI in Debian's Chromium. The survey is answered in Persian and in English and its bonus is
 * paid once; a staff card and PIN record a purchase whose points appear on the member's screen,
 * bind a replacement card, print a test page and reprint the last voucher; staff mode closes by
 * itself. Screenshots land in artifacts/kiosk/survey-staff/ and each goes through the layout check.
 */
import { mkdir, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { hashPin } from '@bashgah/device-agent';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSystem, startSystem } from '../src/lib/system.js';
import { PrinterEmulator } from '../src/printer-emulator/index.js';
import { ensurePcscd, type PcscdHandle, pcscdPrerequisite } from '../src/vcard/pcscd.js';
import { kioskDriver, REZA, SARA, VIEWPORTS } from './kiosk-driver.js';
import { CHROMIUM, CHROMIUM_ARGS, chromiumMissing, inCi, shouldRun } from './services.js';

const SHOTS = fileURLToPath(new URL('../../artifacts/kiosk/survey-staff/', import.meta.url));
const missing = chromiumMissing() ?? (await pcscdPrerequisite());

const STAFF = { uid: '04DEADBEEF0001', name: 'ali', pin: '4821' };
const NEW_CARD = '04C0DE00000042';
const STAFF_IDLE_MS = 15_000;

describe.runIf(shouldRun('kiosk-survey-staff', missing))(
  'kiosk survey and staff mode through pcscd, agent, server and Chromium',
  () => {
    let pcscd: PcscdHandle | undefined;
    let sys: RunningSystem;
    let emulator: PrinterEmulator;
    let browser: Browser;
    let page: Page;
    const kiosk = kioskDriver(() => page, SHOTS);
    const { present, setLang, shoot, layout } = kiosk;

    beforeAll(async () => {
      if (missing && inCi) throw new Error(`the kiosk survey/staff tests must run in CI, but ${missing}`);
      await rm(SHOTS, { recursive: true, force: true });
      await mkdir(`${SHOTS}print`, { recursive: true });
      pcscd = await ensurePcscd();
      emulator = await PrinterEmulator.start({ port: 0, host: '127.0.0.1', jobsDir: `${SHOTS}print` });
      sys = await startSystem({
        reader: 'pcsc',
        deviceId: 'kiosk-staff',
        agentEnv: {
          AUTO_CHECKIN: 'true',
          PRINTER: `tcp://127.0.0.1:${emulator.port}`,
          PAPER: '80',
          STAFF_CARDS: `${STAFF.uid}:${STAFF.name}:${await hashPin(STAFF.pin)}`,
          STAFF_IDLE_MS: String(STAFF_IDLE_MS),
        },
      });
      // Three earlier visits each: the club's survey is offered from the third visit on.
      for (const memberId of [SARA.memberId, REZA.memberId])
        for (const day of ['2026-01-03', '2026-01-04', '2026-01-05'])
          await sys.server.db.run(
            "INSERT INTO checkins (member_id, device_id, day, event_id) VALUES (?, 'kiosk-old', ?, ?)",
            [memberId, day, `seed-${memberId}-${day}`],
          );
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
      page = await browser.newPage({ viewport: VIEWPORTS.portrait });
      await page.goto(`${sys.agent.apiUrl}/`);
    });

    afterEach(() => kiosk.removeCards());

    afterAll(async () => {
      await browser?.close();
      await sys?.stop();
      await emulator?.close();
      await pcscd?.stop();
    });

    const balance = () => page.locator('.balance .value').textContent();
    const bonuses = (memberId: string) =>
      sys.server.db.all<{ period: string; points: number }>(
        "SELECT period, points FROM member_bonuses WHERE member_id = ? AND kind = 'survey'",
        [memberId],
      );

    it('survey in Persian: faces, a reason chip, the bonus once, and not asked again', async () => {
      await present(SARA.uid);
      await expect.poll(() => page.locator('.survey').isVisible(), { timeout: 15_000 }).toBe(true);
      expect(await page.locator('.survey .question').textContent()).toBe(
        'از مراجعهٔ امروزتان چقدر راضی بودید؟',
      );
      // The tap's own check-in lands first (120 + 10).
      await expect.poll(balance, { timeout: 10_000 }).toBe('۱۳۰');
      await shoot('survey', 'fa');
      await page.locator('.survey [data-answer="4"]').click();
      await page.locator('.survey [data-reason="staff"]').click();
      await page.locator('.survey [data-reason="clean"]').click();
      await shoot('survey-reasons', 'fa');
      await page.locator('.survey .send').click();
      await expect
        .poll(() => page.locator('.survey .thanks').textContent(), { timeout: 10_000 })
        .toContain('+۲۰');
      await expect.poll(balance).toBe('۱۵۰');
      await expect.poll(() => page.locator('.history li').first().textContent()).toContain('نظرسنجی');
      await shoot('survey-thanks', 'fa');
      expect(
        await sys.server.db.get('SELECT answer, reasons FROM survey_answers WHERE member_id = ?', [
          SARA.memberId,
        ]),
      ).toEqual({ answer: '4', reasons: '["staff","clean"]' });
      expect(await bonuses(SARA.memberId)).toEqual([{ period: 'visit-experience', points: 20 }]);

      // Done, and a new tap: the survey is answered, so it is not offered again.
      await page.locator('.member .done').click();
      await present(SARA.uid);
      await expect
        .poll(() => page.locator('.member h1').textContent(), { timeout: 10_000 })
        .toContain('سارا');
      await page.waitForTimeout(500);
      expect(await page.locator('.survey').count()).toBe(0);
      await page.locator('.member .done').click();
    }, 90_000);

    it('survey in English: a face alone is enough', async () => {
      await setLang('en');
      await present(REZA.uid);
      await expect.poll(() => page.locator('.survey').isVisible(), { timeout: 15_000 }).toBe(true);
      expect(await page.locator('.survey .question').textContent()).toBe('How was your visit today?');
      await shoot('survey', 'en');
      await page.locator('.survey [data-answer="2"]').click();
      await shoot('survey-reasons', 'en');
      await page.locator('.survey .send').click();
      await expect
        .poll(() => page.locator('.survey .thanks').textContent(), { timeout: 10_000 })
        .toMatch(/\+20 points added/);
      await shoot('survey-thanks', 'en');
      expect(await bonuses(REZA.memberId)).toEqual([{ period: 'visit-experience', points: 20 }]);
      expect(
        await sys.server.db.get('SELECT answer, reasons FROM survey_answers WHERE member_id = ?', [
          REZA.memberId,
        ]),
      ).toEqual({ answer: '2', reasons: '[]' });
      await page.locator('.member .done').click();
      await setLang('fa');
    }, 90_000);

    it('staff card + PIN → purchase for the member on screen → points appear on their screen', async () => {
      await present(SARA.uid);
      await expect.poll(balance, { timeout: 10_000 }).toBe('۱۵۰');
      const before = 150;
      await present(STAFF.uid);
      await expect
        .poll(() => page.locator('.staff[role="dialog"]').isVisible(), { timeout: 10_000 })
        .toBe(true);
      // The staff card was not looked up as a member: Sara is still on screen behind the panel.
      expect(await page.locator('.member h1').textContent()).toContain('سارا');
      await shoot('staff-pin', 'fa');
      // A wrong PIN first: refused, with the tries left.
      for (const d of '1111') await page.locator(`.staff .keypad [data-key="${d}"]`).click();
      await page.locator('.staff .unlock').click();
      await expect.poll(() => page.locator('.staff .note.bad').textContent()).toContain('رمز اشتباه');
      for (const d of STAFF.pin) await page.locator(`.staff .keypad [data-key="${d}"]`).click();
      await page.locator('.staff .unlock').click();
      await expect
        .poll(() => page.locator('[data-staff="purchase"]').isVisible(), { timeout: 10_000 })
        .toBe(true);
      await shoot('staff-menu', 'fa');
      await page.locator('[data-staff="purchase"]').click();
      for (const d of '120000') await page.locator(`.staff .keypad [data-key="${d}"]`).click();
      expect(await page.locator('#staff-amount').textContent()).toBe('۱۲۰٬۰۰۰ تومان');
      await shoot('staff-purchase', 'fa');
      await page.locator('.staff .record').click();
      await expect
        .poll(() => page.locator('.staff .note.ok').textContent(), { timeout: 10_000 })
        .toMatch(/خرید ثبت شد/);
      const row = await sys.server.db.get<{ points: number; amount_minor: number; staff_id: string }>(
        'SELECT points, amount_minor, staff_id FROM purchases WHERE member_id = ?',
        [SARA.memberId],
      );
      expect(row).toMatchObject({ amount_minor: 1_200_000, staff_id: 'kiosk-staff/ali' });
      expect(row?.points).toBeGreaterThan(0);
      await shoot('staff-purchase-done', 'fa');
      await page.locator('.staff .exit').click();
      await expect.poll(() => page.locator('.staff[role="dialog"]').count()).toBe(0);
      // The member's screen shows the new balance and the purchase on top of the history.
      // The staff panel is modal (it covers the language switch too); the member's screen is not.
      await setLang('en');
      await expect.poll(balance, { timeout: 10_000 }).toBe(String(before + (row?.points ?? 0)));
      await expect.poll(() => page.locator('.history li').first().textContent()).toContain('Purchase');
      await shoot('member-after-purchase', 'en');
    }, 90_000);

    it('staff: replace the member’s card, test page, reprint; staff mode closes by itself', async () => {
      // English this time, chosen on the member's screen before staff step in.
      await present(SARA.uid);
      await expect
        .poll(() => page.locator('.member h1').textContent(), { timeout: 10_000 })
        .toContain('سارا');
      await setLang('en');
      await present(STAFF.uid);
      await expect.poll(() => page.locator('.staff .unlock').isVisible(), { timeout: 10_000 }).toBe(true);
      await shoot('staff-pin', 'en');
      for (const d of STAFF.pin) await page.locator(`.staff .keypad [data-key="${d}"]`).click();
      await page.locator('.staff .unlock').click();
      await expect
        .poll(() => page.locator('[data-staff="replace-card"]').isEnabled(), { timeout: 10_000 })
        .toBe(true);
      await shoot('staff-menu', 'en');
      await page.locator('[data-staff="replace-card"]').click();
      await expect
        .poll(() => page.locator('.staff .big').textContent())
        .toBe('Tap the new card on the reader');
      await shoot('staff-card', 'en');
      await present(NEW_CARD);
      await expect
        .poll(() => page.locator('.staff .note.ok').textContent(), { timeout: 10_000 })
        .toContain('linked');
      expect(
        await sys.server.db.all('SELECT uid, status FROM cards WHERE member_id = ? ORDER BY uid', [
          SARA.memberId,
        ]),
      ).toEqual([
        { uid: SARA.uid, status: 'blocked' },
        { uid: NEW_CARD, status: 'active' },
      ]);

      const jobs = emulator.jobs.length;
      await page.locator('[data-staff="test-page"]').click();
      await expect
        .poll(() => page.locator('.staff .print').textContent(), { timeout: 15_000 })
        .toBe('Printed');
      await emulator.waitForJobs(jobs + 1, 15_000);
      // No voucher has printed on this kiosk since it started: nothing to reprint, and it says so.
      await page.locator('[data-staff="reprint"]').click();
      await expect
        .poll(() => page.locator('.staff .print').textContent(), { timeout: 10_000 })
        .toContain('No voucher');
      expect(emulator.jobs.length).toBe(jobs + 1);

      // Left alone, staff mode closes by itself and the agent agrees.
      const opened = Date.now();
      await expect
        .poll(() => page.locator('.staff[role="dialog"]').count(), {
          timeout: STAFF_IDLE_MS + 10_000,
          interval: 500,
        })
        .toBe(0);
      expect(Date.now() - opened).toBeGreaterThan(STAFF_IDLE_MS - 2_000);
      const state = (await (await fetch(`${sys.agent.apiUrl}/api/state`)).json()) as {
        staff: { phase: string };
      };
      expect(state.staff.phase).toBe('closed');
      // Staff actions are refused once closed, whatever the page does.
      const refused = await fetch(`${sys.agent.apiUrl}/api/staff/test-page`, { method: 'POST' });
      expect(refused.status).toBe(403);
      await setLang('fa');
    }, 90_000);

    it('the new card shows the member; the old one is refused', async () => {
      await present(NEW_CARD);
      await expect
        .poll(() => page.locator('.member h1').textContent(), { timeout: 10_000 })
        .toContain('سارا');
      await page.locator('.member .done').click();
      await present(SARA.uid);
      await expect.poll(() => page.locator('.unknown').count(), { timeout: 10_000 }).toBe(1);
    }, 60_000);

    it('has no overflowing text or cut-off dialog buttons, and mirrors right to left', () => {
      const problems = layout.flatMap(({ shot, report }) =>
        [...report.overflow, ...report.mirroring].map((p) => `${shot}: ${p}`),
      );
      if (problems.length > 0) console.log(problems.join('\n'));
      expect(problems).toEqual([]);
      expect(layout.length).toBeGreaterThan(20);
    });
  },
);
