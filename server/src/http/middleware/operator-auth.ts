import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { findSession, type Role, roleAtLeast, type Session } from '../../auth/operators.js';
import type { Queryable } from '../../db/sqlite.js';
import { HttpError } from '../errors.js';

export const SESSION_COOKIE = 'bashgah_session';
export const CSRF_HEADER = 'x-csrf-token';

export type OperatorEnv = { Variables: { session: Session; viaCookie: boolean } };

function tokenOf(c: Context): { token: string; viaCookie: boolean } | undefined {
  const auth = c.req.header('authorization');
  if (auth?.startsWith('Bearer ')) return { token: auth.slice(7).trim(), viaCookie: false };
  const cookie = getCookie(c, SESSION_COOKIE);
  return cookie ? { token: cookie, viaCookie: true } : undefined;
}

/**
 * Operator authentication: a session cookie (the console) or `Authorization: Bearer` (scripts).
 * A cookie rides along on any request the browser makes, so state-changing requests that
 * authenticate by cookie must also carry the session's CSRF token in `X-CSRF-Token`; a bearer
 * token is never sent implicitly and needs none.
 */
export function requireOperator(db: Queryable, need: Role): MiddlewareHandler<OperatorEnv> {
  return async (c, next) => {
    const t = tokenOf(c);
    const session = t && (await findSession(db, t.token));
    if (!t || !session) throw new HttpError(401, 'unauthenticated', 'log in first (POST /api/auth/login)');
    if (t.viaCookie && !['GET', 'HEAD', 'OPTIONS'].includes(c.req.method)) {
      if (c.req.header(CSRF_HEADER) !== session.csrfToken) {
        throw new HttpError(403, 'csrf', `missing or wrong ${CSRF_HEADER} header`);
      }
    }
    if (!roleAtLeast(session.operator.role, need)) {
      throw new HttpError(403, 'forbidden', `this needs the ${need} role; you are ${session.operator.role}`);
    }
    c.set('session', session);
    c.set('viaCookie', t.viaCookie);
    await next();
  };
}

export { tokenOf as sessionTokenOf };
