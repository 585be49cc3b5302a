import { z } from 'zod';
import type { Queryable } from '../db/sqlite.js';

const HourMinute = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time HH:MM (24 h)');

/**
 * Club settings outside the earn rules: what a point is worth (for the liability figure), the
 * offline redemption policy kiosks enforce while the link is down, and when and which automatic
 * messages go out. Versioned in club_settings like rule_sets.
 */
export const ClubSettings = z
  .object({
    /** Money value of one point in minor units (Rial), for points liability. */
    pointValueMinor: z.number().int().min(0).max(10_000_000),
    offline: z
      .object({
        /** Most points one card may spend per club day while the kiosk is offline; 0 = no offline redemption. */
        dailyPointsCap: z.number().int().min(0).max(1_000_000),
      })
      .strict(),
    messages: z
      .object({
        /** No marketing or reminder message is delivered between start and end (club time); they wait. */
        quietHours: z.object({ start: HourMinute, end: HourMinute }).strict().nullable(),
        welcome: z.boolean(),
        pointsEarned: z.boolean(),
        voucherCode: z.boolean(),
        birthday: z.boolean(),
        /** Remind this many days before points expire; 0 = no reminder. */
        expiryReminderDays: z.number().int().min(0).max(90),
        /** Win-back message to members in the at-risk RFM segments, at most once per this many days; 0 = off. */
        winBackEveryDays: z.number().int().min(0).max(365),
      })
      .strict(),
    /** RFM looks at purchases in this many days. */
    rfmWindowDays: z.number().int().min(30).max(3660),
  })
  .strict();
export type ClubSettings = z.infer<typeof ClubSettings>;

export const DEFAULT_CLUB_SETTINGS: ClubSettings = {
  pointValueMinor: 1_000,
  offline: { dailyPointsCap: 500 },
  messages: {
    quietHours: { start: '22:00', end: '08:00' },
    welcome: true,
    pointsEarned: false,
    voucherCode: true,
    birthday: true,
    expiryReminderDays: 14,
    winBackEveryDays: 60,
  },
  rfmWindowDays: 365,
};

export interface VersionedSettings {
  version: number;
  settings: ClubSettings;
  createdBy: string | null;
  createdAt: string | null;
}

export async function activeClubSettings(db: Queryable): Promise<VersionedSettings> {
  const row = await db.get<{ version: number; settings: string; created_by: string; created_at: string }>(
    'SELECT version, settings, created_by, created_at FROM club_settings ORDER BY version DESC LIMIT 1',
  );
  if (!row) return { version: 0, settings: DEFAULT_CLUB_SETTINGS, createdBy: null, createdAt: null };
  return {
    version: row.version,
    settings: ClubSettings.parse(JSON.parse(row.settings)),
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}

export async function saveClubSettings(
  db: Queryable,
  settings: ClubSettings,
  by: string,
  now: Date,
): Promise<number> {
  return db.transaction(async () => {
    const v =
      ((await db.get<{ v: number | null }>('SELECT max(version) AS v FROM club_settings'))?.v ?? 0) + 1;
    await db.run(
      'INSERT INTO club_settings (version, settings, created_by, created_at) VALUES (?, ?, ?, ?)',
      [v, JSON.stringify(settings), by, now.toISOString()],
    );
    return v;
  });
}

export async function clubSettingsVersion(db: Queryable, version: number): Promise<ClubSettings | undefined> {
  const row = await db.get<{ settings: string }>('SELECT settings FROM club_settings WHERE version = ?', [
    version,
  ]);
  return row ? ClubSettings.parse(JSON.parse(row.settings)) : undefined;
}

export function listClubSettingsVersions(db: Queryable) {
  return db.all<{ version: number; createdBy: string; createdAt: string }>(
    'SELECT version, created_by AS createdBy, created_at AS createdAt FROM club_settings ORDER BY version DESC',
  );
}
