import { MemberView } from '@bashgah/protocol';
import type { Sqlite } from './sqlite.js';

/**
 * The last member view the server sent for each card, so a tap shows something at once and the
 * kiosk still works while the server is unreachable.
 */
export class MemberCache {
  readonly #db: Sqlite;

  private constructor(db: Sqlite) {
    this.#db = db;
  }

  static async open(db: Sqlite): Promise<MemberCache> {
    await db.exec(`
      CREATE TABLE IF NOT EXISTS member_cache (
        card_uid TEXT PRIMARY KEY,
        member TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      );`);
    return new MemberCache(db);
  }

  async put(member: MemberView): Promise<void> {
    await this.#db.run(
      `INSERT INTO member_cache (card_uid, member, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (card_uid) DO UPDATE SET member = excluded.member, updated_at = excluded.updated_at`,
      [member.cardUid, JSON.stringify(member), Date.now()],
    );
  }

  /**
   * A row written by an older agent may not match today's MemberView; it is dropped rather than
   * shown, and the server lookup refills it.
   */
  async get(cardUid: string): Promise<MemberView | undefined> {
    const row = await this.#db.get<{ member: string }>('SELECT member FROM member_cache WHERE card_uid = ?', [
      cardUid,
    ]);
    if (!row) return undefined;
    let json: unknown;
    try {
      json = JSON.parse(row.member);
    } catch {
      json = undefined;
    }
    const parsed = MemberView.safeParse(json);
    if (parsed.success) return parsed.data;
    await this.delete(cardUid);
    return undefined;
  }

  async delete(cardUid: string): Promise<void> {
    await this.#db.run('DELETE FROM member_cache WHERE card_uid = ?', [cardUid]);
  }
}
