import { type DeviceCatalog, DeviceSettings } from '@bashgah/protocol';
import type { Sqlite } from './sqlite.js';

/**
 * What operators set on this kiosk from head office: maintenance mode, pushed settings and the
 * rewards catalog, plus the ids of commands already handled. Kept in SQLite so a restart (the
 * `restart-agent` command itself, or a power cut) keeps the kiosk out of service if it was, and a
 * command redelivered after a restart is not carried out twice.
 */
export class DeviceStore {
  readonly #db: Sqlite;

  private constructor(db: Sqlite) {
    this.#db = db;
  }

  static async open(db: Sqlite): Promise<DeviceStore> {
    await db.exec(`
      CREATE TABLE IF NOT EXISTS device_kv (key TEXT PRIMARY KEY, value TEXT NOT NULL CHECK (json_valid(value)));
      CREATE TABLE IF NOT EXISTS handled_commands (id TEXT PRIMARY KEY, at INTEGER NOT NULL);`);
    return new DeviceStore(db);
  }

  async #get<T>(key: string): Promise<T | undefined> {
    const row = await this.#db.get<{ value: string }>('SELECT value FROM device_kv WHERE key = ?', [key]);
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  async #set(key: string, value: unknown): Promise<void> {
    await this.#db.run(
      'INSERT INTO device_kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      [key, JSON.stringify(value)],
    );
  }

  async maintenance(): Promise<boolean> {
    return (await this.#get<boolean>('maintenance')) ?? false;
  }

  setMaintenance(on: boolean): Promise<void> {
    return this.#set('maintenance', on);
  }

  async settings(): Promise<DeviceSettings> {
    const raw = await this.#get<unknown>('settings');
    const parsed = DeviceSettings.safeParse(raw ?? {});
    return parsed.success ? parsed.data : {};
  }

  /** Merges pushed settings over the stored ones (absent fields keep their value). */
  async mergeSettings(patch: DeviceSettings): Promise<DeviceSettings> {
    const next = { ...(await this.settings()), ...patch };
    await this.#set('settings', next);
    return next;
  }

  catalog(): Promise<DeviceCatalog | undefined> {
    return this.#get<DeviceCatalog>('catalog');
  }

  setCatalog(catalog: DeviceCatalog): Promise<void> {
    return this.#set('catalog', catalog);
  }

  /** Records a command id; false when it was already there (a redelivery). Keeps the last 1000. */
  async markHandled(id: string, at = Date.now()): Promise<boolean> {
    const r = await this.#db.run('INSERT OR IGNORE INTO handled_commands (id, at) VALUES (?, ?)', [id, at]);
    if (r.changes > 0) {
      await this.#db.run(
        'DELETE FROM handled_commands WHERE id NOT IN (SELECT id FROM handled_commands ORDER BY at DESC LIMIT 1000)',
      );
    }
    return r.changes > 0;
  }
}
