import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/**
 * One test run for every workspace. Workspace imports resolve to sources, so unit tests need no
 * build; cross-process tests (in each workspace's test/) start what they need themselves.
 */
export default defineConfig({
  resolve: {
    alias: {
      '@bashgah/protocol': src('./protocol/src/index.ts'),
      '@bashgah/server': src('./server/src/index.ts'),
      '@bashgah/device-agent': src('./device-agent/src/index.ts'),
    },
  },
  test: {
    include: ['{protocol,server,device-agent,kiosk-ui,scripts}/{src,test}/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Cross-process tests share pcscd's single virtual reader slot and fixed ports; run files one
    // at a time so they never fight over them. Unit tests are fast enough that this costs little.
    fileParallelism: false,
    reporters: ['default', './vitest.summary-reporter.ts'],
  },
});
