import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDb } from '../../test/helpers.js';
import { listMigrations, MIGRATIONS_DIR, migrate } from './migrate.js';

describe('migrate', () => {
  let t: Awaited<ReturnType<typeof tempDb>>;
  beforeEach(async () => {
    t = await tempDb({ migrated: false });
  });
  afterEach(() => t.cleanup());

  it('applies the shipped migrations once and is a no-op the second time', async () => {
    const listed = await listMigrations();
    const shipped = listed.map((m) => m.name);
    expect(shipped.slice(0, 2)).toEqual(['001_init.sql', '002_lots_purchases.sql']);
    expect(await migrate(t.db)).toEqual(shipped);
    expect(await migrate(t.db)).toEqual([]);
    expect(await t.db.all('SELECT version, name FROM schema_migrations ORDER BY version')).toEqual(
      listed.map((m) => ({ version: m.version, name: m.name })),
    );
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

  it('carries balances from before lots over as one never-expiring lot each', async () => {
    const only001 = await mkdtemp(path.join(os.tmpdir(), 'bashgah-mig-'));
    try {
      await writeFile(
        path.join(only001, '001_init.sql'),
        await readFile(path.join(MIGRATIONS_DIR, '001_init.sql'), 'utf8'),
      );
      await migrate(t.db, { dir: only001 });
    } finally {
      await rm(only001, { recursive: true, force: true });
    }
    await t.db.exec(`
      INSERT INTO members (id, number, display_name, tier, created_at) VALUES ('m', 1, 'M', 'gold', '2025-01-01T00:00:00.000Z'), ('z', 2, 'Z', 'gold', '2025-01-01T00:00:00.000Z');
      INSERT INTO points_ledger (member_id, kind, points, cause, created_at) VALUES ('m', 'earn', 70, 't', '2025-01-01T00:00:00.000Z'), ('m', 'redeem', -20, 't', '2025-01-01T00:00:00.000Z');
      INSERT INTO balances (member_id, points, updated_at) VALUES ('m', 50, '2025-01-01T00:00:00.000Z'), ('z', 0, '2025-01-01T00:00:00.000Z');`);
    expect(await migrate(t.db)).toContain('002_lots_purchases.sql');
    expect(
      await t.db.all('SELECT member_id, ledger_id, points, remaining, expires_at FROM point_lots'),
    ).toEqual([{ member_id: 'm', ledger_id: 2, points: 50, remaining: 50, expires_at: null }]);
    await expect(t.db.run("UPDATE balances SET points = -1 WHERE member_id = 'm'")).rejects.toThrow(
      /negative/,
    );
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
