import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  CheckinRequest,
  type CheckinResponse,
  ClaimRequest,
  type ClaimResponse,
  type KioskState,
  type QueuedResponse,
  SignupOtpRequest,
  type SignupOtpResponse,
  SignupRequest,
  type SignupResponse,
  SimTapRequest,
  StaffCardRequest,
  StaffPinRequest,
  type StaffPrintResponse,
  StaffPurchaseRequest,
  type StaffState,
  SurveyRequest,
} from '@bashgah/protocol';
import { serveStatic } from '@hono/node-server/serve-static';
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { AgentBus } from '../agent-events.js';
import { HttpError } from './errors.js';
import { streamKioskEvents } from './sse.js';

export const BODY_LIMIT_BYTES = 16 * 1024;

export interface AppDeps {
  bus: AgentBus;
  state: () => Promise<KioskState>;
  checkin: (memberId: string) => Promise<CheckinResponse>;
  claim?: (req: ClaimRequest) => Promise<ClaimResponse>;
  signupOtp?: (phone: string) => Promise<SignupOtpResponse>;
  signup?: (req: SignupRequest, signal: AbortSignal) => Promise<SignupResponse>;
  /** The member's answer to the survey their view offers. */
  survey?: (req: SurveyRequest) => Promise<QueuedResponse>;
  /** Staff mode; absent when no staff cards are configured. */
  staff?: StaffApi;
  /** The kiosk closed the member's session (Done, inactivity). */
  endSession?: () => void;
  /** Present only in simulator mode; without it `/sim/tap` does not exist. */
  simTap?: (uid: string) => void;
  kioskUiDir: string;
  logger: Logger;
  heartbeatMs?: number;
  shutdown?: AbortSignal;
}

/** What the staff panel can ask of the agent; every call is checked against the staff mode's state. */
export interface StaffApi {
  pin(pin: string): Promise<StaffState>;
  touch(): StaffState;
  close(): void;
  purchase(memberId: string, amountToman: number): Promise<QueuedResponse>;
  card(memberId: string, replace: boolean): StaffState;
  cancelCard(): StaffState;
  reprintVoucher(): Promise<StaffPrintResponse>;
  testPage(): Promise<StaffPrintResponse>;
}

async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw new HttpError(400, 'bad-json', 'request body must be JSON with Content-Type: application/json');
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
    throw new HttpError(400, 'bad-request', `${where}${issue?.message ?? 'invalid request body'}`);
  }
  return parsed.data;
}

/** The agent's local API and the kiosk UI's web server, for Chromium on the same machine. */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  const log = deps.logger.child({ module: 'api' });
  const shutdown = deps.shutdown ?? new AbortController().signal;

  app.onError((error, c) => {
    if (error instanceof HttpError) return c.json(error.body(), error.status);
    log.error({ err: error, method: c.req.method, path: c.req.path }, 'unhandled API error');
    return c.json(
      { error: { code: 'internal', message: 'the agent hit an unexpected error; see its log' } },
      500,
    );
  });

  const limit = bodyLimit({
    maxSize: BODY_LIMIT_BYTES,
    onError: () => {
      throw new HttpError(413, 'too-large', `request body exceeds ${BODY_LIMIT_BYTES} bytes`);
    },
  });
  app.use('/api/*', limit);
  app.use('/sim/*', limit);

  app.get('/api/state', async (c) => c.json(await deps.state()));

  app.get('/api/events', (c) =>
    streamKioskEvents(c, {
      bus: deps.bus,
      state: deps.state,
      logger: log,
      heartbeatMs: deps.heartbeatMs ?? 15_000,
      shutdown,
    }),
  );

  app.post('/api/checkin', async (c) => {
    const { memberId } = await readJson(c, CheckinRequest);
    return c.json(await deps.checkin(memberId), 202);
  });

  const need = <T>(handler: T | undefined): T => {
    if (!handler) throw new HttpError(404, 'not-found', 'this agent does not offer that action');
    return handler;
  };

  app.post('/api/claim', async (c) => {
    const claim = need(deps.claim);
    return c.json(await claim(await readJson(c, ClaimRequest)), 202);
  });

  app.post('/api/signup/otp', async (c) => {
    const otp = need(deps.signupOtp);
    const { phone } = await readJson(c, SignupOtpRequest);
    return c.json(await otp(phone), 202);
  });

  app.post('/api/signup', async (c) => {
    const signup = need(deps.signup);
    const body = await readJson(c, SignupRequest);
    return c.json(await signup(body, c.req.raw.signal), 201);
  });

  app.post('/api/survey', async (c) => {
    const survey = need(deps.survey);
    return c.json(await survey(await readJson(c, SurveyRequest)), 202);
  });

  const staff = () => {
    if (!deps.staff) {
      throw new HttpError(
        404,
        'staff-off',
        'staff mode is off on this kiosk: set STAFF_CARDS in the agent environment',
      );
    }
    return deps.staff;
  };
  app.post('/api/staff/pin', async (c) => {
    const { pin } = await readJson(c, StaffPinRequest);
    return c.json(await staff().pin(pin));
  });
  app.post('/api/staff/touch', (c) => c.json(staff().touch()));
  app.post('/api/staff/close', (c) => {
    staff().close();
    return c.body(null, 204);
  });
  app.post('/api/staff/purchase', async (c) => {
    const { memberId, amountToman } = await readJson(c, StaffPurchaseRequest);
    return c.json(await staff().purchase(memberId, amountToman), 202);
  });
  app.post('/api/staff/card', async (c) => {
    const { memberId, replace } = await readJson(c, StaffCardRequest);
    return c.json(staff().card(memberId, replace));
  });
  app.post('/api/staff/card/cancel', (c) => c.json(staff().cancelCard()));
  app.post('/api/staff/reprint', async (c) => c.json(await staff().reprintVoucher()));
  app.post('/api/staff/test-page', async (c) => c.json(await staff().testPage()));

  app.post('/api/session/end', (c) => {
    need(deps.endSession)();
    return c.body(null, 204);
  });

  app.post('/sim/tap', async (c) => {
    if (!deps.simTap) {
      throw new HttpError(404, 'not-found', 'the simulator is off; start the agent with SIMULATOR=true');
    }
    const { uid } = await readJson(c, SimTapRequest);
    deps.simTap(uid);
    return c.body(null, 202);
  });

  app.all('/api/*', () => {
    throw new HttpError(404, 'not-found', 'no such API endpoint');
  });

  app.use('*', kioskUi(deps.kioskUiDir));
  return app;
}

/**
 * Serves the built kiosk UI. The folder is checked per request so building the UI while the agent
 * runs needs no restart. Paths without a file extension fall back to index.html for client routes.
 */
function kioskUi(dir: string): MiddlewareHandler {
  let assets: MiddlewareHandler | undefined;
  let index: MiddlewareHandler | undefined;
  return async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') return next();
    if (!existsSync(join(dir, 'index.html'))) {
      if (c.req.path === '/' || !/\.[a-z0-9]+$/i.test(c.req.path)) {
        throw new HttpError(503, 'ui-not-built', `kiosk UI not built: run npm run build (looked in ${dir})`);
      }
      return next();
    }
    assets ??= serveStatic({ root: dir });
    index ??= serveStatic({ root: dir, path: 'index.html' });
    let missed = false;
    const found = await assets(c, async () => {
      missed = true;
    });
    if (!missed) return found;
    if (/\.[a-z0-9]+$/i.test(c.req.path)) return next();
    return index(c, next);
  };
}
