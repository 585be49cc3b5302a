import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/** The device agent serves the API (and, in production, this build) on 127.0.0.1:8080. */
const AGENT = process.env.BASHGAH_AGENT_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [svelte()],
  resolve: {
    // Sources, not protocol/dist: the kiosk build needs no prior `tsc -b protocol`.
    alias: { '@bashgah/protocol': here('../protocol/src/index.ts') },
  },
  build: {
    outDir: here('./dist'),
    emptyOutDir: true,
    // Chromium on the kiosk is recent; no legacy transforms needed.
    target: 'es2023',
    // Keep the font a real file in dist (never inlined as a data: URL).
    assetsInlineLimit: 0,
  },
  server: {
    host: '127.0.0.1',
    port: 5173,
    proxy: {
      '/api': { target: AGENT, changeOrigin: false },
      '/sim': { target: AGENT, changeOrigin: false },
    },
  },
});
