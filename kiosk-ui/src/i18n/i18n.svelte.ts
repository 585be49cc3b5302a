import { en } from './en.js';
import { fa } from './fa.js';
import { createFormatter, DEFAULT_LANG, type Dir, dirFor, type Formatter, type Lang } from './format.js';
import type { Catalogues, Messages } from './messages.js';

export const catalogues: Catalogues = { fa, en };

/** The kiosk's current language: its messages, its formatter, and the document's lang/dir. */
export class I18n {
  lang = $state<Lang>(DEFAULT_LANG);
  readonly m: Messages = $derived(catalogues[this.lang]);
  readonly fmt: Formatter = $derived(createFormatter(this.lang));
  readonly dir: Dir = $derived(dirFor(this.lang));

  /** The language the kiosk returns to between shoppers. */
  readonly home: Lang;

  constructor(
    home: Lang = DEFAULT_LANG,
    private readonly root: HTMLElement | null = globalThis.document?.documentElement ?? null,
  ) {
    this.home = home;
    this.set(home);
  }

  set(lang: Lang): void {
    this.lang = lang;
    if (this.root) {
      this.root.lang = lang;
      this.root.dir = dirFor(lang);
    }
  }

  /** Back to the home language (Persian by default) for the next shopper. */
  reset(): void {
    this.set(this.home);
  }
}
