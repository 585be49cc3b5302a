#!/usr/bin/env node
/**
 * DEV AID: screenshots of the built kiosk against the preview fake, for eyeballing layout, RTL and
 * Persian shaping. Run `npm run build -w kiosk-ui` first, then from the repo root:
 *
 *   node kiosk-ui/scripts/screenshots.mjs [outDir]     # default artifacts/screenshots
 *
 * Also prints any element that overflows its box or the viewport.
 */
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { MEMBER_UID, startFake } from './preview-fake.mjs';

const outDir = resolve(process.argv[2] ?? 'artifacts/screenshots');
const SIZES = [
  { name: '1024x600', width: 1024, height: 600 },
  { name: '1280x800', width: 1280, height: 800 },
  { name: '800x1280', width: 800, height: 1280 },
];

await mkdir(outDir, { recursive: true });
const fake = await startFake({ port: Number(process.env.PORT ?? 8090) });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});

const post = (path, body) =>
  fetch(new URL(path, fake.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body ?? {}),
  });

/** Elements whose content is wider/taller than their box, or that stick out of the viewport. */
function findOverflow() {
  const out = [];
  const vw = innerWidth;
  const vh = innerHeight;
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('svg') && el.tagName.toLowerCase() !== 'svg') continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    const label = `${el.tagName.toLowerCase()}.${[...el.classList].join('.')} "${(el.textContent ?? '').trim().slice(0, 40)}"`;
    if (r.left < -1 || r.top < -1 || r.right > vw + 1 || r.bottom > vh + 1) {
      // The tap animation moves the card on purpose; only flag static layout.
      if (!el.closest('.stage')) out.push(`outside viewport: ${label} ${JSON.stringify(r)}`);
    }
    const s = getComputedStyle(el);
    if (
      s.overflow !== 'visible' &&
      (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1)
    ) {
      out.push(
        `clipped: ${label} scroll=${el.scrollWidth}x${el.scrollHeight} box=${el.clientWidth}x${el.clientHeight}`,
      );
    }
  }
  return out;
}

async function shot(page, name) {
  await page.evaluate(() => document.fonts.ready);
  await page.waitForTimeout(450); // screen fade-in and result pop
  const file = `${outDir}/${name}.png`;
  await page.screenshot({ path: file });
  const problems = await page.evaluate(findOverflow);
  const dir = await page.evaluate(() => `${document.documentElement.lang}/${document.documentElement.dir}`);
  console.log(`${file}  [${dir}]${problems.length ? `\n  ! ${problems.join('\n  ! ')}` : ''}`);
}

try {
  for (const size of SIZES) {
    const page = await browser.newPage({ viewport: { width: size.width, height: size.height } });
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') console.log(`  console.${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => console.log(`  pageerror: ${e.message}`));
    for (const lang of ['fa', 'en']) {
      const tag = `${lang}-${size.name}`;
      await post('/sim/idle');
      await post('/sim/link', { online: true });
      await page.goto(new URL(`/?lang=${lang}&idle=600`, fake.url).href);
      await page.waitForSelector('.idle');
      await shot(page, `idle-${tag}`);

      await post('/sim/tap?source=cache', { uid: MEMBER_UID });
      await page.waitForSelector('.member');
      await shot(page, `member-${tag}`);

      await page.click('.checkin');
      await page.waitForSelector('.result.ok');
      await shot(page, `member-checkedin-${tag}`);

      await post('/sim/link', { online: false });
      await post('/sim/tap', { uid: '04FFEEDDCCBBAA' });
      await page.waitForSelector('.unknown');
      await page.click('.join');
      await shot(page, `unknown-${tag}`);
    }
    // Switching language on screen flips the document direction.
    await post('/sim/idle');
    await page.goto(new URL('/?idle=600', fake.url).href);
    await page.waitForSelector('.idle');
    await page.click('.switch');
    const after = await page.evaluate(
      () => `${document.documentElement.lang}/${document.documentElement.dir}`,
    );
    console.log(`language switch fa → ${after}`);
    await page.close();
  }
} finally {
  await browser.close();
  await fake.close();
}
