import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { loadServerConfig } from './config.js';
import { migrate } from './db/migrate.js';
import { SqliteDb } from './db/sqlite.js';
import { createStore, rotateStoreKey } from './engine/stores.js';

const USAGE = `usage: node server/dist/stores-cli.js create <store-id> <name>
       node server/dist/stores-cli.js rotate <store-id>
Prints the store's POS API key once; only its hash is stored, so keep it now.`;

/** Registers a POS store (or replaces its key) in the server's database and prints the key. */
async function cli(args: string[]): Promise<void> {
  const [command, id, ...name] = args;
  if (!id || !/^[a-z0-9][a-z0-9-]{0,39}$/.test(id) || (command === 'create' && name.length === 0)) {
    console.error(USAGE);
    process.exitCode = 2;
    return;
  }
  const config = loadServerConfig();
  await mkdir(path.dirname(config.dbPath), { recursive: true });
  const db = await SqliteDb.open(config.dbPath);
  try {
    await migrate(db, { logger: pino({ level: 'warn' }) });
    if (command === 'create') {
      const { apiKey } = await createStore(db, { id, name: name.join(' ') });
      console.log(apiKey);
    } else if (command === 'rotate') {
      const { apiKey } = await rotateStoreKey(db, id);
      console.log(apiKey);
    } else {
      console.error(USAGE);
      process.exitCode = 2;
    }
  } finally {
    await db.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  cli(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}
