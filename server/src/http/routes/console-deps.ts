import type { MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import type { Queryable } from '../../db/sqlite.js';
import type { OperatorEnv } from '../middleware/operator-auth.js';

/** What every console route module gets: the database, a clock, a logger and the role guards. */
export interface ConsoleDeps {
  db: Queryable;
  now: () => Date;
  logger: Logger;
  timeZone: string;
  roles: {
    viewer: MiddlewareHandler<OperatorEnv>;
    operator: MiddlewareHandler<OperatorEnv>;
    admin: MiddlewareHandler<OperatorEnv>;
  };
}
