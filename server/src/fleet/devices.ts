import { DeviceStatus, decodeMessage, Telemetry } from '@bashgah/protocol';
import type { Logger } from 'pino';
import type { Queryable } from '../db/sqlite.js';
import type { FleetHub } from './hub.js';
import { getDevice, toFleetDevice } from './store.js';

export interface FleetDeps {
  db: Queryable;
  logger: Logger;
  /** Live fan-out to the console; optional so the handlers work on their own. */
  hub?: FleetHub;
  /** Called after each change so alert rules can look at the device again. */
  onChange?: (deviceId: string) => void;
  /** How long telemetry history is kept (default 7 days). */
  telemetryRetentionMs?: number;
  now?: () => Date;
}

/**
 * Keeps the devices table current from `status` (retained online/offline, the offline one being
 * the agent's last will) and `telemetry`. In open (dev) mode devices appear the first time they
 * speak; with broker auth on, only enrolled devices can speak at all.
 */
export function createFleetHandlers(deps: FleetDeps) {
  const log = deps.logger.child({ component: 'fleet' });
  const now = deps.now ?? (() => new Date());
  const retentionMs = deps.telemetryRetentionMs ?? 7 * 24 * 3600_000;
  let lastTrim = 0;

  async function changed(deviceId: string) {
    if (deps.hub) {
      const row = await getDevice(deps.db, deviceId);
      if (row) deps.hub.emit('device', toFleetDevice(row));
    }
    deps.onChange?.(deviceId);
  }

  return {
    async onStatus(
      deviceId: string,
      topic: string,
      payload: Buffer,
      meta: { retain: boolean },
    ): Promise<void> {
      // An empty retained message is how a status is cleared; there is nothing to record.
      if (payload.byteLength === 0) return;
      const decoded = decodeMessage(DeviceStatus, payload);
      if (!decoded.ok) {
        log.warn({ topic, deviceId, reason: decoded.error }, 'dropped malformed status');
        return;
      }
      const s = decoded.value;
      // A retained status replayed on subscribe is old news: "seen now" would be a lie.
      const lastSeen = meta.retain ? s.at : now().toISOString();
      await deps.db.run(
        `INSERT INTO devices (id, status, last_seen, agent_version, status_changed_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET
           status_changed_at = CASE WHEN devices.status = excluded.status AND devices.status_changed_at IS NOT NULL
                                    THEN devices.status_changed_at ELSE excluded.status_changed_at END,
           status = excluded.status,
           last_seen = excluded.last_seen,
           agent_version = coalesce(excluded.agent_version, devices.agent_version)`,
        [deviceId, s.state, lastSeen, s.agentVersion ?? null, lastSeen],
      );
      log.info({ deviceId, state: s.state, retained: meta.retain }, 'device status');
      await changed(deviceId);
    },

    async onTelemetry(deviceId: string, topic: string, payload: Buffer): Promise<void> {
      const decoded = decodeMessage(Telemetry, payload);
      if (!decoded.ok) {
        log.warn({ topic, deviceId, reason: decoded.error }, 'dropped malformed telemetry');
        return;
      }
      const t = decoded.value;
      const at = now();
      const json = JSON.stringify(t);
      // The device's clock minus ours, as of the moment it sent; off by one network delay at most.
      const offset = Date.parse(t.at) - at.getTime();
      await deps.db.transaction(async () => {
        await deps.db.run(
          `INSERT INTO devices (id, status, last_seen, agent_version, telemetry, telemetry_at, clock_offset_ms, status_changed_at)
           VALUES (?, 'online', ?, ?, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET
             status_changed_at = CASE WHEN devices.status = 'online' AND devices.status_changed_at IS NOT NULL
                                      THEN devices.status_changed_at ELSE excluded.status_changed_at END,
             status = 'online', last_seen = excluded.last_seen,
             agent_version = excluded.agent_version, telemetry = excluded.telemetry,
             telemetry_at = excluded.telemetry_at, clock_offset_ms = excluded.clock_offset_ms`,
          [deviceId, at.toISOString(), t.agentVersion, json, at.toISOString(), offset, at.toISOString()],
        );
        await deps.db.run('INSERT INTO device_telemetry (device_id, at, data) VALUES (?, ?, ?)', [
          deviceId,
          at.toISOString(),
          json,
        ]);
        if (at.getTime() - lastTrim > 600_000) {
          lastTrim = at.getTime();
          await deps.db.run('DELETE FROM device_telemetry WHERE at < ?', [
            new Date(at.getTime() - retentionMs).toISOString(),
          ]);
        }
      });
      await changed(deviceId);
    },
  };
}

export async function telemetryHistory(
  db: Queryable,
  deviceId: string,
  sinceIso: string,
): Promise<Array<{ at: string; data: Telemetry }>> {
  const rows = await db.all<{ at: string; data: string }>(
    'SELECT at, data FROM device_telemetry WHERE device_id = ? AND at >= ? ORDER BY at LIMIT 2000',
    [deviceId, sinceIso],
  );
  return rows.map((r) => ({ at: r.at, data: JSON.parse(r.data) as Telemetry }));
}
