import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { createApi } from './api/client.js';
import { DEFAULT_LANG, isLang } from './i18n/format.js';
import { I18n } from './i18n/i18n.svelte.js';
import { IdleWatch } from './state/idle.svelte.js';
import { DEFAULT_IDLE_MS } from './state/idle-timer.js';
import { KioskStore } from './state/kiosk.svelte.js';

/**
 * Composition root. Optional query parameters (for the agent's kiosk launcher and for development):
 * `?lang=en` start language, `?idle=45` inactivity timeout in seconds.
 */
const params = new URLSearchParams(location.search);
const lang = params.get('lang');
const idleSeconds = Number(params.get('idle'));
const idleMs = Number.isFinite(idleSeconds) && idleSeconds > 0 ? idleSeconds * 1000 : DEFAULT_IDLE_MS;

const api = createApi();
const kiosk = new KioskStore(api);
const i18n = new I18n(isLang(lang) ? lang : DEFAULT_LANG);
// Inactivity: close the session, forget what it showed, and greet the next shopper in the home language.
const idle = new IdleWatch(() => {
  kiosk.dismiss();
  i18n.reset();
}, idleMs);
kiosk.start();

const target = document.getElementById('app');
if (!target) throw new Error('kiosk: #app missing from index.html');

export default mount(App, { target, props: { api, kiosk, i18n, idle } });
