import { createHmac } from 'node:crypto';
import type { Logger } from 'pino';
import type { FleetConfig } from '../config.js';
import type { Queryable } from '../db/sqlite.js';
import type { FleetHub } from './hub.js';
import { allDevices, type FleetDevice, getDevice, toFleetDevice } from './store.js';

export const ALERT_RULES = [
  'device-offline',
  'printer-paper-out',
  'printer-cover-open',
  'reader-missing',
  'outbox-backlog',
  'clock-drift',
  'disk-full',
] as const;
export type AlertRule = (typeof ALERT_RULES)[number];

export interface AlertView {
  id: number;
  deviceId: string;
  rule: AlertRule;
  severity: 'warning' | 'critical';
  message: string;
  details: Record<string, unknown>;
  raisedAt: string;
  clearedAt: string | null;
}

interface AlertRow {
  id: number;
  device_id: string;
  rule: AlertRule;
  severity: 'warning' | 'critical';
  message: string;
  details: string;
  raised_at: string;
  cleared_at: string | null;
}

const toView = (r: AlertRow): AlertView => ({
  id: r.id,
  deviceId: r.device_id,
  rule: r.rule,
  severity: r.severity,
  message: r.message,
  details: JSON.parse(r.details) as Record<string, unknown>,
  raisedAt: r.raised_at,
  clearedAt: r.cleared_at,
});

export type AlertThresholds = FleetConfig['alerts'];

interface Condition {
  rule: AlertRule;
  severity: 'warning' | 'critical';
  message: string;
  details: Record<string, unknown>;
}

/**
 * Which rules hold for a device right now. Pure, so every rule is tested without a database.
 * Telemetry rules speak only for an online device: an offline kiosk's last reading is stale, so
 * its telemetry alerts stay as they were until it reports again.
 */
export function evaluateRules(
  d: FleetDevice,
  t: Pick<AlertThresholds, 'offlineMin' | 'backlogMin' | 'clockDriftSec' | 'diskFreePct'>,
  now: Date,
): { holds: Condition[]; decided: Set<AlertRule> } {
  const holds: Condition[] = [];
  const decided = new Set<AlertRule>(['device-offline']);
  if (d.revokedAt) return { holds, decided: new Set(ALERT_RULES) };
  if (d.status === 'offline') {
    const since = Date.parse(d.statusChangedAt ?? d.lastSeen ?? '');
    const minutes = Number.isNaN(since) ? Number.POSITIVE_INFINITY : (now.getTime() - since) / 60_000;
    // A device created but never seen is not "offline", it is not installed yet.
    if (d.lastSeen !== null && minutes >= t.offlineMin) {
      holds.push({
        rule: 'device-offline',
        severity: 'critical',
        message: `offline for ${Math.floor(minutes)} min`,
        details: { since: d.statusChangedAt ?? d.lastSeen },
      });
    }
    return { holds, decided };
  }
  const tel = d.telemetry;
  if (!tel) return { holds, decided };
  for (const r of ALERT_RULES) decided.add(r);
  if (tel.printer === 'paper-out') {
    holds.push({
      rule: 'printer-paper-out',
      severity: 'critical',
      message: 'printer is out of paper',
      details: {},
    });
  }
  if (tel.printer === 'cover-open') {
    holds.push({
      rule: 'printer-cover-open',
      severity: 'warning',
      message: 'printer cover is open',
      details: {},
    });
  }
  if (tel.reader === 'no-reader' || tel.reader === 'unavailable') {
    holds.push({
      rule: 'reader-missing',
      severity: 'critical',
      message: `card reader ${tel.reader}`,
      details: { reader: tel.reader },
    });
  }
  if (tel.oldestOutboxAgeSec !== null && tel.oldestOutboxAgeSec >= t.backlogMin * 60) {
    holds.push({
      rule: 'outbox-backlog',
      severity: 'warning',
      message: `${tel.outboxDepth} event(s) waiting, oldest ${Math.floor(tel.oldestOutboxAgeSec / 60)} min`,
      details: { depth: tel.outboxDepth, oldestAgeSec: tel.oldestOutboxAgeSec },
    });
  }
  if (d.clockOffsetMs !== null && Math.abs(d.clockOffsetMs) >= t.clockDriftSec * 1000) {
    holds.push({
      rule: 'clock-drift',
      severity: 'warning',
      message: `clock is off by ${Math.round(d.clockOffsetMs / 1000)} s`,
      details: { offsetMs: d.clockOffsetMs },
    });
  }
  if (tel.diskTotalBytes && tel.diskFreeBytes !== undefined) {
    const freePct = (tel.diskFreeBytes / tel.diskTotalBytes) * 100;
    if (freePct < t.diskFreePct) {
      holds.push({
        rule: 'disk-full',
        severity: 'warning',
        message: `disk nearly full: ${freePct.toFixed(1)}% free`,
        details: { freePct: Math.round(freePct * 10) / 10 },
      });
    }
  }
  return { holds, decided };
}

