import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { SqliteDb } from './sqlite.js';

/**
 * The SQL lives in server/migrations/, outside src/, so this one URL finds it both from src/db/
 * (tests) and from dist/db/ (the built server) without a copy step.
 */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

const FILE_PATTERN = /^(\d{3})_[a-z0-9_-]+\.sql$/;

export interface Migration {
  version: number;
  name: string;
  file: string;
}

export async function listMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.sql'));
  const migrations: Migration[] = [];
  for (const name of names) {
    const m = FILE_PATTERN.exec(name);
    if (!m) {
      throw new Error(
        `Migration file ${name} in ${dir} is not named NNN_name.sql (e.g. 002_rewards.sql); rename it so its order is explicit.`,
      );
    }
    migrations.push({ version: Number(m[1]), name, file: `${dir}/${name}` });
  }
  migrations.sort((a, b) => a.version - b.version);
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i]!.version === migrations[i - 1]!.version) {
      throw new Error(
        `Migrations ${migrations[i - 1]!.name} and ${migrations[i]!.name} share version ${migrations[i]!.version}; renumber one of them.`,
      );
    }
  }
  return migrations;
}

/**
 * Applies every migration not yet recorded, in version order, each in its own transaction with its
 * bookkeeping row, so a failed migration leaves the schema as it was. Returns the names applied.
 */
export async function migrate(
  db: SqliteDb,
  options: { dir?: string; logger?: Logger } = {},
): Promise<string[]> {
  await db.exec(
    `CREATE TABLE IF NOT EXISTS schema_migrations (
       version    INTEGER PRIMARY KEY,
       name       TEXT NOT NULL,
       applied_at TEXT NOT NULL
     ) STRICT`,
  );
  const done = new Set(
    (await db.all<{ version: number }>('SELECT version FROM schema_migrations')).map((r) => r.version),
  );
  const applied: string[] = [];
  for (const m of await listMigrations(options.dir)) {
    if (done.has(m.version)) continue;
    const sql = await readFile(m.file, 'utf8');
    const ran = await db.transaction(async () => {
      // Re-checked under the write lock: the seed CLI may migrate the same file concurrently.
      if (await db.get('SELECT 1 FROM schema_migrations WHERE version = ?', [m.version])) return false;
      await db.exec(sql);
      await db.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
        m.version,
        m.name,
        new Date().toISOString(),
      ]);
      return true;
    });
    if (!ran) continue;
    options.logger?.info({ migration: m.name }, 'applied migration');
    applied.push(m.name);
  }
  return applied;
}
