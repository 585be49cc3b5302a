import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDb } from '../../test/helpers.js';
import { listMigrations, migrate } from './migrate.js';

describe('migrate', () => {
  let t: Awaited<ReturnType<typeof tempDb>>;
  beforeEach(async () => {
    t = await tempDb({ migrated: false });
  });
  afterEach(() => t.cleanup());

  it('applies the shipped migrations once and is a no-op the second time', async () => {
    expect(await migrate(t.db)).toEqual(['001_init.sql']);
    expect(await migrate(t.db)).toEqual([]);
    expect(await t.db.all('SELECT version, name FROM schema_migrations')).toEqual([
      { version: 1, name: '001_init.sql' },
    ]);
    const tables = (
      await t.db.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
    ).map((r) => r.name);
    for (const table of [
      'members',
      'cards',
      'points_ledger',
      'balances',
      'processed_events',
      'checkins',
      'devices',
    ]) {
      expect(tables).toContain(table);
    }
  });

  it('makes the points ledger append-only', async () => {
    await migrate(t.db);
    await t.db.run(
      "INSERT INTO members (id, number, display_name, tier, created_at) VALUES ('m', 1, 'M', 'gold', 'now')",
    );
    await t.db.run(
      "INSERT INTO points_ledger (member_id, kind, points, cause, created_at) VALUES ('m', 'earn', 10, 'test', 'now')",
    );
    await expect(t.db.run('UPDATE points_ledger SET points = 1000')).rejects.toThrow(/append-only/);
    await expect(t.db.run('DELETE FROM points_ledger')).rejects.toThrow(/append-only/);
    expect(await t.db.get('SELECT points FROM points_ledger')).toEqual({ points: 10 });
  });

  it('enforces the schema: tiers, ledger kinds and card owners', async () => {
    await migrate(t.db);
    await expect(
      t.db.run(
        "INSERT INTO members (id, number, display_name, tier, created_at) VALUES ('m', 1, 'M', 'diamond', 'x')",
      ),
    ).rejects.toThrow(/CHECK/);
    await expect(
      t.db.run("INSERT INTO cards (uid, member_id, issued_at) VALUES ('AA', 'nobody', 'x')"),
    ).rejects.toThrow(/FOREIGN KEY/);
  });

  describe('with a custom directory', () => {
    let dir: string;
    beforeEach(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'bashgah-migrations-'));
    });
    afterEach(() => rm(dir, { recursive: true, force: true }));

    it('applies files in numeric order and rolls back a failing one entirely', async () => {
      await writeFile(
        path.join(dir, '002_second.sql'),
        'CREATE TABLE b (x INTEGER); INSERT INTO b VALUES (1);',
      );
      await writeFile(path.join(dir, '001_first.sql'), 'CREATE TABLE a (x INTEGER);');
      await writeFile(
        path.join(dir, '003_broken.sql'),
        'CREATE TABLE c (x INTEGER); INSERT INTO nowhere VALUES (1);',
      );
      await expect(migrate(t.db, { dir })).rejects.toThrow(/no such table: nowhere/);
      expect(await t.db.all('SELECT name FROM schema_migrations ORDER BY version')).toEqual([
        { name: '001_first.sql' },
        { name: '002_second.sql' },
      ]);
      expect(await t.db.get("SELECT 1 FROM sqlite_master WHERE name = 'c'")).toBeUndefined();
    });

    it('refuses badly named or duplicate-numbered files', async () => {
      await writeFile(path.join(dir, 'init.sql'), '');
      await expect(listMigrations(dir)).rejects.toThrow(/NNN_name\.sql/);
      await rm(path.join(dir, 'init.sql'));
      await writeFile(path.join(dir, '001_a.sql'), '');
      await writeFile(path.join(dir, '001_b.sql'), '');
      await expect(listMigrations(dir)).rejects.toThrow(/share version 1/);
    });
  });
});
