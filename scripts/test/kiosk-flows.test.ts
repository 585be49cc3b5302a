/**
 * Every member flow on the touchscreen, end to end: the project's virtual card in a real pcscd,
 * the agent (PcscReader, outbox, printer on the TCP ESC/POS emulator), the central server over
 * MQTT, and the kiosk UI in Debian's Chromium, in portrait (1080x1920) and landscape (1280x800),
 * Persian and English. Screenshots of each screen land in artifacts/kiosk/, and every screenshot
 * is checked for text overflowing its box and for right-to-left mirroring.
 */
import { mkdir, readdir, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createReward, MemorySmsSender } from '@bashgah/server';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSystem, startSystem } from '../src/lib/system.js';
import { PrinterEmulator } from '../src/printer-emulator/index.js';
import { ensurePcscd, type PcscdHandle, pcscdPrerequisite } from '../src/vcard/pcscd.js';
import { kioskDriver, REZA, SARA, VIEWPORTS } from './kiosk-driver.js';
import { CHROMIUM, CHROMIUM_ARGS, chromiumMissing, inCi, shouldRun } from './services.js';

const SHOTS = fileURLToPath(new URL('../../artifacts/kiosk/', import.meta.url));
const missing = chromiumMissing() ?? (await pcscdPrerequisite());

