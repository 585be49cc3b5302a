import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import type { Queryable } from '../db/sqlite.js';

/**
 * Outbound webhooks for club events (fraud alerts today). Durable: an event is queued as one
 * `webhook_deliveries` row per configured endpoint in the same transaction that raised it, and a
 * dispatcher sends due rows, so nothing is lost to a crash or restart between the two. Delivery
 * is at least once: a receiver deduplicates by `X-Bashgah-Delivery`.
 *
 * Signing is the fleet alert webhook's scheme (fleet/alerts.ts), so one receiver checks both:
 *   X-Bashgah-Timestamp: <unix seconds>
 *   X-Bashgah-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>
 *   X-Bashgah-Event:     <event type, e.g. fraud.alert>
 *   X-Bashgah-Delivery:  <event id, the same on every retry>
 */

export interface WebhookEndpoint {
  url: string;
  secret: string;
}

export interface WebhookEvent {
  /** Stable per event: retries and every endpoint see the same id. Default: a random UUID. */
  id?: string;
  type: string;
  data: Record<string, unknown>;
}

export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** For receivers (and tests): checks the signature and that the timestamp is within `toleranceSec`. */
export function verifyWebhook(
  secret: string,
  headers: { timestamp: string | null | undefined; signature: string | null | undefined },
  body: string,
  nowMs: number = Date.now(),
  toleranceSec = 300,
): boolean {
  const { timestamp, signature } = headers;
  if (!timestamp || !signature || !/^\d{1,12}$/.test(timestamp)) return false;
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > toleranceSec) return false;
  const expected = Buffer.from(signWebhook(secret, timestamp, body));
  const got = Buffer.from(signature);
  return got.length === expected.length && timingSafeEqual(got, expected);
}

/**
 * Makes the database's endpoint list match the configuration (at start): endpoints no longer
 * configured stop receiving new events. Secrets stay in the configuration, never in the database.
 */
export async function syncWebhookEndpoints(
  db: Queryable,
  endpoints: readonly WebhookEndpoint[],
  now: Date,
): Promise<void> {
  await db.transaction(async () => {
    await db.run('UPDATE webhook_endpoints SET enabled = 0, updated_at = ? WHERE enabled = 1', [
      now.toISOString(),
    ]);
    for (const e of endpoints) {
      await db.run(
        `INSERT INTO webhook_endpoints (url, enabled, updated_at) VALUES (?, 1, ?)
         ON CONFLICT (url) DO UPDATE SET enabled = 1, updated_at = excluded.updated_at`,
        [e.url, now.toISOString()],
      );
    }
  });
}

/**
 * Queues an event for every enabled endpoint: one statement, inside the caller's transaction, so
 * the event is queued exactly when what raised it is committed. A no-op without endpoints.
 */
export async function enqueueWebhook(db: Queryable, event: WebhookEvent, now: Date): Promise<void> {
  const id = event.id ?? randomUUID();
  const at = now.toISOString();
  const body = JSON.stringify({ id, type: event.type, at, data: event.data });
  await db.run(
    `INSERT INTO webhook_deliveries (event_id, endpoint, type, body, next_attempt_at, created_at)
     SELECT ?, url, ?, ?, ?, ? FROM webhook_endpoints WHERE enabled = 1
     ON CONFLICT (event_id, endpoint) DO NOTHING`,
    [id, event.type, body, at, at],
  );
}

export interface WebhookDispatcherOptions {
  db: Queryable;
  endpoints: readonly WebhookEndpoint[];
  logger: Logger;
  /** Attempts before a delivery is marked failed. */
  maxAttempts?: number;
  /** Wait after the first failure; doubles each time up to maxDelayMs. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** How often due deliveries are looked for. */
  pollMs?: number;
  timeoutMs?: number;
  now?: () => Date;
  fetch?: typeof fetch;
}

interface DeliveryRow {
  id: number;
  event_id: string;
  endpoint: string;
  type: string;
  body: string;
  attempts: number;
}

