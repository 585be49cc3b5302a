import { Hono } from 'hono';
import { createOperator, openSession, type Role } from '../src/auth/operators.js';
import type { SqliteDb } from '../src/db/sqlite.js';
import { errorHandler } from '../src/http/errors.js';
import { type ConsoleRouteDeps, consoleRoutes } from '../src/http/routes/console.js';
import { silentLogger, tempDb } from './helpers.js';

export type ConsoleCall = (
  method: string,
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
) => Promise<{ status: number; json: Json; text: string }>;

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers.
type Json = any;

/**
 * The console API over a fresh database, called in-process, with one bearer-token client per role
 * (admin `ada`, operator `otto`, viewer `vic`).
 */
export async function consoleHarness(extra: Partial<ConsoleRouteDeps> = {}) {
  const t = await tempDb();
  const db: SqliteDb = t.db;
  const app = new Hono();
  app.onError(errorHandler(silentLogger));
  app.route('/api/console', consoleRoutes({ db, logger: silentLogger, timeZone: 'Asia/Tehran', ...extra }));
  const tokens: Record<Role, string> = { admin: '', operator: '', viewer: '' };
  for (const [role, name] of [
    ['admin', 'ada'],
    ['operator', 'otto'],
    ['viewer', 'vic'],
  ] as const) {
    const op = await createOperator(db, { username: name, password: `${name}-password-1`, role });
    tokens[role] = (await openSession(db, op)).token;
  }
  const as =
    (role: Role): ConsoleCall =>
    async (method, path, body, headers = {}) => {
      const isText = typeof body === 'string';
      const res = await app.request(`/api/console${path}`, {
        method,
        headers: {
          authorization: `Bearer ${tokens[role]}`,
          ...(body === undefined ? {} : { 'content-type': isText ? 'text/csv' : 'application/json' }),
          ...headers,
        },
        ...(body === undefined ? {} : { body: isText ? body : JSON.stringify(body) }),
      });
      const text = await res.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: res.status, json, text };
    };
  return {
    db,
    dir: t.dir,
    app,
    admin: as('admin'),
    operator: as('operator'),
    viewer: as('viewer'),
    cleanup: t.cleanup,
  };
}
