import { ApiError } from '@bashgah/protocol';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../test/helpers.js';
import { errorHandler } from '../errors.js';
import { ipRateLimit } from './rate-limit.js';

/** A route behind the limit that counts the requests that reached it (what would be written). */
function harness(opts: {
  limit: number;
  windowMs: number;
  trustForwardedFor?: boolean;
  maxClients?: number;
}) {
  let t = 1_000_000;
  let handled = 0;
  const app = new Hono();
  app.onError(errorHandler(silentLogger));
  app.use('/api/signup/*', ipRateLimit({ ...opts, now: () => t }));
  app.post('/api/signup/otp', (c) => {
    handled++;
    return c.json({ sent: true });
  });
  // As @hono/node-server passes the socket in c.env, so the default client address is exercised.
  const from = (ip: string, headers: Record<string, string> = {}) =>
    app.request(
      '/api/signup/otp',
      { method: 'POST', headers },
      { incoming: { socket: { remoteAddress: ip } } },
    );
  return {
    from,
    handled: () => handled,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

describe('ipRateLimit', () => {
  it('answers 429 rate-limited with Retry-After once an IP used its window, without running the handler', async () => {
    const h = harness({ limit: 3, windowMs: 60_000 });
    for (let i = 0; i < 3; i++) expect((await h.from('203.0.113.7')).status).toBe(200);
    h.advance(15_000);
    const res = await h.from('203.0.113.7');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('45');
    const body = ApiError.parse(await res.json());
    expect(body.error.code).toBe('rate-limited');
    expect(h.handled()).toBe(3);
  });

  it('counts each IP on its own and treats an IPv4-mapped address as the same client', async () => {
    const h = harness({ limit: 1, windowMs: 60_000 });
    expect((await h.from('203.0.113.7')).status).toBe(200);
    expect((await h.from('::ffff:203.0.113.7')).status).toBe(429);
    expect((await h.from('198.51.100.2')).status).toBe(200);
    expect(h.handled()).toBe(2);
  });

  it('opens a fresh window when the old one has passed', async () => {
    const h = harness({ limit: 1, windowMs: 60_000 });
    expect((await h.from('203.0.113.7')).status).toBe(200);
    h.advance(59_999);
    expect((await h.from('203.0.113.7')).status).toBe(429);
    h.advance(1);
    expect((await h.from('203.0.113.7')).status).toBe(200);
  });

  it('ignores X-Forwarded-For unless told to trust it', async () => {
    const direct = harness({ limit: 1, windowMs: 60_000 });
    expect((await direct.from('10.0.0.1', { 'x-forwarded-for': '203.0.113.1' })).status).toBe(200);
    expect((await direct.from('10.0.0.1', { 'x-forwarded-for': '203.0.113.2' })).status).toBe(429);

    const proxied = harness({ limit: 1, windowMs: 60_000, trustForwardedFor: true });
    expect((await proxied.from('10.0.0.1', { 'x-forwarded-for': '203.0.113.1, 10.0.0.1' })).status).toBe(200);
    expect((await proxied.from('10.0.0.1', { 'x-forwarded-for': '203.0.113.2' })).status).toBe(200);
    expect((await proxied.from('10.0.0.1', { 'x-forwarded-for': '203.0.113.1' })).status).toBe(429);
  });

  it('keeps at most maxClients counters, dropping the oldest', async () => {
    const h = harness({ limit: 1, windowMs: 60_000, maxClients: 2 });
    expect((await h.from('192.0.2.1')).status).toBe(200);
    expect((await h.from('192.0.2.2')).status).toBe(200);
    expect((await h.from('192.0.2.3')).status).toBe(200);
    // 192.0.2.1's counter was the oldest and went; 192.0.2.3's is still held.
    expect((await h.from('192.0.2.1')).status).toBe(200);
    expect((await h.from('192.0.2.3')).status).toBe(429);
  });
});
