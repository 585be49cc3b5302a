import os from 'node:os';
import path from 'node:path';
import { Hono } from 'hono';
import type { Logger } from 'pino';
import { pushToKiosks } from '../../console/kiosk-push.js';
import type { Queryable } from '../../db/sqlite.js';
import type { Commands } from '../../fleet/commands.js';
import { type OperatorEnv, requireOperator } from '../middleware/operator-auth.js';
import { consoleCampaignRoutes } from './console-campaigns.js';
import type { ConsoleDeps } from './console-deps.js';
import { consoleMemberRoutes } from './console-members.js';
import { consoleProgrammeRoutes } from './console-programme.js';
import { consoleReportRoutes } from './console-reports.js';
import { consoleRewardRoutes } from './console-rewards.js';

export interface ConsoleRouteDeps {
  db: Queryable;
  logger: Logger;
  timeZone: string;
  now?: () => Date;
  /** Fleet commands, for pushing the catalog and settings to kiosks; absent: no push. */
  commands?: Commands;
  /** Where uploaded reward images are kept. */
  uploadDir?: string;
}

/** The club side of the operator console, under /api/console. */
export function consoleRoutes(d: ConsoleRouteDeps) {
  const deps: ConsoleDeps = {
    db: d.db,
    logger: d.logger.child({ component: 'console' }),
    timeZone: d.timeZone,
    now: d.now ?? (() => new Date()),
    roles: {
      viewer: requireOperator(d.db, 'viewer'),
      operator: requireOperator(d.db, 'operator'),
      admin: requireOperator(d.db, 'admin'),
    },
  };
  const app = new Hono<OperatorEnv>();
  const push = (by: string) => pushToKiosks(d.db, d.commands, by, deps.now(), deps.logger);
  app.route('/', consoleMemberRoutes(deps));
  app.route('/', consoleProgrammeRoutes({ ...deps, push }));
  app.route(
    '/',
    consoleRewardRoutes({
      ...deps,
      push,
      uploadDir: d.uploadDir ?? path.join(os.tmpdir(), 'bashgah-uploads'),
    }),
  );
  app.route('/', consoleCampaignRoutes(deps));
  app.route('/', consoleReportRoutes(deps));
  return app;
}

/** Paths whose routes set their own (larger) body limit: CSV import and image upload. */
export const LARGE_BODY_PATHS = /^\/api\/console\/(members-import|rewards\/[^/]+\/image)$/;
