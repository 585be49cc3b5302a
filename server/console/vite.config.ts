import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/** The server serves this build at `/`; in development Vite proxies the API to a running server. */
const SERVER = process.env.BASHGAH_SERVER_URL ?? 'http://127.0.0.1:8700';

export default defineConfig({
  root: here('.'),
  plugins: [svelte({ configFile: here('./svelte.config.js') })],
  resolve: {
    alias: { '@bashgah/protocol': here('../../protocol/src/index.ts') },
  },
  build: {
    outDir: here('./dist'),
    emptyOutDir: true,
    target: 'es2023',
    assetsInlineLimit: 0,
  },
  server: {
    host: '127.0.0.1',
    port: 5174,
    proxy: { '/api': { target: SERVER, changeOrigin: false } },
  },
});
