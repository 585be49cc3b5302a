import {
  assertDeviceId,
  DEVICE_ID_PATTERN,
  type DeviceSettings,
  type EnrolResponse,
} from '@bashgah/protocol';
import type { Logger } from 'pino';
import type { Queryable } from '../db/sqlite.js';
import { HttpError } from '../http/errors.js';
import { hashMosquittoPassword, newDevicePassword, newEnrolmentCode, sha256 } from './credentials.js';
import type { FleetHub } from './hub.js';
import { type FleetDevice, getDevice, toFleetDevice } from './store.js';

export interface RegistryDeps {
  db: Queryable;
  logger: Logger;
  hub: FleetHub;
  enrolmentTtlMin: number;
  /** What a freshly enrolled device is told about its broker. */
  deviceMqtt: () => { url: string; caPem?: string | undefined };
  /** Defaults pushed to a device at enrolment. */
  settings?: () => DeviceSettings;
  /** Called after any credential change: rewrite Mosquitto files, disconnect a revoked device. */
  onCredentialsChanged: (change: { deviceId: string; revoked: boolean }) => Promise<void>;
  now?: () => Date;
}

export interface NewDevice {
  id: string;
  name?: string | undefined;
  store?: string | undefined;
}

/**
 * Device lifecycle: an operator creates a device and gets a one-time enrolment code; the kiosk
 * exchanges the code for its own MQTT password (which only the kiosk ever sees in clear); an
 * operator can revoke the device, which stops its credentials working at once.
 */
export function createRegistry(deps: RegistryDeps) {
  const log = deps.logger.child({ component: 'registry' });
  const now = deps.now ?? (() => new Date());

  async function issueCode(db: Queryable, deviceId: string, by: string) {
    const code = newEnrolmentCode();
    const at = now();
    const expiresAt = new Date(at.getTime() + deps.enrolmentTtlMin * 60_000).toISOString();
    // A new code replaces any unused one: only the latest code handed out can work.
    await db.run('UPDATE device_enrolments SET used_at = ? WHERE device_id = ? AND used_at IS NULL', [
      at.toISOString(),
      deviceId,
    ]);
    await db.run(
      `INSERT INTO device_enrolments (code_hash, device_id, created_by, created_at, expires_at)
       VALUES (?, ?, ?, ?, ?)`,
      [sha256(code), deviceId, by, at.toISOString(), expiresAt],
    );
    return { code, expiresAt };
  }

  async function publish(deviceId: string): Promise<FleetDevice> {
    const row = await getDevice(deps.db, deviceId);
    if (!row) throw new Error(`device ${deviceId} vanished`);
    const device = toFleetDevice(row);
    deps.hub.emit('device', device);
    return device;
  }

  return {
    async create(input: NewDevice, by: string) {
      if (!DEVICE_ID_PATTERN.test(input.id)) {
        throw new HttpError(
          400,
          'invalid-device-id',
          "device id: 2-63 of a-z, 0-9 and '-', e.g. kiosk-tehran-01",
        );
      }
      const issued = await deps.db.transaction(async () => {
        const existing = await getDevice(deps.db, input.id);
        if (existing && (existing.enrolled_at || existing.created_at)) {
          throw new HttpError(
            409,
            'device-exists',
            `device ${input.id} already exists; issue a new code for it instead`,
          );
        }
        const at = now().toISOString();
        // A device that only ever spoke on an open dev broker is adopted rather than refused.
        await deps.db.run(
          `INSERT INTO devices (id, name, store, created_at, created_by, status) VALUES (?, ?, ?, ?, ?, 'offline')
           ON CONFLICT (id) DO UPDATE SET name = excluded.name, store = excluded.store,
             created_at = excluded.created_at, created_by = excluded.created_by`,
          [input.id, input.name ?? null, input.store ?? null, at, by],
        );
        return issueCode(deps.db, input.id, by);
      });
      log.info({ deviceId: input.id, by }, 'device created');
      return { device: await publish(input.id), ...issued };
    },

    /** A new one-time code for an existing device (re-imaged SD card, lost code, re-activation). */
    async reissueCode(deviceId: string, by: string) {
      const issued = await deps.db.transaction(async () => {
        const d = await getDevice(deps.db, deviceId);
        if (!d) throw new HttpError(404, 'device-not-found', `no device ${deviceId}`);
        return issueCode(deps.db, deviceId, by);
      });
      log.info({ deviceId, by }, 'enrolment code issued');
      return issued;
    },

    /**
     * Exchanges a code for credentials. Only the hash of the new password is stored; the clear
     * password is in this one response and on the kiosk's disk. Re-enrolling replaces the old
     * password and un-revokes the device (an operator issued the code on purpose).
     */
    async enrol(code: string, meta: { agentVersion?: string | undefined }): Promise<EnrolResponse> {
      const password = newDevicePassword();
      const hash = hashMosquittoPassword(password);
      const deviceId = await deps.db.transaction(async () => {
        const row = await deps.db.get<{ device_id: string; expires_at: string; used_at: string | null }>(
          'SELECT device_id, expires_at, used_at FROM device_enrolments WHERE code_hash = ?',
          [sha256(code)],
        );
        const at = now();
        // One message for every failure: a guesser learns nothing about which codes exist.
        if (!row || row.used_at !== null || Date.parse(row.expires_at) <= at.getTime()) {
          throw new HttpError(
            403,
            'enrolment-refused',
            'this enrolment code is unknown, already used or expired; ask an operator for a new one',
          );
        }
        await deps.db.run('UPDATE device_enrolments SET used_at = ? WHERE code_hash = ?', [
          at.toISOString(),
          sha256(code),
        ]);
        await deps.db.run(
          `UPDATE devices SET mqtt_password_hash = ?, enrolled_at = ?, revoked_at = NULL,
             agent_version = coalesce(?, agent_version) WHERE id = ?`,
          [hash, at.toISOString(), meta.agentVersion ?? null, row.device_id],
        );
        return assertDeviceId(row.device_id);
      });
      log.info({ deviceId }, 'device enrolled');
      await deps.onCredentialsChanged({ deviceId, revoked: false });
      await publish(deviceId);
      const mqtt = deps.deviceMqtt();
      return {
        deviceId,
        mqtt: { url: mqtt.url, username: deviceId, password, ...(mqtt.caPem ? { caPem: mqtt.caPem } : {}) },
        settings: deps.settings?.() ?? {},
      };
    },

    async revoke(deviceId: string, by: string) {
      await deps.db.transaction(async () => {
        const d = await getDevice(deps.db, deviceId);
        if (!d) throw new HttpError(404, 'device-not-found', `no device ${deviceId}`);
        const at = now().toISOString();
        await deps.db.run(
          'UPDATE devices SET revoked_at = coalesce(revoked_at, ?), mqtt_password_hash = NULL WHERE id = ?',
          [at, deviceId],
        );
        await deps.db.run(
          'UPDATE device_enrolments SET used_at = ? WHERE device_id = ? AND used_at IS NULL',
          [at, deviceId],
        );
      });
      log.warn({ deviceId, by }, 'device revoked');
      await deps.onCredentialsChanged({ deviceId, revoked: true });
      return publish(deviceId);
    },
  };
}

export type Registry = ReturnType<typeof createRegistry>;
