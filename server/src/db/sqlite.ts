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

interface Task {
  /** 'tx' may share a COMMIT with the transactions queued behind it; 'op' runs on its own. */
  kind: 'op' | 'tx';
  run: () => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/** Transactions sharing one COMMIT at most: bounds the wait of the first for the last. */
const MAX_GROUP = 64;

/** Generous for the engine's fixed SQL; ad-hoc SQL beyond it is finalised oldest first. */
const MAX_CACHED_STATEMENTS = 500;

/**
 * A promise wrapper over one `sqlite3` connection. The connection is shared, so a statement issued
 * by one async caller while another is between BEGIN and COMMIT would silently join (and share the
 * fate of) that transaction. To rule that out every top-level operation, and every transaction as
 * a whole, goes through one FIFO queue; statements issued from inside a transaction's callback are
 * recognised through AsyncLocalStorage and run straight away.
 */
export class SqliteDb implements Queryable {
  /** Counters for tests and benchmarks: how well group commit is batching. */
  readonly stats = { commits: 0, transactions: 0 };
  private readonly tasks: Task[] = [];
  private pumping = false;
  /** Settles when the queue has run dry; close() waits on it. */
  private drained: Promise<void> = Promise.resolve();
  private closed = false;
  private savepoints = 0;

  /**
   * Prepared statements by SQL text. Preparing is most of the cost of a statement in `sqlite3`
   * (three thread-pool round trips instead of one; ~130 µs against ~35 µs measured), and the
   * engine issues the same few dozen statements over and over. SQLite re-prepares a cached
   * statement by itself after a schema change.
   */
  private readonly statements = new Map<string, Promise<sqlite3.Statement>>();

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
    // The default 2 MB page cache holds almost none of a club's indexes; 64 MiB keeps the hot
    // B-tree pages of a million-member database in memory, and mmap spares a syscall per page read.
    // temp_store = MEMORY keeps savepoint journals in memory. Group commit runs every transaction
    // in its own savepoint, so each page a purchase first touches is copied to that journal; past
    // 64 KiB SQLite would spill it to a temp file, and perf showed those writes as ~7% of the
    // purchase path. The journal lives only until the savepoint is released.
    await db.exec(
      `PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = ${busyTimeoutMs};
       PRAGMA cache_size = -65536; PRAGMA mmap_size = 268435456; PRAGMA temp_store = MEMORY;`,
    );
    return db;
  }

  run(sql: string, params: SqlParams = []): Promise<RunResult> {
    return this.schedule(async () => {
      const stmt = await this.prepared(sql);
      return new Promise<RunResult>((resolve, reject) => {
        stmt.run(params, function (err) {
          if (err) reject(withSql(err, sql));
          else resolve({ changes: this.changes, lastID: this.lastID });
        });
      });
    });
  }

  async get<T>(sql: string, params: SqlParams = []): Promise<T | undefined> {
    // Through all(): a statement stepped by get() stays open (and holds its read snapshot) until
    // it is reset, which would pin WAL checkpoints and block COMMIT on a shared connection.
    return (await this.all<T>(sql, params))[0];
  }

  all<T>(sql: string, params: SqlParams = []): Promise<T[]> {
    return this.schedule(async () => {
      const stmt = await this.prepared(sql);
      return new Promise<T[]>((resolve, reject) => {
        stmt.all<T>(params, (err, rows) => (err ? reject(withSql(err, sql)) : resolve(rows)));
      });
    });
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
    return this.enqueue('tx', fn);
  }

