import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDb } from '../../test/helpers.js';
import type { SqliteDb } from './sqlite.js';

describe('SqliteDb', () => {
  let t: Awaited<ReturnType<typeof tempDb>>;
  let db: SqliteDb;
  beforeEach(async () => {
    t = await tempDb({ migrated: false });
    db = t.db;
    await db.exec(
      'CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL); INSERT INTO counter VALUES (1, 0);',
    );
  });
  afterEach(() => t.cleanup());

  const n = async () => (await db.get<{ n: number }>('SELECT n FROM counter WHERE id = 1'))!.n;
  const tick = () => new Promise((r) => setTimeout(r, 1));

  it('opens with WAL, full sync and foreign keys on', async () => {
    expect(await db.get('PRAGMA journal_mode')).toEqual({ journal_mode: 'wal' });
    expect(await db.get('PRAGMA synchronous')).toEqual({ synchronous: 2 });
    expect(await db.get('PRAGMA foreign_keys')).toEqual({ foreign_keys: 1 });
    expect(await db.get('PRAGMA busy_timeout')).toEqual({ timeout: 5000 });
  });

  it('runs, gets and lists with bound parameters', async () => {
    const r = await db.run('INSERT INTO counter (id, n) VALUES (?, ?)', [2, 7]);
    expect(r).toEqual({ changes: 1, lastID: 2 });
    expect(await db.get('SELECT n FROM counter WHERE id = ?', [2])).toEqual({ n: 7 });
    expect(await db.get('SELECT n FROM counter WHERE id = ?', [99])).toBeUndefined();
    expect(await db.all('SELECT id FROM counter ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it('rolls back everything when the callback throws, and rethrows', async () => {
    await expect(
      db.transaction(async () => {
        await db.run('UPDATE counter SET n = 5');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await n()).toBe(0);
    // The connection is usable afterwards: no transaction was left open.
    await db.transaction(() => db.run('UPDATE counter SET n = 1'));
    expect(await n()).toBe(1);
  });

  it('serialises concurrent transactions so read-modify-write never interleaves', async () => {
    const increment = () =>
      db.transaction(async () => {
        const current = await n();
        await tick(); // give other callers every chance to sneak in
        await db.run('UPDATE counter SET n = ?', [current + 1]);
      });
    await Promise.all(Array.from({ length: 20 }, increment));
    expect(await n()).toBe(20);
  });

  it('keeps statements from outside a transaction out of it', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const tx = db
      .transaction(async () => {
        await db.run('UPDATE counter SET n = 100');
        await gate;
        throw new Error('abort');
      })
      .catch(() => 'rolled back');
    await tick();
    // Issued while the transaction is open: it must wait, not become part of it and be rolled back.
    const outside = db.run('INSERT INTO counter (id, n) VALUES (3, 3)');
    release();
    expect(await tx).toBe('rolled back');
    await outside;
    expect(await n()).toBe(0);
    expect(await db.get('SELECT n FROM counter WHERE id = 3')).toEqual({ n: 3 });
  });

  it('nests transactions as savepoints: an inner failure undoes only the inner work', async () => {
    await db.transaction(async () => {
      await db.run('UPDATE counter SET n = 1');
      await db
        .transaction(async () => {
          await db.run('UPDATE counter SET n = 2');
          throw new Error('inner');
        })
        .catch(() => undefined);
    });
    expect(await n()).toBe(1);
  });

  it('commits transactions queued together with one COMMIT, each still atomic on its own', async () => {
    const before = { ...db.stats };
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        db.transaction(async () => {
          await db.run('INSERT INTO counter (id, n) VALUES (?, ?)', [100 + i, i]);
          if (i === 7) throw new Error('seven fails');
          return i;
        }),
      ),
    );
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
    expect(results[7]).toMatchObject({ status: 'rejected', reason: { message: 'seven fails' } });
    expect(await db.get('SELECT count(*) AS c FROM counter WHERE id >= 100')).toEqual({ c: 19 });
    expect(await db.get('SELECT 1 AS x FROM counter WHERE id = 107')).toBeUndefined();
    expect(db.stats.transactions - before.transactions).toBe(19);
    // Far fewer fsyncs than transactions: they were queued together.
    expect(db.stats.commits - before.commits).toBeLessThan(5);
  });

  it('rejects the whole group, keeping nothing, when the shared COMMIT fails', async () => {
    await db.exec(`CREATE TABLE parent (id INTEGER PRIMARY KEY);
      CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED);
      INSERT INTO parent VALUES (1);`);
    // The orphan passes its own statement (the check is deferred) and fails only at COMMIT.
    const [good, orphan] = await Promise.allSettled([
      db.transaction(() => db.run('INSERT INTO child VALUES (1, 1)')),
      db.transaction(() => db.run('INSERT INTO child VALUES (2, 99)')),
    ]);
    expect(good.status).toBe('rejected');
    expect(orphan).toMatchObject({
      status: 'rejected',
      reason: { message: expect.stringMatching(/FOREIGN KEY/) },
    });
    expect(await db.get('SELECT count(*) AS c FROM child')).toEqual({ c: 0 });
    await db.transaction(() => db.run('INSERT INTO child VALUES (3, 1)'));
    expect(await db.get('SELECT count(*) AS c FROM child')).toEqual({ c: 1 });
  });

  it('refuses work after close', async () => {
    await db.close();
    await expect(db.get('SELECT 1')).rejects.toThrow(/closed/);
  });
});