export interface WebhookDispatcher {
  /** Sends every delivery due now, one at a time; resolves with what happened. */
  runOnce(): Promise<{ delivered: number; retried: number; failed: number }>;
  start(): void;
  stop(): Promise<void>;
}

export function createWebhookDispatcher(o: WebhookDispatcherOptions): WebhookDispatcher {
  const maxAttempts = o.maxAttempts ?? 8;
  const baseDelayMs = o.baseDelayMs ?? 5_000;
  const maxDelayMs = o.maxDelayMs ?? 3_600_000;
  const now = o.now ?? (() => new Date());
  const doFetch = o.fetch ?? fetch;
  const secrets = new Map(o.endpoints.map((e) => [e.url, e.secret]));
  const log = o.logger.child({ component: 'webhooks' });
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;

  /** One POST; resolves with an error text, or undefined when the receiver took it. */
  async function send(d: DeliveryRow, secret: string): Promise<{ error?: string; permanent?: boolean }> {
    const ts = String(Math.floor(now().getTime() / 1000));
    try {
      const res = await doFetch(d.endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-bashgah-timestamp': ts,
          'x-bashgah-signature': signWebhook(secret, ts, d.body),
          'x-bashgah-event': d.type,
          'x-bashgah-delivery': d.event_id,
        },
        body: d.body,
        signal: AbortSignal.timeout(o.timeoutMs ?? 10_000),
      });
      await res.body?.cancel();
      if (res.ok) return {};
      // A 4xx other than 408/429 is the receiver saying no to this request; sending it again
      // would get the same answer, so the delivery fails at once.
      const permanent = res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429;
      return { error: `HTTP ${res.status}`, permanent };
    } catch (err) {
      return { error: (err as Error).message };
    }
  }

  async function runOnce() {
    const out = { delivered: 0, retried: 0, failed: 0 };
    const due = await o.db.all<DeliveryRow>(
      `SELECT id, event_id, endpoint, type, body, attempts FROM webhook_deliveries
       WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT 100`,
      [now().toISOString()],
    );
    for (const d of due) {
      if (stopped) break;
      const secret = secrets.get(d.endpoint);
      const r = secret
        ? await send(d, secret)
        : { error: 'endpoint no longer configured (CLUB_WEBHOOK_URLS)', permanent: true };
      const attempts = d.attempts + 1;
      const at = now();
      if (!r.error) {
        await o.db.run(
          "UPDATE webhook_deliveries SET status = 'delivered', attempts = ?, delivered_at = ?, last_error = NULL WHERE id = ?",
          [attempts, at.toISOString(), d.id],
        );
        out.delivered++;
      } else if (r.permanent || attempts >= maxAttempts) {
        await o.db.run(
          "UPDATE webhook_deliveries SET status = 'failed', attempts = ?, last_error = ? WHERE id = ?",
          [attempts, r.error, d.id],
        );
        log.error(
          { deliveryId: d.id, eventId: d.event_id, endpoint: d.endpoint, attempts, error: r.error },
          'webhook delivery failed for good; see webhook_deliveries, fix the receiver and re-queue it',
        );
        out.failed++;
      } else {
        const delay = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempts - 1));
        await o.db.run(
          'UPDATE webhook_deliveries SET attempts = ?, last_error = ?, next_attempt_at = ? WHERE id = ?',
          [attempts, r.error, new Date(at.getTime() + delay).toISOString(), d.id],
        );
        log.warn(
          { deliveryId: d.id, endpoint: d.endpoint, attempts, error: r.error, retryInMs: delay },
          'webhook delivery failed; will retry',
        );
        out.retried++;
      }
    }
    return out;
  }

  const tick = () => {
    running = runOnce()
      .catch((err: unknown) => log.error({ err }, 'webhook dispatch run failed; retrying next poll'))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, o.pollMs ?? 1_000);
      });
  };

  return {
    runOnce,
    start() {
      if (!timer && !stopped) timer = setTimeout(tick, 0);
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
