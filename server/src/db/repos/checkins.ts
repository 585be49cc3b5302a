import type { Queryable } from '../sqlite.js';

/** Returns false if the member already checked in at this device on this day. */
export async function insertCheckinIfFirst(
  db: Queryable,
  c: { memberId: string; deviceId: string; day: string; eventId: string },
): Promise<boolean> {
  const r = await db.run(
    `INSERT INTO checkins (member_id, device_id, day, event_id) VALUES (?, ?, ?, ?)
     ON CONFLICT (member_id, device_id, day) DO NOTHING`,
    [c.memberId, c.deviceId, c.day, c.eventId],
  );
  return r.changes === 1;
}

/** Whether the member checked in on `day`, at `deviceId` or (without one) at any device. */
export async function hasCheckedIn(
  db: Queryable,
  memberId: string,
  day: string,
  deviceId?: string,
): Promise<boolean> {
  const row = deviceId
    ? await db.get('SELECT 1 FROM checkins WHERE member_id = ? AND day = ? AND device_id = ?', [
        memberId,
        day,
        deviceId,
      ])
    : await db.get('SELECT 1 FROM checkins WHERE member_id = ? AND day = ?', [memberId, day]);
  return row !== undefined;
}
