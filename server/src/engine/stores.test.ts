import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memoryDb } from '../../test/engine-fixtures.js';
import type { SqliteDb } from '../db/sqlite.js';
import { createStore, rotateStoreKey, storeByKey } from './stores.js';

describe('POS stores', () => {
  let db: SqliteDb;
  beforeEach(async () => {
    db = await memoryDb();
  });
  afterEach(() => db.close());

  it('issues a key that finds the store, stores only its hash, and rotates it', async () => {
    const { apiKey } = await createStore(db, { id: 's1', name: 'Shop 1' });
    expect(apiKey).toMatch(/^bgk_[A-Za-z0-9_-]{43}$/);
    expect(await storeByKey(db, apiKey)).toEqual({ id: 's1', name: 'Shop 1' });
    expect(JSON.stringify(await db.all('SELECT * FROM stores'))).not.toContain(apiKey);
    const rotated = await rotateStoreKey(db, 's1');
    expect(await storeByKey(db, apiKey)).toBeUndefined();
    expect(await storeByKey(db, rotated.apiKey)).toMatchObject({ id: 's1' });
    await expect(rotateStoreKey(db, 'nope')).rejects.toThrow(/no store nope/);
  });
});
