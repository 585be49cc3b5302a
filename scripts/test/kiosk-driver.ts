/**
 * What a kiosk e2e test does with its hands: present a card on the virtual reader, switch the
 * screen's language, and take each screenshot in both orientations through the layout check.
 * Shared so that every kiosk test presses the same buttons and checks layout the same way.
 */
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { VirtualCard } from '../src/vcard/index.js';
import { checkLayout, type Lang, type LayoutReport } from './kiosk-layout.js';

/** Demo members seeded by `startSystem` (server/src/seed.ts). */
export const SARA = { uid: '04A1B2C3D4E5F6', memberId: 'm-1001', name: 'سارا احمدی', points: 120 };
export const REZA = { uid: '04112233445566', memberId: 'm-1002', name: 'Reza Karimi' };

/** The two kiosk screens the issue names: a portrait stand and a landscape counter unit. */
export const VIEWPORTS = {
  portrait: { width: 1080, height: 1920 },
  landscape: { width: 1280, height: 800 },
} as const;
export type Orientation = keyof typeof VIEWPORTS;

export interface KioskDriver {
  /** Takes any card off the reader, then presents this one (one card on the reader at a time). */
  present(uid: string): Promise<VirtualCard>;
  /** Takes every presented card off the reader. */
  removeCards(): Promise<void>;
  setLang(lang: Lang): Promise<void>;
  /** Screenshots `<name>-<lang>-<orientation>.png` in both orientations and checks the layout of each. */
  shoot(name: string, lang: Lang): Promise<void>;
  /** Every layout report taken so far, for the test's closing overflow/mirroring assertion. */
  readonly layout: ReadonlyArray<{ shot: string; report: LayoutReport }>;
}

/** `page` is a getter because tests open their page in `beforeAll`, after the driver is made. */
export function kioskDriver(page: () => Page, shotsDir: string): KioskDriver {
  const cards: VirtualCard[] = [];
  const layout: Array<{ shot: string; report: LayoutReport }> = [];
  const removeCards = async () => {
    await Promise.all(cards.splice(0).map((c) => c.remove()));
  };
  return {
    layout,
    removeCards,
    async present(uid) {
      await removeCards();
      const card = await VirtualCard.present(uid, { connectAttempts: 25, retryDelayMs: 200 });
      cards.push(card);
      return card;
    },
    async setLang(lang) {
      const p = page();
      if ((await p.evaluate(() => document.documentElement.lang)) === lang) return;
      await p
        .locator('button', { hasText: lang === 'en' ? 'English' : 'فارسی' })
        .first()
        .click();
      await expect.poll(() => p.evaluate(() => document.documentElement.lang)).toBe(lang);
    },
    async shoot(name, lang) {
      const p = page();
      for (const orientation of Object.keys(VIEWPORTS) as Orientation[]) {
        await p.setViewportSize(VIEWPORTS[orientation]);
        // Lets the layout settle after the resize before it is photographed and measured.
        await p.waitForTimeout(250);
        const shot = `${name}-${lang}-${orientation}`;
        await p.screenshot({ path: `${shotsDir}${shot}.png` });
        layout.push({ shot, report: await p.evaluate(checkLayout, lang) });
      }
      await p.setViewportSize(VIEWPORTS.portrait);
    },
  };
}
