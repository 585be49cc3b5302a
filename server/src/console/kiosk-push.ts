import { createHash } from 'node:crypto';
import type { DeviceCatalog, DeviceSettings } from '@bashgah/protocol';
import type { Logger } from 'pino';
import type { Queryable } from '../db/sqlite.js';
import type { Commands } from '../fleet/commands.js';
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
 * audited in device_commands). A day's time to live: a kiosk offline now gets it when it is back.
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
