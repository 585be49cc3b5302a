import type { MiddlewareHandler } from 'hono';
import type { Queryable } from '../../db/sqlite.js';
import { type Store, storeByKey } from '../../engine/stores.js';
import { HttpError } from '../errors.js';

export type StoreEnv = { Variables: { store: Store } };

/**
 * Every POS call names its store by API key (`Authorization: Bearer <key>` or `X-Api-Key`). The
 * store comes from the key, never from the body, so one store cannot record sales for another.
 */
export function requireStoreKey(db: Queryable): MiddlewareHandler<StoreEnv> {
  return async (c, next) => {
    const auth = c.req.header('authorization');
    const key = auth?.match(/^Bearer\s+(\S+)$/i)?.[1] ?? c.req.header('x-api-key');
    if (!key) {
      throw new HttpError(401, 'missing-api-key', 'send the store API key as Authorization: Bearer <key>');
    }
    const store = await storeByKey(db, key);
    if (!store) {
      throw new HttpError(
        401,
        'invalid-api-key',
        'the API key is not valid (revoked or mistyped); ask head office for the store key',
      );
    }
    c.set('store', store);
    await next();
  };
}
