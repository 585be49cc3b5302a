/**
 * The layout check itself, in Chromium on small pages: it must report a dialog whose bottom button
 * sits below the fold (the voucher sheet at 1280x800 once did), and pass the same dialog once the
 * button is pinned to the sheet's bottom edge, as ClaimSheet now does.
 */
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLayout } from './kiosk-layout.js';
import { CHROMIUM, CHROMIUM_ARGS, chromiumMissing, inCi, shouldRun } from './services.js';

const missing = chromiumMissing();

const sheet = (pinned: boolean) => `<!doctype html><html dir="ltr" lang="en"><body style="margin:0">
  <div style="position:fixed;inset:0;display:grid;place-items:center;padding:16px">
    <div role="dialog" style="max-height:calc(100vh - 32px);overflow:auto;width:480px;padding:16px;display:flex;flex-direction:column;gap:12px">
      <p style="height:800px;margin:0;flex:none">Your voucher is ready</p>
      <div style="${pinned ? 'position:sticky;bottom:-16px;background:#fff;padding-bottom:16px' : ''}">
        <button style="min-height:64px;min-width:120px">Done</button>
      </div>
    </div>
  </div></body></html>`;

describe.runIf(shouldRun('kiosk-layout', missing))('layout check', () => {
  let browser: Browser;
  beforeAll(async () => {
    if (missing && inCi) throw new Error(`the layout check test must run in CI, but ${missing}`);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('reports a dialog button below the fold at 1280x800, and passes it pinned', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.setContent(sheet(false));
    expect((await page.evaluate(checkLayout, 'en' as const)).overflow).toEqual([
      'button "Done" is cut off by its dialog or the screen',
    ]);
    await page.setContent(sheet(true));
    expect((await page.evaluate(checkLayout, 'en' as const)).overflow).toEqual([]);
    await page.close();
  }, 30_000);

  it('reports a button under 48 px and text wider than its box', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.setContent(`<!doctype html><html dir="ltr"><body>
      <div role="dialog"><button style="height:30px">OK</button></div>
      <p style="width:40px;white-space:nowrap;overflow:visible">a long unbreakable line of text</p></body></html>`);
    const { overflow } = await page.evaluate(checkLayout, 'en' as const);
    expect(overflow).toContain('button "OK" is smaller than 48 px');
    expect(overflow.some((p) => p.includes('wider than its box'))).toBe(true);
    await page.close();
  }, 30_000);
});
