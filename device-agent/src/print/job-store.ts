import type { PrintJobInfo } from '../hardware/printer/index.js';
import type { Sqlite } from '../store/sqlite.js';

/**
 * Print jobs that failed (paper out, printer unplugged), kept in the agent's SQLite so staff can
 * still reprint a member's voucher after the agent restarts. A job leaves once it prints.
 */
export class PrintJobStore {
  readonly #db: Sqlite;

  private constructor(db: Sqlite) {
    this.#db = db;
  }

  static async open(db: Sqlite): Promise<PrintJobStore> {
    await db.exec(`
      CREATE TABLE IF NOT EXISTS print_jobs (
        id TEXT PRIMARY KEY,
        job TEXT NOT NULL CHECK (json_valid(job)),
        created_at TEXT NOT NULL
      );`);
    return new PrintJobStore(db);
  }

  async save(job: PrintJobInfo): Promise<void> {
    await this.#db.run(
      `INSERT INTO print_jobs (id, job, created_at) VALUES (?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET job = excluded.job`,
      [job.id, JSON.stringify(job), job.createdAt],
    );
  }

  async remove(id: string): Promise<void> {
    await this.#db.run('DELETE FROM print_jobs WHERE id = ?', [id]);
  }

  /** Oldest first; a row that no longer parses is dropped rather than crashing the start. */
  async failed(): Promise<PrintJobInfo[]> {
    const rows = await this.#db.all<{ id: string; job: string }>(
      'SELECT id, job FROM print_jobs ORDER BY created_at, id',
    );
    const jobs: PrintJobInfo[] = [];
    for (const row of rows) {
      try {
        const job = JSON.parse(row.job) as PrintJobInfo;
        if (job && typeof job.id === 'string' && job.receipt && Array.isArray(job.receipt.blocks))
          jobs.push(job);
        else await this.remove(row.id);
      } catch {
        await this.remove(row.id);
      }
    }
    return jobs;
  }
}
