/**
 * The layout check every kiosk screenshot goes through: text cut off or spilling out of its box,
 * dialog buttons pushed out of sight, and right-to-left mirroring. `checkLayout` runs in the page.
 */

export type Lang = 'fa' | 'en';

/** What the layout check found on one screen: text cut off or spilling out, and RTL mistakes. */
export interface LayoutReport {
  dir: string;
  overflow: string[];
  mirroring: string[];
}

/** Runs in the page: every visible element with its own text must fit its box and the viewport. */
export function checkLayout(lang: Lang): LayoutReport {
  const overflow: string[] = [];
  const mirroring: string[] = [];
  const describe = (el: Element) =>
    `${el.tagName.toLowerCase()}${el.className && typeof el.className === 'string' ? `.${el.className.split(' ')[0]}` : ''} "${(el.textContent ?? '').trim().slice(0, 40)}"`;
  for (const el of document.querySelectorAll<HTMLElement>('body *')) {
    const cs = getComputedStyle(el);
    if (cs.display === 'none' || cs.visibility === 'hidden' || el.closest('svg')) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    const ownText = [...el.childNodes].some((n) => n.nodeType === 3 && (n.textContent ?? '').trim() !== '');
    if (!ownText) continue;
    if (r.left < -1 || r.right > innerWidth + 1) overflow.push(`${describe(el)} leaves the screen`);
    if (cs.display === 'inline') continue;
    const scrolls = /(auto|scroll)/.test(cs.overflowX);
    if (!scrolls && el.scrollWidth > el.clientWidth + 1)
      overflow.push(`${describe(el)} is wider than its box`);
    // A line clamp or ellipsis hides text on purpose; anything else taller than its box spills.
    // Glyphs may poke a few pixels above a tight line box; a spilled line is a font size or more.
    const slack = Math.max(4, Number.parseFloat(cs.fontSize) * 0.5);
    if (!/(auto|scroll|hidden)/.test(cs.overflowY) && el.scrollHeight > el.clientHeight + slack)
      overflow.push(`${describe(el)} is taller than its box`);
  }
  // A dialog must show all of its buttons without scrolling: a shopper does not know to scroll a
  // modal sheet, and a button hidden below its fold (or below the screen) cannot be pressed.
  for (const dialog of document.querySelectorAll<HTMLElement>('[role="dialog"]')) {
    const box = dialog.getBoundingClientRect();
    for (const button of dialog.querySelectorAll<HTMLElement>('button')) {
      const r = button.getBoundingClientRect();
      if (r.width === 0 || r.height === 0 || getComputedStyle(button).visibility === 'hidden') continue;
      const clipped =
        r.top < Math.max(0, box.top) - 1 ||
        r.bottom > Math.min(innerHeight, box.bottom) + 1 ||
        r.left < Math.max(0, box.left) - 1 ||
        r.right > Math.min(innerWidth, box.right) + 1;
      if (clipped) overflow.push(`${describe(button)} is cut off by its dialog or the screen`);
      if (r.height < 47.5 || r.width < 47.5) overflow.push(`${describe(button)} is smaller than 48 px`);
    }
  }
  const dir = document.documentElement.dir;
  if (dir !== (lang === 'fa' ? 'rtl' : 'ltr')) mirroring.push(`document dir is ${dir}`);
  // The club's name and logo sit at the start edge: right in Persian, left in English.
  const brand = document.querySelector('header .brand')?.getBoundingClientRect();
  if (brand) {
    const atRight = brand.left + brand.width / 2 > innerWidth / 2;
    if (atRight !== (lang === 'fa')) mirroring.push(`brand is on the ${atRight ? 'right' : 'left'}`);
  }
  // Headings and paragraphs start at the start edge unless centred on purpose.
  for (const el of document.querySelectorAll<HTMLElement>('.member h1, .member h2')) {
    const cs = getComputedStyle(el);
    if (cs.textAlign === 'center') continue;
    if (cs.direction !== (lang === 'fa' ? 'rtl' : 'ltr'))
      mirroring.push(`${describe(el)} runs ${cs.direction}`);
  }
  return { dir, overflow, mirroring };
}
