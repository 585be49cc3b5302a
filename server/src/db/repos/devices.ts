import type { Queryable } from '../sqlite.js';

export interface DeviceRow {
  id: string;
  name: string | null;
  status: 'online' | 'offline';
  last_seen: string | null;
  agent_version: string | null;
}

/**
 * Records what a device just told us. Devices register themselves by talking; an agent version of
 * undefined keeps the one already known (an offline will carries none worth keeping).
 */
export async function upsertDevice(
  db: Queryable,
  d: { id: string; status: 'online' | 'offline'; lastSeen: string; agentVersion?: string | undefined },
): Promise<void> {
  await db.run(
    `INSERT INTO devices (id, status, last_seen, agent_version) VALUES (?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET
       status = excluded.status,
       last_seen = excluded.last_seen,
       agent_version = coalesce(excluded.agent_version, devices.agent_version)`,
    [d.id, d.status, d.lastSeen, d.agentVersion ?? null],
  );
}

export function listDevices(db: Queryable): Promise<DeviceRow[]> {
  return db.all<DeviceRow>('SELECT * FROM devices ORDER BY id');
}
