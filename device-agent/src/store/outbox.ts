import type { EventEnvelope } from '@bashgah/protocol';
import type { Sqlite } from './sqlite.js';

export interface OutboxRow {
  seq: number;
  id: string;
  type: string;
  envelope: EventEnvelope;
  createdAt: number;
  attempts: number;
  lastSentAt: number | null;
}

interface RawRow {
  seq: number;
  id: string;
  type: string;
  envelope: string;
  created_at: number;
  attempts: number;
  last_sent_at: number | null;
}

const toRow = (r: RawRow): OutboxRow => ({
  seq: r.seq,
  id: r.id,
  type: r.type,
  envelope: JSON.parse(r.envelope) as EventEnvelope,
  createdAt: r.created_at,
  attempts: r.attempts,
  lastSentAt: r.last_sent_at,
});

/**
 * Member actions waiting for the server's application-level ack. A row is written before the API
 * answers and leaves only when the server acks its id, so an action survives a broker outage,
 * a crash and a reboot. `seq` keeps send order equal to the order things happened.
 */
export class Outbox {
  readonly #db: Sqlite;
  readonly #now: () => number;

  private constructor(db: Sqlite, now: () => number) {
    this.#db = db;
    this.#now = now;
  }

  static async open(db: Sqlite, options: { now?: () => number } = {}): Promise<Outbox> {
    await db.exec(`
      CREATE TABLE IF NOT EXISTS outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        type TEXT NOT NULL,
        envelope TEXT NOT NULL CHECK (json_valid(envelope)),
        created_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_sent_at INTEGER
      );`);
    return new Outbox(db, options.now ?? Date.now);
  }

  /** Resolves once the row is committed (synchronous=FULL: on disk). */
  async add(envelope: EventEnvelope): Promise<void> {
    await this.#db.run('INSERT INTO outbox (id, type, envelope, created_at) VALUES (?, ?, ?, ?)', [
      envelope.id,
      envelope.type,
      JSON.stringify(envelope),
      this.#now(),
    ]);
  }

  /**
   * Rows in send order. With `sentBefore`, only rows never sent or last sent before that time:
   * the ones worth (re)sending now.
   */
  async pending(limit = 100, sentBefore?: number): Promise<OutboxRow[]> {
    const rows =
      sentBefore === undefined
        ? await this.#db.all<RawRow>('SELECT * FROM outbox ORDER BY seq LIMIT ?', [limit])
        : await this.#db.all<RawRow>(
            'SELECT * FROM outbox WHERE last_sent_at IS NULL OR last_sent_at < ? ORDER BY seq LIMIT ?',
            [sentBefore, limit],
          );
    return rows.map(toRow);
  }

  async markSent(id: string): Promise<void> {
    await this.#db.run('UPDATE outbox SET attempts = attempts + 1, last_sent_at = ? WHERE id = ?', [
      this.#now(),
      id,
    ]);
  }

  /** Deletes on ack; returns the removed envelope, or undefined for an id already gone (a repeat ack). */
  async remove(id: string): Promise<EventEnvelope | undefined> {
    const row = await this.#db.get<{ envelope: string }>('SELECT envelope FROM outbox WHERE id = ?', [id]);
    if (!row) return undefined;
    const { changes } = await this.#db.run('DELETE FROM outbox WHERE id = ?', [id]);
    return changes > 0 ? (JSON.parse(row.envelope) as EventEnvelope) : undefined;
  }

  async depth(): Promise<number> {
    const row = await this.#db.get<{ n: number }>('SELECT COUNT(*) AS n FROM outbox');
    return row?.n ?? 0;
  }

  /** Age of the oldest unacked action in seconds, or null when the outbox is empty. */
  async oldestAgeSec(): Promise<number | null> {
    const row = await this.#db.get<{ t: number | null }>('SELECT MIN(created_at) AS t FROM outbox');
    if (row?.t == null) return null;
    return Math.max(0, (this.#now() - row.t) / 1000);
  }
}
