import { CardUid, MAX_PAYLOAD_BYTES, MemberId } from '@bashgah/protocol';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from 'pino';
import { listDevices } from '../db/repos/devices.js';
import type { Queryable } from '../db/sqlite.js';
import type { CheckinPolicy } from '../engine/checkin.js';
import { memberViewByCard, memberViewById } from '../engine/member-view.js';
import { LogSmsSender, type SmsSender } from '../messaging/sms.js';
import { consoleStatic } from './console-static.js';
import { apiError, errorHandler, HttpError } from './errors.js';
import type { IpRateLimitOptions } from './middleware/rate-limit.js';
import { clubRoutes } from './routes/club.js';
import { consoleRoutes, LARGE_BODY_PATHS } from './routes/console.js';
import { type FleetRouteDeps, fleetRoutes } from './routes/fleet.js';
import { posRoutes } from './routes/pos.js';
import { posClubExtraRoutes } from './routes/pos-club-extras.js';
import { rewardRoutes } from './routes/rewards.js';
import { signupRoutes } from './routes/signup.js';

export interface AppDeps {
  db: Queryable;
  policy: CheckinPolicy;
  logger: Logger;
  /** Whether the server's MQTT client is connected right now. */
  mqttConnected: () => boolean;
  now?: () => Date;
  /** Operator login, fleet API and console; absent in tests that need only the club API. */
  fleet?: FleetRouteDeps;
  /** Where the built operator console is (default server/console/dist). */
  consoleDir?: string;
  /** Where uploaded reward images are kept (default: next to the database, set by the server). */
  uploadDir?: string;
  /** Where signup codes are sent; the log by default. */
  sms?: SmsSender;
  /** Per-IP limit on the open signup routes (default DEFAULT_SIGNUP_RATE_LIMIT). */
  signupRateLimit?: Omit<IpRateLimitOptions, 'now'>;
}

/** Same ceiling as an MQTT payload: no request this API takes is anywhere near it. */
export const MAX_BODY_BYTES = MAX_PAYLOAD_BYTES;

export function createApp(deps: AppDeps) {
  const now = deps.now ?? (() => new Date());
  const app = new Hono();

  app.onError(errorHandler(deps.logger.child({ component: 'http' })));
  app.notFound((c) => c.json(apiError('not-found', `no route for ${c.req.method} ${c.req.path}`), 404));
  const limit = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: (c) =>
      c.json(apiError('payload-too-large', `request body exceeds the ${MAX_BODY_BYTES}-byte limit`), 413),
  });
  // CSV imports and images are bigger than any API body; their routes apply their own limit.
  app.use('*', (c, next) => (LARGE_BODY_PATHS.test(c.req.path) ? next() : limit(c, next)));

  app.get('/healthz', async (c) => {
    const db = await deps.db
      .get('SELECT 1 AS ok')
      .then(() => true)
      .catch(() => false);
    const mqtt = deps.mqttConnected();
    const ok = db && mqtt;
    return c.json({ ok, db, mqtt }, ok ? 200 : 503);
  });

  /** `?card=UID` looks a member up by card, as a kiosk tap would; `?device=` scopes the check-in. */
  app.get('/api/members', async (c) => {
    const card = CardUid.safeParse(c.req.query('card') ?? '');
    if (!card.success) {
      throw new HttpError(
        400,
        'bad-request',
        `query parameter card must be a card UID: ${card.error.issues[0]?.message}`,
      );
    }
    const member = await memberViewByCard(deps.db, card.data, viewContext(c.req.query('device')));
    if (!member) throw new HttpError(404, 'member-not-found', `no active card ${card.data}`);
    return c.json(member);
  });

  app.get('/api/members/:id', async (c) => {
    const id = MemberId.safeParse(c.req.param('id'));
    if (!id.success) throw new HttpError(400, 'bad-request', 'member id must be 1-64 characters');
    const member = await memberViewById(deps.db, id.data, viewContext(c.req.query('device')));
    if (!member) throw new HttpError(404, 'member-not-found', `no member ${id.data} with an active card`);
    return c.json(member);
  });

  app.route('/api/pos/v1', posRoutes({ db: deps.db, timeZone: deps.policy.timeZone, now }));
  app.route('/api/pos/v1', posClubExtraRoutes({ db: deps.db, now }));
  app.route('/', rewardRoutes({ db: deps.db, now, timeZone: deps.policy.timeZone }));
  app.route('/', clubRoutes({ db: deps.db, now }));
  app.route(
    '/',
    signupRoutes({
      db: deps.db,
      sms: deps.sms ?? new LogSmsSender(deps.logger),
      now,
      rateLimit: deps.signupRateLimit,
    }),
  );

  app.get('/api/devices', async (c) => {
    const rows = await listDevices(deps.db);
    return c.json({
      devices: rows.map((d) => ({
        id: d.id,
        name: d.name,
        status: d.status,
        lastSeen: d.last_seen,
        agentVersion: d.agent_version,
      })),
    });
  });

  if (deps.fleet) {
    app.route('/api', fleetRoutes(deps.fleet));
    app.route(
      '/api/console',
      consoleRoutes({
        db: deps.db,
        logger: deps.logger,
        timeZone: deps.policy.timeZone,
        now,
        commands: deps.fleet.commands,
        ...(deps.uploadDir ? { uploadDir: deps.uploadDir } : {}),
      }),
    );
    app.use('*', consoleStatic(deps.consoleDir));
  }

  return app;

  function viewContext(device: string | undefined) {
    return { policy: deps.policy, deviceId: device || undefined, now: now() };
  }
}
