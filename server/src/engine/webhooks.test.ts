import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addMember } from '../../test/engine-fixtures.js';
import { captureLogger, silentLogger, tempDb } from '../../test/helpers.js';
import { SqliteDb } from '../db/sqlite.js';
import { EngineError } from './errors.js';
import { withFraudAlerts } from './fraud.js';
import { recordPurchase } from './purchases.js';
import { createWebhookDispatcher, enqueueWebhook, syncWebhookEndpoints, verifyWebhook } from './webhooks.js';

const SECRET = 'a-long-enough-webhook-secret';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  verified: boolean;
}

/** A receiver on 127.0.0.1 that answers `status()` and checks every signature as a real one would. */
async function receiver(status: () => number, clock: () => Date) {
  const got: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const verified = verifyWebhook(
        SECRET,
        {
          timestamp: req.headers['x-bashgah-timestamp'] as string,
          signature: req.headers['x-bashgah-signature'] as string,
        },
        body,
        clock().getTime(),
      );
      got.push({ headers: req.headers, body, verified });
      res.statusCode = verified ? status() : 401;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return { url, got, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('club webhooks', () => {
  let t: Awaited<ReturnType<typeof tempDb>>;
  let clock: Date;
  const closers: Array<() => Promise<void>> = [];
  beforeEach(async () => {
    t = await tempDb();
    clock = new Date('2025-05-01T08:00:00.000Z');
  });
  afterEach(async () => {
    for (const c of closers.splice(0)) await c();
    await t.cleanup();
  });
  const deliveries = () =>
    t.db.all<{ status: string; attempts: number; next_attempt_at: string; last_error: string | null }>(
      'SELECT status, attempts, next_attempt_at, last_error FROM webhook_deliveries ORDER BY id',
    );

  it('sends a fraud alert from a refused purchase, signed, and marks it delivered', async () => {
    const hook = await receiver(
      () => 204,
      () => clock,
    );
    closers.push(hook.close);
    await syncWebhookEndpoints(t.db, [{ url: hook.url, secret: SECRET }], clock);
    await addMember(t.db, { id: 'm1', number: 1 });
    const limits = { checkinsPerDay: 3, redemptionsPerDay: 5, staffPurchasesPerMemberPerDay: 1 };
    const sale = (receiptId: string) =>
      withFraudAlerts(t.db, clock, () =>
        recordPurchase(
          t.db,
          {
            storeId: 's1',
            receiptId,
            memberId: 'm1',
            amountMinor: 10_000,
            currency: 'IRR',
            lines: [],
            staffId: 'st7',
          },
          { now: clock, timeZone: 'Asia/Tehran' },
          limits,
        ),
      );
    await sale('r1');
    await expect(sale('r2')).rejects.toThrow(EngineError);

    const dispatcher = createWebhookDispatcher({
      db: t.db,
      endpoints: [{ url: hook.url, secret: SECRET }],
      logger: silentLogger,
      now: () => clock,
    });
    expect(await dispatcher.runOnce()).toEqual({ delivered: 1, retried: 0, failed: 0 });
    expect(hook.got).toHaveLength(1);
    const [req] = hook.got;
    expect(req!.verified).toBe(true);
    expect(req!.headers['x-bashgah-event']).toBe('fraud.alert');
    const body = JSON.parse(req!.body) as {
      id: string;
      type: string;
      data: { kind: string; subject: string };
    };
    expect(body).toMatchObject({
      type: 'fraud.alert',
      data: { kind: 'staff-purchases', subject: 'staff:st7/member:m1' },
    });
    expect(req!.headers['x-bashgah-delivery']).toBe(body.id);
    expect((await deliveries())[0]).toMatchObject({ status: 'delivered', attempts: 1 });
    // Nothing left to send: a second run posts nothing.
    expect(await dispatcher.runOnce()).toEqual({ delivered: 0, retried: 0, failed: 0 });
    expect(hook.got).toHaveLength(1);
  });

  it('retries a failing receiver with doubling waits, then marks the delivery failed', async () => {
    const hook = await receiver(
      () => 503,
      () => clock,
    );
    closers.push(hook.close);
    await syncWebhookEndpoints(t.db, [{ url: hook.url, secret: SECRET }], clock);
    await enqueueWebhook(t.db, { type: 'fraud.alert', data: { n: 1 } }, clock);
    const { logger, lines } = captureLogger();
    const dispatcher = createWebhookDispatcher({
      db: t.db,
      endpoints: [{ url: hook.url, secret: SECRET }],
      logger,
      now: () => clock,
      maxAttempts: 4,
      baseDelayMs: 1_000,
    });
    const waits: number[] = [];
    for (let i = 0; i < 3; i++) {
      expect(await dispatcher.runOnce()).toEqual({ delivered: 0, retried: 1, failed: 0 });
      const [d] = await deliveries();
      waits.push(Date.parse(d!.next_attempt_at) - clock.getTime());
      // Not due yet: nothing is sent before the wait is over.
      expect(await dispatcher.runOnce()).toEqual({ delivered: 0, retried: 0, failed: 0 });
      clock = new Date(Date.parse(d!.next_attempt_at));
    }
    expect(waits).toEqual([1_000, 2_000, 4_000]);
    expect(await dispatcher.runOnce()).toEqual({ delivered: 0, retried: 0, failed: 1 });
    expect(await deliveries()).toEqual([
      expect.objectContaining({ status: 'failed', attempts: 4, last_error: 'HTTP 503' }),
    ]);
    expect(hook.got).toHaveLength(4);
    expect(hook.got.every((r) => r.verified)).toBe(true);
    expect(lines.some((l) => l.msg.startsWith('webhook delivery failed for good'))).toBe(true);
  });

  it('fails at once on a 4xx refusal, and on an endpoint no longer configured', async () => {
    const hook = await receiver(
      () => 410,
      () => clock,
    );
    closers.push(hook.close);
    await syncWebhookEndpoints(
      t.db,
      [
        { url: hook.url, secret: SECRET },
        { url: 'http://127.0.0.1:9/gone', secret: SECRET },
      ],
      clock,
    );
    await enqueueWebhook(t.db, { type: 'fraud.alert', data: {} }, clock);
    const dispatcher = createWebhookDispatcher({
      db: t.db,
      endpoints: [{ url: hook.url, secret: SECRET }],
      logger: silentLogger,
      now: () => clock,
    });
    expect(await dispatcher.runOnce()).toEqual({ delivered: 0, retried: 0, failed: 2 });
    expect(hook.got).toHaveLength(1);
  });

  it('keeps queued events across a restart and sends them from the new process', async () => {
    const hook = await receiver(
      () => 200,
      () => clock,
    );
    closers.push(hook.close);
    await syncWebhookEndpoints(t.db, [{ url: hook.url, secret: SECRET }], clock);
    await enqueueWebhook(t.db, { id: 'ev-1', type: 'fraud.alert', data: { n: 1 } }, clock);
    await t.db.close();
    const reopened = await SqliteDb.open(path.join(t.dir, 'test.db'));
    closers.push(() => reopened.close());
    const dispatcher = createWebhookDispatcher({
      db: reopened,
      endpoints: [{ url: hook.url, secret: SECRET }],
      logger: silentLogger,
      now: () => clock,
      pollMs: 10,
    });
    dispatcher.start();
    const deadline = Date.now() + 5_000;
    while (hook.got.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await dispatcher.stop();
    expect(hook.got.map((r) => r.headers['x-bashgah-delivery'])).toEqual(['ev-1']);
    expect(await reopened.get('SELECT status FROM webhook_deliveries')).toEqual({ status: 'delivered' });
  });

  it('refuses a tampered body, a wrong secret and a stale timestamp', () => {
    const body = '{"id":"x"}';
    const ts = '1746086400';
    const now = 1746086400_000;
    const sig = `sha256=${createHmac('sha256', SECRET).update(`${ts}.${body}`).digest('hex')}`;
    expect(verifyWebhook(SECRET, { timestamp: ts, signature: sig }, body, now)).toBe(true);
    expect(verifyWebhook(SECRET, { timestamp: ts, signature: sig }, '{"id":"y"}', now)).toBe(false);
    expect(verifyWebhook('another-secret-entirely', { timestamp: ts, signature: sig }, body, now)).toBe(
      false,
    );
    expect(verifyWebhook(SECRET, { timestamp: ts, signature: sig }, body, now + 301_000)).toBe(false);
  });
});
