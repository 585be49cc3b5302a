/**
 * The club day (YYYY-MM-DD) an instant falls on in the club's time zone. Daily limits follow the
 * store's calendar, not UTC: a 01:00 visit in Tehran belongs to that Tehran day.
 */
export function clubDay(at: Date, timeZone: string): string {
  // en-CA formats dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(at);
}
