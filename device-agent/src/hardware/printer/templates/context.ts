import type { Lang } from '../receipt.js';

/** What every template needs besides its own data; passed in so templates stay pure. */
export interface TemplateContext {
  lang: Lang;
  storeName: string;
  /** IANA zone of the store, e.g. Asia/Tehran: the Pi's clock may run in UTC. */
  timeZone: string;
  now: Date;
}
