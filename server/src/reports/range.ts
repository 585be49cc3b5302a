import { z } from 'zod';

/** A report's period: club days from..to inclusive, optionally one store. */
export const ReportRange = z
  .object({
    from: z.iso.date(),
    to: z.iso.date(),
    store: z.string().min(1).max(80).optional(),
  })
  .strict()
  .refine((r) => r.from <= r.to, { message: 'from must be on or before to', path: ['to'] })
  .refine((r) => (Date.parse(r.to) - Date.parse(r.from)) / 86_400_000 <= 3660, {
    message: 'at most ten years',
    path: ['to'],
  });
export type ReportRange = z.infer<typeof ReportRange>;

/** The zone's offset from UTC in minutes at an instant (Tehran: +210). */
export function offsetMinutes(timeZone: string, at: Date): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' }).formatToParts(at);
  const name = parts.find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /GMT([+-])(\d{2}):?(\d{2})?/.exec(name);
  if (!m) return 0;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0));
}

export interface Bounds {
  /** First instant of `from` in the club's zone, ISO UTC. */
  start: string;
  /** First instant after `to`. */
  end: string;
  /** SQLite modifier that turns a UTC ISO time into the club's local time, e.g. '+210 minutes'. */
  shift: string;
  offset: number;
}

/**
 * UTC bounds of a club-day range. One offset for the whole range (taken at its start): exact for
 * zones without daylight saving, such as Tehran since 2022.
 */
export function bounds(r: { from: string; to: string }, timeZone: string): Bounds {
  const offset = offsetMinutes(timeZone, new Date(`${r.from}T12:00:00Z`));
  const start = new Date(Date.parse(`${r.from}T00:00:00Z`) - offset * 60_000).toISOString();
  const end = new Date(Date.parse(`${r.to}T00:00:00Z`) + 86_400_000 - offset * 60_000).toISOString();
  return { start, end, shift: `${offset >= 0 ? '+' : ''}${offset} minutes`, offset };
}

/** The club day (YYYY-MM-DD) an instant falls on, at a UTC offset in minutes. */
export function clubDayAt(at: Date, offset: number): string {
  return new Date(at.getTime() + offset * 60_000).toISOString().slice(0, 10);
}

/** The first instant of a club day, ISO UTC. */
export function clubDayStart(day: string, offset: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) - offset * 60_000).toISOString();
}
