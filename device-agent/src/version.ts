import { readFileSync } from 'node:fs';

// package.json sits one level above both src/ and dist/, so this works built or under vitest.
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

export const AGENT_VERSION: string = pkg.version;
