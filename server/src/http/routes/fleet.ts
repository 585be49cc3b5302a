import { EnrolRequest } from '@bashgah/protocol';
import { Hono } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import { checkLogin, closeSession, openSession } from '../../auth/operators.js';
import type { Queryable } from '../../db/sqlite.js';
import type { Alerts } from '../../fleet/alerts.js';
import type { Commands } from '../../fleet/commands.js';
import { telemetryHistory } from '../../fleet/devices.js';
import { recentDeviceEvents } from '../../fleet/events.js';
import type { FleetHub } from '../../fleet/hub.js';
import type { Registry } from '../../fleet/registry.js';
import { allDevices, getDevice, toFleetDevice } from '../../fleet/store.js';
import { HttpError } from '../errors.js';
import {
  type OperatorEnv,
  requireOperator,
  SESSION_COOKIE,
  sessionTokenOf,
} from '../middleware/operator-auth.js';
import { parseInput, parseJsonBody } from '../validation.js';

export interface FleetRouteDeps {
  db: Queryable;
  hub: FleetHub;
  registry: Registry;
  commands: Commands;
  alerts: Alerts;
  cookieSecure: boolean;
  /** SSE heartbeat interval (ms). */
  heartbeatMs?: number;
}

const LoginBody = z
  .object({
    username: z.string().min(1).max(64),
    password: z.string().min(1).max(200),
    /** `bearer`: answer with a token instead of setting a cookie (scripts, CLI). */
    mode: z.enum(['cookie', 'bearer']).default('cookie'),
  })
  .strict();

const NewDeviceBody = z
  .object({
    id: z.string().min(2).max(63),
    name: z.string().min(1).max(80).optional(),
    store: z.string().min(1).max(80).optional(),
  })
  .strict();

const CommandBody = z
  .object({
    command: z.string().min(1).max(40),
    params: z.record(z.string(), z.unknown()).optional(),
    ttlSec: z.number().int().min(5).max(86_400).optional(),
  })
  .strict();

/** Failed logins per username in the current window: slows down password guessing. */
const MAX_FAILURES = 10;
const FAILURE_WINDOW_MS = 5 * 60_000;

