import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from '../db/sqlite.js';

export interface Store {
  id: string;
  name: string;
}

const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');

/**
 * Registers a POS store and returns its API key. The key is shown this once: only its SHA-256 is
 * stored, so a copied database cannot be used to call the API. 32 random bytes need no slow hash.
 */
export async function createStore(
  db: Queryable,
  store: Store,
  now: Date = new Date(),
): Promise<{ apiKey: string }> {
  const apiKey = `bgk_${randomBytes(32).toString('base64url')}`;
  await db.run('INSERT INTO stores (id, name, api_key_hash, created_at) VALUES (?, ?, ?, ?)', [
    store.id,
    store.name,
    hashKey(apiKey),
    now.toISOString(),
  ]);
  return { apiKey };
}

/** Replaces a store's key (the old one stops working at once) and returns the new one. */
export async function rotateStoreKey(db: Queryable, storeId: string): Promise<{ apiKey: string }> {
  const apiKey = `bgk_${randomBytes(32).toString('base64url')}`;
  const r = await db.run('UPDATE stores SET api_key_hash = ? WHERE id = ?', [hashKey(apiKey), storeId]);
  if (r.changes !== 1) throw new Error(`no store ${storeId} to rotate the key of`);
  return { apiKey };
}

export function storeByKey(db: Queryable, apiKey: string): Promise<Store | undefined> {
  return db.get<Store>('SELECT id, name FROM stores WHERE api_key_hash = ?', [hashKey(apiKey)]);
}