export interface AlertNotice {
  kind: 'raised' | 'cleared';
  alert: AlertView;
}

/** Where alert notices go. Notifiers retry on their own and must not throw. */
export interface AlertNotifier {
  notify(notice: AlertNotice): Promise<void>;
}

/**
 * POSTs each notice as JSON, signed: `X-Bashgah-Signature: sha256=<hex HMAC-SHA256 of
 * "<timestamp>.<body>">` with `X-Bashgah-Timestamp`, so a receiver can check origin and freshness.
 * Retries with exponential backoff on network errors and 5xx/429.
 */
export function webhookNotifier(opts: {
  url: string;
  secret: string;
  logger: Logger;
  attempts?: number;
  firstDelayMs?: number;
  fetch?: typeof fetch;
}): AlertNotifier {
  const attempts = opts.attempts ?? 5;
  const doFetch = opts.fetch ?? fetch;
  return {
    async notify(notice) {
      const body = JSON.stringify({ type: `alert.${notice.kind}`, alert: notice.alert });
      let delay = opts.firstDelayMs ?? 1000;
      for (let i = 1; i <= attempts; i++) {
        const ts = String(Math.floor(Date.now() / 1000));
        const sig = createHmac('sha256', opts.secret).update(`${ts}.${body}`).digest('hex');
        try {
          const res = await doFetch(opts.url, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              'x-bashgah-timestamp': ts,
              'x-bashgah-signature': `sha256=${sig}`,
            },
            body,
            signal: AbortSignal.timeout(10_000),
          });
          if (res.ok) return;
          if (res.status < 500 && res.status !== 429) {
            opts.logger.warn(
              { status: res.status, url: opts.url },
              'alert webhook refused the notice; not retrying',
            );
            return;
          }
          opts.logger.warn({ status: res.status, attempt: i }, 'alert webhook failed; retrying');
        } catch (err) {
          opts.logger.warn(
            { err: (err as Error).message, attempt: i },
            'alert webhook unreachable; retrying',
          );
        }
        if (i < attempts) await new Promise((r) => setTimeout(r, delay));
        delay *= 2;
      }
      opts.logger.error({ url: opts.url, alertId: notice.alert.id }, 'alert webhook gave up');
    },
  };
}

/** An email or SMS gateway: whatever delivers a short text to a person. */
export interface MessageHook {
  send(message: { to: string; subject: string; text: string }): Promise<void>;
}

/** Formats notices as short texts (fits an SMS) and hands them to an email/SMS hook. */
export function messageHookNotifier(hook: MessageHook, recipients: string[], logger: Logger): AlertNotifier {
  return {
    async notify({ kind, alert }) {
      const subject = `[Bashgah] ${kind === 'raised' ? 'ALERT' : 'cleared'}: ${alert.deviceId} ${alert.rule}`;
      const text = `${alert.deviceId}: ${alert.message} (${kind} ${kind === 'raised' ? alert.raisedAt : alert.clearedAt})`;
      for (const to of recipients) {
        await hook
          .send({ to, subject, text })
          .catch((err: unknown) => logger.warn({ err, to }, 'alert message hook failed'));
      }
    },
  };
}

