// Building an Intl.DateTimeFormat costs far more than using one (it loads locale and zone data);
// the engine asks for club days on every purchase and check-in, so keep one per zone.
const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * The club day (YYYY-MM-DD) an instant falls on in the club's time zone. Daily limits follow the
 * store's calendar, not UTC: a 01:00 visit in Tehran belongs to that Tehran day.
 */
export function clubDay(at: Date, timeZone: string): string {
  let f = formatters.get(timeZone);
  if (!f) {
    // en-CA formats dates as YYYY-MM-DD.
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, f);
  }
  return f.format(at);
}