/** Operator login and the fleet API under /api: devices, enrolment, commands, alerts, live events. */
export function fleetRoutes(deps: FleetRouteDeps) {
  const app = new Hono<OperatorEnv>();
  const failures = new Map<string, { n: number; since: number }>();
  const viewer = requireOperator(deps.db, 'viewer');
  const operator = requireOperator(deps.db, 'operator');
  const admin = requireOperator(deps.db, 'admin');

  app.post('/auth/login', async (c) => {
    const body = await parseJsonBody(c, LoginBody);
    const f = failures.get(body.username);
    if (f && Date.now() - f.since < FAILURE_WINDOW_MS && f.n >= MAX_FAILURES) {
      throw new HttpError(429, 'too-many-attempts', 'too many failed logins; wait a few minutes');
    }
    const op = await checkLogin(deps.db, body.username, body.password);
    if (!op) {
      const cur = f && Date.now() - f.since < FAILURE_WINDOW_MS ? f : { n: 0, since: Date.now() };
      failures.set(body.username, { n: cur.n + 1, since: cur.since });
      throw new HttpError(401, 'bad-credentials', 'wrong username or password');
    }
    failures.delete(body.username);
    const s = await openSession(deps.db, op);
    if (body.mode === 'cookie') {
      setCookie(c, SESSION_COOKIE, s.token, {
        httpOnly: true,
        sameSite: 'Strict',
        secure: deps.cookieSecure,
        path: '/',
        expires: new Date(s.expiresAt),
      });
      return c.json({ operator: op, csrfToken: s.csrfToken, expiresAt: s.expiresAt });
    }
    return c.json({ operator: op, token: s.token, expiresAt: s.expiresAt });
  });

  app.post('/auth/logout', viewer, async (c) => {
    const t = sessionTokenOf(c);
    if (t) await closeSession(deps.db, t.token);
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.body(null, 204);
  });

  app.get('/auth/me', viewer, (c) => {
    const s = c.get('session');
    return c.json({ operator: s.operator, csrfToken: s.csrfToken, expiresAt: s.expiresAt });
  });

  // --- enrolment: the kiosk's side, authenticated by the one-time code itself ---
  app.post('/enrol', async (c) => {
    const body = await parseJsonBody(c, EnrolRequest);
    return c.json(await deps.registry.enrol(body.code, { agentVersion: body.agentVersion }));
  });

  // --- devices ---
  app.get('/fleet/devices', viewer, async (c) => {
    return c.json({ devices: (await allDevices(deps.db)).map(toFleetDevice) });
  });

  app.post('/fleet/devices', admin, async (c) => {
    const body = await parseJsonBody(c, NewDeviceBody);
    const r = await deps.registry.create(body, c.get('session').operator.username);
    return c.json(r, 201);
  });

  app.get('/fleet/devices/:id', viewer, async (c) => {
    const row = await getDevice(deps.db, c.req.param('id'));
    if (!row) throw new HttpError(404, 'device-not-found', `no device ${c.req.param('id')}`);
    const hours = parseInput(z.coerce.number().min(0.1).max(168).default(24), c.req.query('hours'), 'hours');
    const since = new Date(Date.now() - hours * 3600_000).toISOString();
    return c.json({
      device: toFleetDevice(row),
      commands: await deps.commands.list(row.id, 50),
      alerts: await deps.alerts.list({ state: 'all', deviceId: row.id, limit: 50 }),
      telemetry: await telemetryHistory(deps.db, row.id, since),
      events: await recentDeviceEvents(deps.db, row.id, 50),
    });
  });

  app.get('/fleet/devices/:id/events', viewer, async (c) => {
    const limit = parseInput(
      z.coerce.number().int().min(1).max(500).default(50),
      c.req.query('limit'),
      'limit',
    );
    return c.json({ events: await recentDeviceEvents(deps.db, c.req.param('id'), limit) });
  });

  app.post('/fleet/devices/:id/enrolment-code', admin, async (c) => {
    return c.json(
      await deps.registry.reissueCode(c.req.param('id'), c.get('session').operator.username),
      201,
    );
  });

  app.post('/fleet/devices/:id/revoke', admin, async (c) => {
    return c.json({
      device: await deps.registry.revoke(c.req.param('id'), c.get('session').operator.username),
    });
  });

  // --- commands ---
  app.post('/fleet/devices/:id/commands', operator, async (c) => {
    const body = await parseJsonBody(c, CommandBody);
    const sent = await deps.commands.send(c.req.param('id'), body, c.get('session').operator.username);
    const waitMs = parseInput(
      z.coerce.number().int().min(0).max(30_000).default(0),
      c.req.query('wait'),
      'wait',
    );
    const view = (await deps.commands.wait(sent.id, waitMs)) ?? sent;
    return c.json(view, view.status === 'pending' ? 202 : 200);
  });

  app.get('/fleet/devices/:id/commands', viewer, async (c) => {
    return c.json({ commands: await deps.commands.list(c.req.param('id'), 100) });
  });

  // --- alerts ---
  app.get('/fleet/alerts', viewer, async (c) => {
    const state = c.req.query('state') === 'all' ? 'all' : 'open';
    return c.json({
      alerts: await deps.alerts.list({ state, deviceId: c.req.query('device') || undefined }),
    });
  });

  // --- live updates for the console ---
  app.get('/fleet/events', viewer, (c) =>
    streamSSE(c, async (stream) => {
      let wake = () => {};
      const ended = new Promise<void>((r) => {
        wake = r;
      });
      const send = (event: string, data: unknown) =>
        void stream.writeSSE({ event, data: JSON.stringify(data) }).catch(() => wake());
      const onDevice = (d: unknown) => send('device', d);
      const onAlert = (a: unknown) => send('alert', a);
      const onCommand = (x: unknown) => send('command', x);
      deps.hub.on('device', onDevice);
      deps.hub.on('alert', onAlert);
      deps.hub.on('command', onCommand);
      stream.onAbort(() => wake());
      try {
        send('snapshot', {
          devices: (await allDevices(deps.db)).map(toFleetDevice),
          alerts: await deps.alerts.list({ state: 'open' }),
        });
        for (;;) {
          let timer: NodeJS.Timeout | undefined;
          const r = await Promise.race([
            ended.then(() => 'end' as const),
            new Promise<'beat'>((res) => (timer = setTimeout(() => res('beat'), deps.heartbeatMs ?? 15_000))),
          ]);
          clearTimeout(timer);
          if (r === 'end' || stream.aborted || stream.closed) break;
          await stream.write(': heartbeat\n\n').catch(() => wake());
        }
      } finally {
        deps.hub.off('device', onDevice);
        deps.hub.off('alert', onAlert);
        deps.hub.off('command', onCommand);
      }
    }),
  );

  return app;
}
