import { createHash } from 'node:crypto';
import type { DeviceCatalog, DeviceSettings } from '@bashgah/protocol';
import type { Logger } from 'pino';
import type { Queryable } from '../db/sqlite.js';
import type { Commands } from '../fleet/commands.js';
import type { FleetHub } from '../fleet/hub.js';
import type { FleetDevice } from '../fleet/store.js';
import { activeClubSettings } from './club-settings.js';

/** The catalog kiosks show: every active reward, with whether it can be claimed today. */
export async function buildCatalog(db: Queryable, now: Date): Promise<DeviceCatalog> {
  const at = now.toISOString();
  const rows = await db.all<{
    id: string;
    name_fa: string;
    name_en: string;
    points_cost: number;
    stock: number | null;
    valid_from: string | null;
    valid_to: string | null;
  }>(
    'SELECT id, name_fa, name_en, points_cost, stock, valid_from, valid_to FROM rewards WHERE active = 1 ORDER BY points_cost, id LIMIT 500',
  );
  const items = rows.map((r) => ({
    id: r.id,
    name: { fa: r.name_fa, en: r.name_en },
    pointsCost: r.points_cost,
    available:
      (r.stock === null || r.stock > 0) &&
      (!r.valid_from || r.valid_from <= at) &&
      (!r.valid_to || r.valid_to > at),
  }));
  // Content-addressed: the same catalog always has the same version, so a kiosk can tell a change.
  const version = createHash('sha256').update(JSON.stringify(items)).digest('hex').slice(0, 16);
  return { version, items };
}

export async function buildDeviceSettings(db: Queryable): Promise<DeviceSettings> {
  const { settings } = await activeClubSettings(db);
  return { offlineDailyPointsCap: settings.offline.dailyPointsCap };
}

export interface PushResult {
  devices: number;
  commands: Array<{ deviceId: string; command: string; id: string }>;
}

/**
 * Sends the current catalog and settings to every enrolled kiosk (fleet commands, so each push is
 * audited in device_commands). A day's time to live; a kiosk that is offline for longer gets the
 * current catalog when it comes back (watchKioskReturns).
 */
export async function pushToKiosks(
  db: Queryable,
  commands: Commands | undefined,
  by: string,
  now: Date,
  logger: Logger,
  what: { catalog?: boolean; settings?: boolean } = { catalog: true, settings: true },
): Promise<PushResult> {
  if (!commands) return { devices: 0, commands: [] };
  const devices = await db.all<{ id: string }>(
    'SELECT id FROM devices WHERE revoked_at IS NULL AND (mqtt_password_hash IS NOT NULL OR last_seen IS NOT NULL)',
  );
  const catalog = what.catalog ? await buildCatalog(db, now) : undefined;
  const settings = what.settings ? await buildDeviceSettings(db) : undefined;
  const out: PushResult = { devices: devices.length, commands: [] };
  for (const d of devices) {
    try {
      if (catalog) {
        const v = await commands.send(
          d.id,
          { command: 'push-catalog', params: { catalog }, ttlSec: 86_400 },
          by,
        );
        out.commands.push({ deviceId: d.id, command: 'push-catalog', id: v.id });
      }
      if (settings) {
        const v = await commands.send(
          d.id,
          { command: 'push-config', params: { settings }, ttlSec: 86_400 },
          by,
        );
        out.commands.push({ deviceId: d.id, command: 'push-config', id: v.id });
      }
    } catch (err) {
      logger.warn({ err, deviceId: d.id }, 'push to kiosk failed');
    }
  }
  return out;
}

interface LastPush {
  status: string;
  params: string;
  result: string | null;
  issued_at: string;
  expires_at: string;
}

/**
 * What a kiosk back online is missing: the catalog when its last push-catalog did not leave it on
 * the current version, the settings when its last push-config did not carry the current ones.
 * Only once the club has pushed at all (a kiosk never pushed to keeps what it was set up with, as
 * before), and not when a push of the current version went out since it came online (`since`).
 */
