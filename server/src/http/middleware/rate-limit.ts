import type { Context, MiddlewareHandler } from 'hono';
import { HttpError } from '../errors.js';

export interface IpRateLimitOptions {
  /** Requests one client IP may make per window. */
  limit: number;
  windowMs: number;
  now?: () => number;
  /**
   * Read the client from the first `X-Forwarded-For` hop. Only behind a reverse proxy that sets
   * it: otherwise any client could pick a fresh "IP" per request and never be limited.
   */
  trustForwardedFor?: boolean;
  /** Clients tracked at most; beyond it the oldest windows are dropped (bounds memory under a flood). */
  maxClients?: number;
}

/** The socket's peer as @hono/node-server passes it in `c.env`; absent when called in-process. */
function socketAddress(c: Context): string | undefined {
  const env = c.env as
    | {
        incoming?: { socket?: { remoteAddress?: string } };
        server?: { incoming?: { socket?: { remoteAddress?: string } } };
      }
    | undefined;
  return (env?.server ?? env)?.incoming?.socket?.remoteAddress;
}

export function clientIp(c: Context, trustForwardedFor = false): string {
  if (trustForwardedFor) {
    const first = c.req.header('x-forwarded-for')?.split(',')[0]?.trim();
    if (first) return first;
  }
  // IPv4 clients of a dual-stack socket show up as ::ffff:a.b.c.d; one client, one counter.
  return (socketAddress(c) ?? 'unknown').replace(/^::ffff:/, '');
}

/**
 * Fixed-window limit per client IP, for the open signup routes: each OTP request sends an SMS the
 * club pays for, and each signup attempt is a guess at a 6-digit code. Over the limit the request
 * is answered 429 `rate-limited` with `Retry-After` before any handler runs, so nothing is written
 * and no SMS goes out. Counters live in memory: a restart forgets them, which costs at most one
 * extra window per client.
 */
export function ipRateLimit(opts: IpRateLimitOptions): MiddlewareHandler {
  const now = opts.now ?? Date.now;
  const maxClients = opts.maxClients ?? 100_000;
  const windows = new Map<string, { start: number; count: number }>();
  return async (c, next) => {
    const t = now();
    const ip = clientIp(c, opts.trustForwardedFor);
    let w = windows.get(ip);
    if (!w || t - w.start >= opts.windowMs) {
      // Re-inserted so the map stays ordered by window start: the oldest are first to go.
      windows.delete(ip);
      w = { start: t, count: 0 };
      windows.set(ip, w);
      if (windows.size > maxClients) {
        for (const [key, old] of windows) {
          if (windows.size <= maxClients && t - old.start < opts.windowMs) break;
          windows.delete(key);
        }
      }
    }
    if (w.count >= opts.limit) {
      const retryAfterSec = Math.max(1, Math.ceil((w.start + opts.windowMs - t) / 1000));
      c.header('Retry-After', String(retryAfterSec));
      throw new HttpError(
        429,
        'rate-limited',
        `too many requests from ${ip}: the limit is ${opts.limit} per ${Math.round(opts.windowMs / 1000)} s; try again in ${retryAfterSec} s`,
        { retryAfterSec, limit: opts.limit, windowSec: Math.round(opts.windowMs / 1000) },
      );
    }
    w.count++;
    await next();
  };
}
