import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { ConsoleApi } from './api.js';
import { I18n, type Lang } from './i18n.svelte.js';

/** Composition root. `?lang=en` picks the starting language (fa by default); the choice is remembered. */
const param = new URLSearchParams(location.search).get('lang');
const saved = localStorage.getItem('bashgah.console.lang');
const lang: Lang = param === 'en' || param === 'fa' ? param : saved === 'en' ? 'en' : 'fa';

const target = document.getElementById('app');
if (!target) throw new Error('console: #app missing from index.html');

export default mount(App, { target, props: { api: new ConsoleApi(), i18n: new I18n(lang) } });