export async function kioskMissing(
  db: Queryable,
  deviceId: string,
  since: string,
  now: Date,
): Promise<{ catalog?: DeviceCatalog; settings?: DeviceSettings }> {
  const last = (command: string) =>
    db.get<LastPush>(
      `SELECT status, params, result, issued_at, expires_at FROM device_commands
       WHERE device_id = ? AND command = ? ORDER BY issued_at DESC, id DESC LIMIT 1`,
      [deviceId, command],
    );
  const pushedAtAll = (command: string) =>
    db.get<{ one: number }>('SELECT 1 AS one FROM device_commands WHERE command = ? LIMIT 1', [command]);
  const inFlight = (c: LastPush) =>
    c.status === 'pending' && c.issued_at >= since && c.expires_at > now.toISOString();
  const out: { catalog?: DeviceCatalog; settings?: DeviceSettings } = {};

  if (await pushedAtAll('push-catalog')) {
    const catalog = await buildCatalog(db, now);
    const c = await last('push-catalog');
    const pushedVersion = c && (JSON.parse(c.params) as { catalog?: { version?: string } }).catalog?.version;
    const current =
      c &&
      pushedVersion === catalog.version &&
      (inFlight(c) ||
        (c.status === 'ok' &&
          (JSON.parse(c.result ?? '{}') as { version?: string }).version === catalog.version));
    if (!current) out.catalog = catalog;
  }
  if (await pushedAtAll('push-config')) {
    const settings = await buildDeviceSettings(db);
    const c = await last('push-config');
    const pushed = c && JSON.stringify((JSON.parse(c.params) as { settings?: unknown }).settings);
    const current = c && pushed === JSON.stringify(settings) && (inFlight(c) || c.status === 'ok');
    if (!current) out.settings = settings;
  }
  return out;
}

/**
 * Brings kiosks up to date when they come back online. Fleet commands live a day and a kiosk
 * refuses one that arrives after its expiry, so a kiosk offline for longer than that (or whose
 * queued command the broker lost) would keep the old catalog until the next push. Each time a
 * kiosk's online period begins (its status_changed_at), what it is missing goes out to it again.
 */
export function watchKioskReturns(deps: {
  db: Queryable;
  hub: FleetHub;
  commands: Commands;
  logger: Logger;
  now?: () => Date;
}): { stop(): Promise<void> } {
  const log = deps.logger.child({ component: 'kiosk-push' });
  const now = deps.now ?? (() => new Date());
  // The online period already looked at, per device: telemetry every 15 s must not re-check.
  const seen = new Map<string, string>();
  const pending = new Set<Promise<void>>();

  const onDevice = (d: FleetDevice) => {
    if (d.status !== 'online' || d.revokedAt || !d.statusChangedAt) return;
    if (seen.get(d.id) === d.statusChangedAt) return;
    seen.set(d.id, d.statusChangedAt);
    const since = d.statusChangedAt;
    const job = (async () => {
      const missing = await kioskMissing(deps.db, d.id, since, now());
      for (const [command, params] of [
        ['push-catalog', missing.catalog && { catalog: missing.catalog }],
        ['push-config', missing.settings && { settings: missing.settings }],
      ] as const) {
        if (!params) continue;
        const v = await deps.commands.send(
          d.id,
          { command, params, ttlSec: 86_400 },
          'system:kiosk-returned',
        );
        log.info({ deviceId: d.id, command, id: v.id }, 'kiosk back online: sent what it missed');
      }
    })()
      .catch((err: unknown) => {
        // Forget the period so the next status or telemetry message tries again.
        seen.delete(d.id);
        log.warn(
          { err, deviceId: d.id },
          'could not bring a returning kiosk up to date; will retry on its next message',
        );
      })
      .finally(() => pending.delete(job));
    pending.add(job);
  };
  deps.hub.on('device', onDevice);
  return {
    async stop() {
      deps.hub.off('device', onDevice);
      await Promise.all([...pending]);
    },
  };
}