describe.runIf(shouldRun('kiosk-flows', missing))(
  'kiosk flows: tap, claim, signup, timeout, through pcscd, agent, server and Chromium',
  () => {
    let pcscd: PcscdHandle | undefined;
    let sys: RunningSystem;
    let emulator: PrinterEmulator;
    let browser: Browser;
    let page: Page;
    const sms = new MemorySmsSender();
    const kiosk = kioskDriver(() => page, SHOTS);
    const { present, setLang, shoot, layout } = kiosk;

    beforeAll(async () => {
      if (missing && inCi) throw new Error(`the kiosk flow tests must run in CI, but ${missing}`);
      // Only this suite's own files: other kiosk suites keep theirs in subfolders of artifacts/kiosk/.
      await mkdir(SHOTS, { recursive: true });
      for (const f of await readdir(SHOTS)) if (f.endsWith('.png')) await rm(`${SHOTS}${f}`);
      await rm(`${SHOTS}print`, { recursive: true, force: true });
      await mkdir(`${SHOTS}print`, { recursive: true });
      pcscd = await ensurePcscd();
      emulator = await PrinterEmulator.start({ port: 0, host: '127.0.0.1', jobsDir: `${SHOTS}print` });
      sys = await startSystem({
        reader: 'pcsc',
        deviceId: 'kiosk-flows',
        sms,
        agentEnv: { AUTO_CHECKIN: 'true', PRINTER: `tcp://127.0.0.1:${emulator.port}`, PAPER: '80' },
      });
      await createReward(sys.server.db, {
        id: 'coffee',
        name: { fa: 'یک فنجان قهوه', en: 'A cup of coffee' },
        pointsCost: 100,
      });
      await createReward(sys.server.db, {
        id: 'cake',
        name: { fa: 'کیک شکلاتی', en: 'Chocolate cake' },
        pointsCost: 500,
      });
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

    const visible = (text: string | RegExp) => page.getByText(text).first().isVisible();
    const done = () => page.locator('.member .done').click();

    it('shows the attract screen with the join button, in both languages', async () => {
      await expect.poll(() => visible('کارت خود را نزدیک کنید'), { timeout: 10_000 }).toBe(true);
      await shoot('idle', 'fa');
      await setLang('en');
      await shoot('idle', 'en');
      await setLang('fa');
    });

    it('tap → member home with tier, rewards, and the visit bonus from the automatic check-in', {
      timeout: 60_000,
    }, async () => {
      // Sara has a mobile number on file, so her voucher also goes out by SMS (masked on screen).
      await sys.server.db.run("UPDATE members SET phone = '+989121234567' WHERE id = ?", [SARA.memberId]);
      await present(SARA.uid);
      await expect.poll(() => visible(SARA.name), { timeout: 10_000 }).toBe(true);
      // 120 + 10 for visiting, shown as a banner and in the balance.
      await expect.poll(() => page.locator('.visit').textContent(), { timeout: 10_000 }).toContain('+۱۰');
      await expect.poll(() => page.locator('.balance .value').textContent(), { timeout: 10_000 }).toBe('۱۳۰');
      expect(await visible('یک فنجان قهوه')).toBe(true);
      await expect.poll(() => page.locator('.member').textContent()).toContain('۳۷۰'); // 370 more for the cake
      await shoot('member', 'fa');
      await setLang('en');
      expect(await visible(/for visiting today/)).toBe(true);
      await shoot('member', 'en');
      await setLang('fa');
      const rows = await sys.server.db.all<{ points: number }>(
        "SELECT points FROM points_ledger WHERE member_id = ? AND cause = 'checkin'",
        [SARA.memberId],
      );
      expect(rows).toEqual([{ points: 10 }]);
    });

    it('claim → voucher printed on the emulator and shown on screen as a QR code', async () => {
      await page.locator('button.claim[data-reward="coffee"]').click();
      await expect.poll(() => page.locator('.sheet .after dd').textContent()).toBe('۳۰');
      await shoot('claim-confirm', 'fa');
      await page.locator('.sheet .confirm').click();
      await expect.poll(() => page.locator('.sheet .code').isVisible(), { timeout: 10_000 }).toBe(true);
      const code = (await page.locator('.sheet .code').textContent())?.trim() ?? '';
      expect(code).toMatch(/^[A-Z0-9-]{6,}$/);
      expect(await page.locator('.sheet svg.qr path').count()).toBe(1);
      await expect
        .poll(() => page.locator('.sheet .print').getAttribute('class'), { timeout: 15_000 })
        .toContain('printed');
      const [job] = await emulator.waitForJobs(1, 15_000);
      expect(job?.raster, 'the Persian voucher prints as a raster image').toBeDefined();
      const voucher = await sys.server.db.get<{ code: string; member_id: string }>(
        'SELECT code, member_id FROM vouchers WHERE code = ?',
        [code],
      );
      expect(voucher?.member_id).toBe(SARA.memberId);
      // The screen says the code also goes by SMS, and the server's messaging sends it.
      expect(await page.locator('.sheet .sms').textContent()).toContain('۰۹۱۲');
      await sys.server.messaging.tick();
      await expect
        .poll(
          () =>
            sys.server.db.get<{ recipient: string; body: string; status: string }>(
              "SELECT recipient, body, status FROM message_log WHERE member_id = ? AND kind = 'voucher'",
              [SARA.memberId],
            ),
          { timeout: 10_000 },
        )
        .toMatchObject({ recipient: '+989121234567', body: expect.stringContaining(code) });
      await shoot('voucher', 'fa');
      await setLang('en');
      await shoot('voucher', 'en');
      await page.locator('.sheet .btn-primary').click();
      await expect.poll(() => page.locator('.balance .value').textContent()).toBe('30');
      await setLang('fa');
      await done();
    }, 90_000);

    it('signup → code by SMS → new card bound → its tap shows the new member with the welcome bonus', async () => {
      await expect.poll(() => visible('کارت خود را نزدیک کنید'), { timeout: 10_000 }).toBe(true);
      await page.locator('.idle .join').click();
      await shoot('signup-phone', 'fa');
      // Persian digits on the keypad, Latin in the request.
      for (const d of '09351234567') await page.locator(`.keypad [data-key="${d}"]`).click();
      expect(await page.locator('#phone').textContent()).toBe('۰۹۳۵ ۱۲۳ ۴۵۶۷');
      await page.getByRole('button', { name: 'ارسال کد تأیید' }).click();
      await expect.poll(() => sms.sent.length, { timeout: 10_000 }).toBe(1);
      expect(sms.sent[0]?.to).toBe('+989351234567');
      const code = /(\d{6})/.exec(sms.sent[0]?.text ?? '')?.[1] ?? '';
      await shoot('signup-code', 'fa');
      for (const d of code) await page.locator(`.keypad [data-key="${d}"]`).click();
      await page.getByRole('button', { name: 'ادامه' }).click();
      for (const ch of ['ن', 'ی', 'ل', 'و', 'ف', 'ر'])
        await page.locator(`.keyboard [data-key="${ch}"]`).click();
      expect(await page.locator('#name').textContent()).toBe('نیلوفر');
      await shoot('signup-name', 'fa');
      await page.getByRole('button', { name: 'ادامه' }).click();
      await page.locator('[data-field="month"] .step').first().click();
      await shoot('signup-birthday', 'fa');
      await page.getByRole('button', { name: 'ادامه' }).click();
      await page.getByRole('button', { name: 'رد شدن' }).click();
      await page.locator('[data-consent="terms"]').click();
      await shoot('signup-consent', 'fa');
      await page.getByRole('button', { name: 'ادامه' }).click();
      await page.locator('[data-action="tap-card"]').click();
      await expect.poll(() => visible('کارت عضویت جدید را نزدیک کنید')).toBe(true);
      await shoot('signup-tap', 'fa');
      await present('04C0FFEE123456');
      await expect.poll(() => page.locator('.bonus').isVisible(), { timeout: 15_000 }).toBe(true);
      await shoot('signup-done', 'fa');
      const member = await sys.server.db.get<{ id: string; display_name: string; birthday: string | null }>(
        "SELECT m.id, m.display_name, m.birthday FROM members m JOIN cards c ON c.member_id = m.id WHERE c.uid = '04C0FFEE123456'",
      );
      expect(member?.display_name).toBe('نیلوفر');
      expect(member?.birthday).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      await page.getByRole('button', { name: 'ادامه' }).click();
      await expect
        .poll(() => page.locator('.member h1').textContent(), { timeout: 10_000 })
        .toContain('نیلوفر');
      await done();
      // A later tap of the new card shows the new member again.
      await present('04C0FFEE123456');
      await expect
        .poll(() => page.locator('.member h1').textContent(), { timeout: 10_000 })
        .toContain('نیلوفر');
      await done();
    }, 120_000);

    it('signup in English: code by SMS, Latin name, Gregorian birthday, messages consent, printed slip', async () => {
      await setLang('en');
      await page.locator('.idle .join').click();
      await shoot('signup-phone', 'en');
      for (const d of '0912') await page.locator(`.keypad [data-key="${d}"]`).click();
      expect(await page.getByRole('button', { name: 'Send code' }).isDisabled()).toBe(true);
      for (const d of '1112233') await page.locator(`.keypad [data-key="${d}"]`).click();
      await page.getByRole('button', { name: 'Send code' }).click();
      await expect.poll(() => sms.sent.length, { timeout: 10_000 }).toBe(2);
      expect(sms.sent[1]?.to).toBe('+989121112233');
      const code = /(\d{6})/.exec(sms.sent[1]?.text ?? '')?.[1] ?? '';
      await shoot('signup-code', 'en');
      for (const d of code) await page.locator(`.keypad [data-key="${d}"]`).click();
      await page.getByRole('button', { name: 'Next' }).click();
      for (const ch of ['m', 'a', 'y', 'a']) await page.locator(`.keyboard [data-key="${ch}"]`).click();
      await shoot('signup-name', 'en');
      await page.getByRole('button', { name: 'Next' }).click();
      // The Gregorian picker in English: month names, not Jalali ones.
      await page.locator('[data-field="month"] .step').first().click();
      expect(await page.locator('[data-field="month"]').textContent()).toMatch(
        /January|February|March|April|May|June|July|August|September|October|November|December/,
      );
      await shoot('signup-birthday', 'en');
      await page.getByRole('button', { name: 'Next' }).click();
      await page.getByRole('button', { name: 'Skip' }).click();
      await page.locator('[data-consent="terms"]').click();
      await page.locator('[data-consent="messages"]').click();
      await shoot('signup-consent', 'en');
      await page.getByRole('button', { name: 'Next' }).click();
      const jobs = emulator.jobs.length;
      await page.locator('[data-action="slip"]').click();
      await expect.poll(() => page.locator('.bonus').isVisible(), { timeout: 15_000 }).toBe(true);
      await emulator.waitForJobs(jobs + 1, 15_000);
      await shoot('signup-done-slip', 'en');
      const member = await sys.server.db.get<{
        display_name: string;
        lang: string;
        consent_marketing: number;
      }>("SELECT display_name, lang, consent_marketing FROM members WHERE phone = '+989121112233'");
      // Joined on the English screen, so the club writes to Maya in English from now on.
      expect(member).toEqual({ display_name: 'Maya', lang: 'en', consent_marketing: 1 });
      await page.getByRole('button', { name: 'Next' }).click();
      await expect.poll(() => visible('Tap your card'), { timeout: 10_000 }).toBe(true);
      await setLang('fa');
    }, 120_000);

    it('timeout → attract screen, with no member data left in the DOM or on the agent', async () => {
      // A short inactivity timeout so this test need not wait a minute.
      await page.goto(`${sys.agent.apiUrl}/?idle=15`);
      await present(REZA.uid);
      await expect.poll(() => visible(REZA.name), { timeout: 10_000 }).toBe(true);
      await setLang('en');
      await shoot('member-bronze', 'en');
      // ?idle=15: the kiosk gives up after 15 s without a touch.
      await expect
        .poll(() => page.evaluate(() => document.body.innerText), { timeout: 30_000, interval: 1_000 })
        .toContain('کارت خود را نزدیک کنید');
      const html = await page.content();
      expect(html).not.toContain(REZA.name);
      expect(html).not.toContain('1002');
      const state = (await (await fetch(`${sys.agent.apiUrl}/api/state`)).json()) as {
        session: { kind: string };
      };
      expect(state.session.kind).toBe('idle');
    }, 60_000);

    it('has no overflowing text and mirrors right to left in every screenshot', () => {
      const problems = layout.flatMap(({ shot, report }) =>
        [...report.overflow, ...report.mirroring].map((p) => `${shot}: ${p}`),
      );
      if (problems.length > 0) console.log(problems.join('\n'));
      expect(problems).toEqual([]);
      expect(layout.length).toBeGreaterThan(20);
    });
  },
);