  /** Waits for queued work, then closes the connection. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.drained;
    // A connection with unfinalised statements refuses to close.
    const cached = [...this.statements.values()];
    this.statements.clear();
    for (const p of cached) {
      const stmt = await p.catch(() => undefined);
      if (stmt) await new Promise<void>((resolve) => stmt.finalize(() => resolve()));
    }
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

  private prepared(sql: string): Promise<sqlite3.Statement> {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = new Promise<sqlite3.Statement>((resolve, reject) => {
        const s: sqlite3.Statement = this.conn.prepare(sql, (err) =>
          err ? reject(withSql(err, sql)) : resolve(s),
        );
      });
      this.statements.set(sql, stmt);
      // A statement that failed to prepare is not kept: the table may exist next time.
      stmt.catch(() => this.statements.delete(sql));
      if (this.statements.size > MAX_CACHED_STATEMENTS) {
        const [oldest, evicted] = this.statements.entries().next().value as [
          string,
          Promise<sqlite3.Statement>,
        ];
        this.statements.delete(oldest);
        evicted.then(
          (s) => s.finalize(),
          () => undefined,
        );
      }
    }
    return stmt;
  }

  private currentScope(): TxScope | undefined {
    const s = scope.getStore();
    return s && s.db === this && s.active ? s : undefined;
  }

  private schedule<T>(op: () => Promise<T>): Promise<T> {
    return this.currentScope() ? op() : this.enqueue('op', op);
  }

  private enqueue<T>(kind: Task['kind'], run: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error(`SQLite database ${this.file} is closed`));
    return new Promise<T>((resolve, reject) => {
      this.tasks.push({ kind, run, resolve: resolve as (v: unknown) => void, reject });
      this.pump();
    });
  }

  /** Runs queued work in order, one task (or one group of transactions) at a time. */
  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    this.drained = (async () => {
      for (let task = this.tasks.shift(); task; task = this.tasks.shift()) {
        if (task.kind === 'tx') {
          await this.runGroup(task);
          continue;
        }
        try {
          task.resolve(await task.run());
        } catch (err) {
          task.reject(err);
        }
      }
      this.pumping = false;
    })();
  }

  /**
   * Group commit. With synchronous=FULL every COMMIT waits for an fsync (about 1 ms here), which
   * caps a connection at a few hundred transactions a second however cheap they are. So
   * transactions already waiting in the queue when one starts share its BEGIN … COMMIT, each in
   * its own savepoint: they still run one after another and see each other's writes exactly as
   * if committed in turn, a failing one is rolled back to its savepoint alone and rejected at
   * once, and the rest resolve only after the shared COMMIT is durable. If that COMMIT fails,
   * every transaction of the group is rejected and nothing of it is kept.
   */
  private async runGroup(first: Task): Promise<void> {
    let name = `tx_${++this.savepoints}`;
    try {
      // IMMEDIATE takes the write lock up front: a deferred transaction that reads and then
      // writes can fail with SQLITE_BUSY halfway if another process (the seed CLI) wrote in between.
      await this.raw(`BEGIN IMMEDIATE; SAVEPOINT ${name}`);
    } catch (err) {
      await this.raw('ROLLBACK').catch(() => undefined);
      first.reject(err);
      return;
    }
    const done: Array<{ task: Task; result: unknown }> = [];
    let failed: unknown;
    for (let task: Task | undefined = first; task; ) {
      const tx: TxScope = { db: this, active: true, depth: 0 };
      let ok = false;
      let result: unknown;
      let error: unknown;
      try {
        result = await scope.run(tx, task.run);
        ok = true;
      } catch (err) {
        error = err;
      } finally {
        tx.active = false;
      }
      // Closing this savepoint and opening the next one's share a round trip: on a busy server
      // that is one statement fewer per transaction.
      const next =
        this.tasks[0]?.kind === 'tx' && done.length + 1 < MAX_GROUP ? this.tasks.shift() : undefined;
      const nextName = next ? `tx_${++this.savepoints}` : undefined;
      const close = ok ? `RELEASE ${name}` : `ROLLBACK TO ${name}; RELEASE ${name}`;
      try {
        await this.raw(nextName ? `${close}; SAVEPOINT ${nextName}` : close);
      } catch (err) {
        // The transaction's state is unknown now (SQLite may have rolled it all back, e.g. after
        // SQLITE_FULL): the group is lost as a whole. The next task never ran; it goes back first
        // in line for the next group.
        failed = err;
        if (ok) done.push({ task, result });
        else task.reject(error);
        if (next) this.tasks.unshift(next);
        break;
      }
      if (ok) done.push({ task, result });
      else task.reject(error);
      task = next;
      if (nextName) name = nextName;
    }
    try {
      if (failed) throw failed;
      await this.raw('COMMIT');
      this.stats.commits++;
      this.stats.transactions += done.length;
    } catch (err) {
      await this.raw('ROLLBACK').catch(() => {
        // SQLite may already have rolled back; the original error is what callers need.
      });
      for (const d of done) d.task.reject(err);
      return;
    }
    for (const d of done) d.task.resolve(d.result);
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