export interface AlertDeps {
  db: Queryable;
  hub: FleetHub;
  logger: Logger;
  thresholds: AlertThresholds;
  notifiers: AlertNotifier[];
  now?: () => Date;
}

/** Raises and clears alerts from device state; every change is kept as history. */
export function createAlerts(deps: AlertDeps) {
  const log = deps.logger.child({ component: 'alerts' });
  const now = deps.now ?? (() => new Date());
  // One evaluation per device at a time, so two telemetry messages cannot raise the same alert twice.
  const chains = new Map<string, Promise<void>>();

  function notify(notice: AlertNotice) {
    deps.hub.emit('alert', notice.alert);
    for (const n of deps.notifiers) void n.notify(notice).catch(() => {});
  }

  async function evaluateNow(deviceId: string): Promise<void> {
    const row = await getDevice(deps.db, deviceId);
    if (!row) return;
    const at = now();
    const { holds, decided } = evaluateRules(toFleetDevice(row), deps.thresholds, at);
    const open = await deps.db.all<AlertRow>(
      'SELECT * FROM alerts WHERE device_id = ? AND cleared_at IS NULL',
      [deviceId],
    );
    const openRules = new Set(open.map((a) => a.rule));
    for (const c of holds) {
      if (openRules.has(c.rule)) continue;
      const r = await deps.db.run(
        `INSERT OR IGNORE INTO alerts (device_id, rule, severity, message, details, raised_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
        [deviceId, c.rule, c.severity, c.message, JSON.stringify(c.details), at.toISOString()],
      );
      if (r.changes === 0) continue;
      const alert = toView((await deps.db.get<AlertRow>('SELECT * FROM alerts WHERE id = ?', [r.lastID]))!);
      log.warn({ deviceId, rule: c.rule, message: c.message }, 'alert raised');
      notify({ kind: 'raised', alert });
    }
    const holding = new Set(holds.map((c) => c.rule));
    for (const a of open) {
      if (holding.has(a.rule) || !decided.has(a.rule)) continue;
      await deps.db.run('UPDATE alerts SET cleared_at = ? WHERE id = ? AND cleared_at IS NULL', [
        at.toISOString(),
        a.id,
      ]);
      log.info({ deviceId, rule: a.rule }, 'alert cleared');
      notify({ kind: 'cleared', alert: toView({ ...a, cleared_at: at.toISOString() }) });
    }
  }

  return {
    evaluate(deviceId: string): Promise<void> {
      const prev = chains.get(deviceId) ?? Promise.resolve();
      const next = prev
        .then(() => evaluateNow(deviceId))
        .catch((err: unknown) => log.error({ err, deviceId }, 'alert evaluation failed'));
      chains.set(deviceId, next);
      void next.finally(() => {
        if (chains.get(deviceId) === next) chains.delete(deviceId);
      });
      return next;
    },
    /** The periodic sweep: time-based rules (offline for N minutes) need no message to fire. */
    async evaluateAll(): Promise<void> {
      for (const d of await allDevices(deps.db)) await this.evaluate(d.id);
    },
    async list(opts: { state?: 'open' | 'all'; deviceId?: string | undefined; limit?: number } = {}) {
      const where: string[] = [];
      const params: unknown[] = [];
      if (opts.state !== 'all') where.push('cleared_at IS NULL');
      if (opts.deviceId) {
        where.push('device_id = ?');
        params.push(opts.deviceId);
      }
      const rows = await deps.db.all<AlertRow>(
        `SELECT * FROM alerts ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY raised_at DESC, id DESC LIMIT ?`,
        [...params, opts.limit ?? 200],
      );
      return rows.map(toView);
    },
  };
}

export type Alerts = ReturnType<typeof createAlerts>;
