import sqlite3 from 'sqlite3';

export type SqlParams = readonly unknown[] | Record<string, unknown>;

export interface RunResult {
  lastID: number;
  changes: number;
}

/**
 * A small promise wrapper over node-sqlite3. The pragmas are the point: WAL so readers never block
 * the writer, synchronous=FULL so a committed outbox row is on disk before the API answers (a
 * power cut right after a 202 must not lose the member's action), and a busy timeout instead of
 * immediate SQLITE_BUSY errors.
 */
export class Sqlite {
  readonly #db: sqlite3.Database;
  readonly file: string;

  private constructor(db: sqlite3.Database, file: string) {
    this.#db = db;
    this.file = file;
  }

  static async open(file: string, options: { busyTimeoutMs?: number } = {}): Promise<Sqlite> {
    const db = await new Promise<sqlite3.Database>((resolve, reject) => {
      const handle = new sqlite3.Database(file, (error) => {
        if (error) {
          reject(
            new Error(`cannot open SQLite database ${file}: ${error.message}; check DATA_DIR permissions`),
          );
        } else {
          resolve(handle);
        }
      });
    });
    const store = new Sqlite(db, file);
    await store.exec(
      `PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;
       PRAGMA busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)};`,
    );
    return store;
  }

  run(sql: string, params: SqlParams = []): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      this.#db.run(sql, params, function (this: sqlite3.RunResult, error: Error | null) {
        if (error) reject(withSql(error, sql));
        else resolve({ lastID: this.lastID, changes: this.changes });
      });
    });
  }

  get<T>(sql: string, params: SqlParams = []): Promise<T | undefined> {
    return new Promise((resolve, reject) => {
      this.#db.get(sql, params, (error: Error | null, row: T | undefined) => {
        if (error) reject(withSql(error, sql));
        else resolve(row);
      });
    });
  }

  all<T>(sql: string, params: SqlParams = []): Promise<T[]> {
    return new Promise((resolve, reject) => {
      this.#db.all(sql, params, (error: Error | null, rows: T[]) => {
        if (error) reject(withSql(error, sql));
        else resolve(rows);
      });
    });
  }

  exec(sql: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#db.exec(sql, (error: Error | null) => {
        if (error) reject(withSql(error, sql));
        else resolve();
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#db.close((error: Error | null) => (error ? reject(error) : resolve()));
    });
  }
}

function withSql(error: Error, sql: string): Error {
  const oneLine = sql.replace(/\s+/g, ' ').trim().slice(0, 120);
  return new Error(`SQLite: ${error.message} (in: ${oneLine})`, { cause: error });
}
