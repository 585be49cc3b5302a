import { DeviceStatus, decodeMessage, Telemetry } from '@bashgah/protocol';
import type { Logger } from 'pino';
import { upsertDevice } from '../db/repos/devices.js';
import type { Queryable } from '../db/sqlite.js';

export interface FleetDeps {
  db: Queryable;
  logger: Logger;
  now?: () => Date;
}

/**
 * Keeps the devices table current from `status` (retained online/offline, the offline one being
 * the agent's last will) and `telemetry`. Devices appear in the table the first time they speak.
 */
export function createFleetHandlers(deps: FleetDeps) {
  const log = deps.logger.child({ component: 'fleet' });
  const now = deps.now ?? (() => new Date());

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
      await upsertDevice(deps.db, { id: deviceId, status: s.state, lastSeen, agentVersion: s.agentVersion });
      log.info({ deviceId, state: s.state, retained: meta.retain }, 'device status');
    },

    async onTelemetry(deviceId: string, topic: string, payload: Buffer): Promise<void> {
      const decoded = decodeMessage(Telemetry, payload);
      if (!decoded.ok) {
        log.warn({ topic, deviceId, reason: decoded.error }, 'dropped malformed telemetry');
        return;
      }
      await upsertDevice(deps.db, {
        id: deviceId,
        status: 'online',
        lastSeen: now().toISOString(),
        agentVersion: decoded.value.agentVersion,
      });
    },
  };
}
