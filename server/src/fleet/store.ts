import type { Telemetry } from '@bashgah/protocol';
import type { Queryable } from '../db/sqlite.js';

/** One device as the fleet code sees it (the devices table after migration 005). */
export interface FleetDeviceRow {
  id: string;
  name: string | null;
  store: string | null;
  status: 'online' | 'offline';
  last_seen: string | null;
  agent_version: string | null;
  created_at: string | null;
  created_by: string | null;
  mqtt_password_hash: string | null;
  enrolled_at: string | null;
  revoked_at: string | null;
  telemetry: string | null;
  telemetry_at: string | null;
  clock_offset_ms: number | null;
  status_changed_at: string | null;
}

/** What the console and the HTTP API show; never the password hash. */
export interface FleetDevice {
  id: string;
  name: string | null;
  store: string | null;
  status: 'online' | 'offline';
  lastSeen: string | null;
  statusChangedAt: string | null;
  agentVersion: string | null;
  createdAt: string | null;
  enrolled: boolean;
  enrolledAt: string | null;
  revokedAt: string | null;
  telemetry: Telemetry | null;
  telemetryAt: string | null;
  clockOffsetMs: number | null;
}

export function toFleetDevice(r: FleetDeviceRow): FleetDevice {
  return {
    id: r.id,
    name: r.name,
    store: r.store,
    status: r.status,
    lastSeen: r.last_seen,
    statusChangedAt: r.status_changed_at,
    agentVersion: r.agent_version,
    createdAt: r.created_at,
    enrolled: r.enrolled_at !== null,
    enrolledAt: r.enrolled_at,
    revokedAt: r.revoked_at,
    telemetry: r.telemetry ? (JSON.parse(r.telemetry) as Telemetry) : null,
    telemetryAt: r.telemetry_at,
    clockOffsetMs: r.clock_offset_ms,
  };
}

export function getDevice(db: Queryable, id: string): Promise<FleetDeviceRow | undefined> {
  return db.get<FleetDeviceRow>('SELECT * FROM devices WHERE id = ?', [id]);
}

export function allDevices(db: Queryable): Promise<FleetDeviceRow[]> {
  return db.all<FleetDeviceRow>('SELECT * FROM devices ORDER BY id');
}

/** The credential hash of an enrolled device that has not been revoked. */
export async function activeCredentialHash(db: Queryable, id: string): Promise<string | undefined> {
  const row = await db.get<{ h: string | null }>(
    'SELECT mqtt_password_hash AS h FROM devices WHERE id = ? AND revoked_at IS NULL',
    [id],
  );
  return row?.h ?? undefined;
}

/** Devices that may log in to a broker, for the generated Mosquitto password file. */
export function credentialedDevices(db: Queryable): Promise<Array<{ id: string; hash: string }>> {
  return db.all<{ id: string; hash: string }>(
    `SELECT id, mqtt_password_hash AS hash FROM devices
     WHERE mqtt_password_hash IS NOT NULL AND revoked_at IS NULL ORDER BY id`,
  );
}
