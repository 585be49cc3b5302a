import { AsyncLocalStorage } from 'node:async_hooks';
import sqlite3 from 'sqlite3';

export type SqlParams = readonly unknown[] | Record<string, unknown>;

export interface RunResult {
  changes: number;
  lastID: number;
}

/** What repos and engine functions need: works the same on the database and inside a transaction. */
export interface Queryable {
  run(sql: string, params?: SqlParams): Promise<RunResult>;
  get<T>(sql: string, params?: SqlParams): Promise<T | undefined>;
  all<T>(sql: string, params?: SqlParams): Promise<T[]>;
  exec(sql: string): Promise<void>;
  /**
   * Runs `fn` atomically. Nested calls become savepoints, so an engine function that opens its own
   * transaction composes with a caller that already holds one.
   */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
}

export interface OpenOptions {
  busyTimeoutMs?: number;
}

interface TxScope {
  db: SqliteDb;
  /** Cleared at COMMIT/ROLLBACK, so a timer started inside a transaction cannot run in it later. */
  active: boolean;
  depth: number;
}

const scope = new AsyncLocalStorage<TxScope>();

/**
 * A promise wrapper over one `sqlite3` connection. The connection is shared, so a statement issued
 * by one async caller while another is between BEGIN and COMMIT would silently join (and share the
 * fate of) that transaction. To rule that out every top-level operation, and every transaction as
 * a whole, goes through one FIFO queue; statements issued from inside a transaction's callback are
 * recognised through AsyncLocalStorage and run straight away.
 */
export class SqliteDb implements Queryable {
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private savepoints = 0;

  private constructor(
    private readonly conn: sqlite3.Database,
    readonly file: string,
  ) {}

  static async open(file: string, options: OpenOptions = {}): Promise<SqliteDb> {
    const conn = await new Promise<sqlite3.Database>((resolve, reject) => {
      const c = new sqlite3.Database(file, (err) => {
        if (err) reject(new Error(`Cannot open SQLite database ${file}: ${err.message}`, { cause: err }));
        else resolve(c);
      });
    });
    const db = new SqliteDb(conn, file);
    // WAL lets readers (backups, the seed CLI) work alongside the server; FULL makes every commit
    // durable across power loss, which a points ledger needs more than raw speed.
    const busyTimeoutMs = Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5000));
    await db.exec(
      `PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = ${busyTimeoutMs};`,
    );
    return db;
  }

  run(sql: string, params: SqlParams = []): Promise<RunResult> {
    return this.schedule(
      () =>
        new Promise<RunResult>((resolve, reject) => {
          this.conn.run(sql, params, function (err) {
            if (err) reject(withSql(err, sql));
            else resolve({ changes: this.changes, lastID: this.lastID });
          });
        }),
    );
  }

  get<T>(sql: string, params: SqlParams = []): Promise<T | undefined> {
    return this.schedule(
      () =>
        new Promise<T | undefined>((resolve, reject) => {
          this.conn.get<T>(sql, params, (err, row) => (err ? reject(withSql(err, sql)) : resolve(row)));
        }),
    );
  }

  all<T>(sql: string, params: SqlParams = []): Promise<T[]> {
    return this.schedule(
      () =>
        new Promise<T[]>((resolve, reject) => {
          this.conn.all<T>(sql, params, (err, rows) => (err ? reject(withSql(err, sql)) : resolve(rows)));
        }),
    );
  }

  exec(sql: string): Promise<void> {
    return this.schedule(
      () =>
        new Promise<void>((resolve, reject) => {
          this.conn.exec(sql, (err) => (err ? reject(withSql(err, sql)) : resolve()));
        }),
    );
  }

  transaction<T>(fn: () => Promise<T>): Promise<T> {
    const current = this.currentScope();
    if (current) return this.savepoint(current, fn);
    return this.enqueue(async () => {
      const tx: TxScope = { db: this, active: true, depth: 0 };
      // IMMEDIATE takes the write lock up front: a deferred transaction that reads and then writes
      // can fail with SQLITE_BUSY halfway if another process (the seed CLI) wrote in between.
      await this.raw('BEGIN IMMEDIATE');
      try {
        const result = await scope.run(tx, fn);
        await this.raw('COMMIT');
        return result;
      } catch (err) {
        await this.raw('ROLLBACK').catch(() => {
          // SQLite may already have rolled back (e.g. after SQLITE_FULL); the original error matters.
        });
        throw err;
      } finally {
        tx.active = false;
      }
    });
  }

  /** Waits for queued work, then closes the connection. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.catch(() => undefined);
    await new Promise<void>((resolve, reject) => this.conn.close((err) => (err ? reject(err) : resolve())));
  }

  private async savepoint<T>(tx: TxScope, fn: () => Promise<T>): Promise<T> {
    const name = `sp_${++this.savepoints}`;
    tx.depth++;
    await this.raw(`SAVEPOINT ${name}`);
    try {
      const result = await fn();
      await this.raw(`RELEASE ${name}`);
      return result;
    } catch (err) {
      await this.raw(`ROLLBACK TO ${name}`);
      await this.raw(`RELEASE ${name}`);
      throw err;
    } finally {
      tx.depth--;
    }
  }

  private currentScope(): TxScope | undefined {
    const s = scope.getStore();
    return s && s.db === this && s.active ? s : undefined;
  }

  private schedule<T>(op: () => Promise<T>): Promise<T> {
    return this.currentScope() ? op() : this.enqueue(op);
  }

  private enqueue<T>(op: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error(`SQLite database ${this.file} is closed`));
    const next = this.queue.then(op, op);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private raw(sql: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.conn.exec(sql, (err) => (err ? reject(withSql(err, sql)) : resolve()));
    });
  }
}

function withSql(err: Error, sql: string): Error {
  const code = (err as { code?: string }).code;
  const e = new Error(`${err.message} (in: ${sql.replace(/\s+/g, ' ').slice(0, 200)})`, { cause: err });
  if (code) Object.assign(e, { code });
  return e;
}
