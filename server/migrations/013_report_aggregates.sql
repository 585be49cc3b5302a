-- Pre-aggregated KPI figures, kept by triggers, so the dashboard reads a few thousand rows for any
-- range instead of grouping millions of purchases (scripts/src/bench/console.ts measures it).
--
-- Club days: rows are filed under the club day of their time, at the UTC offset in report_clock.
-- The migration files them at +210 minutes (Asia/Tehran, the default CLUB_TIMEZONE); at start the
-- server re-files everything if CLUB_TIMEZONE has another offset (reports/aggregates.ts, which
-- re-runs the statements between the BACKFILL markers below), and the dashboard falls back to the
-- raw rows for a range whose offset differs from the one stored.
CREATE TABLE report_clock (
  id             INTEGER PRIMARY KEY CHECK (id = 1),
  offset_minutes INTEGER NOT NULL
) STRICT;
INSERT INTO report_clock (id, offset_minutes) VALUES (1, 210);

-- Member purchases (gross, and refunds filed under the purchase's day) and non-member sales per
-- club day and store.
CREATE TABLE daily_sales (
  day               TEXT NOT NULL,
  store_id          TEXT NOT NULL,
  purchases         INTEGER NOT NULL DEFAULT 0,
  amount_minor      INTEGER NOT NULL DEFAULT 0,
  refunded_minor    INTEGER NOT NULL DEFAULT 0,
  anon_sales        INTEGER NOT NULL DEFAULT 0,
  anon_amount_minor INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (day, store_id)
) STRICT, WITHOUT ROWID;

-- Sign-ups per club day; referred = those with a referrer at sign-up.
CREATE TABLE daily_signups (
  day      TEXT PRIMARY KEY,
  members  INTEGER NOT NULL DEFAULT 0,
  referred INTEGER NOT NULL DEFAULT 0
) STRICT, WITHOUT ROWID;

-- Applied kiosk events per club day, device and type.
CREATE TABLE daily_kiosk (
  day       TEXT NOT NULL,
  device_id TEXT NOT NULL,
  type      TEXT NOT NULL,
  events    INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (day, device_id, type)
) STRICT, WITHOUT ROWID;

-- Distinct members over a range cannot be summed from daily counts. Instead every member keeps a
-- chain of marks per store ('' = all stores): kind 'a' one per club day they bought or checked in
-- (pos = the day), kind 'p' one per club day they bought plus a second for the day's second
-- purchase (pos = day#1, day#2). activity_gaps counts marks by (day, the day of the member's
-- previous mark) — kind 'p2': of the mark before that. A member is in a range [from, to] exactly
-- once with a previous mark before `from`, so for marks in the range:
--   active members = Σ 'a' with prev_day < from;   buyers = Σ 'p' with prev_day < from;
--   buyers with ≥ 2 purchases = Σ 'p2' with prev_day < from − buyers
-- (a second mark in the range has its previous one in it, its previous-but-one before it).
-- prev_day '' = no previous mark; it sorts before every day.
CREATE TABLE activity_marks (
  member_id TEXT NOT NULL,
  store_id  TEXT NOT NULL,
  kind      TEXT NOT NULL CHECK (kind IN ('a', 'p')),
  pos       TEXT NOT NULL,
  PRIMARY KEY (member_id, store_id, kind, pos)
) STRICT, WITHOUT ROWID;
CREATE TABLE activity_gaps (
  store_id TEXT NOT NULL,
  kind     TEXT NOT NULL CHECK (kind IN ('a', 'p', 'p2')),
  day      TEXT NOT NULL,
  prev_day TEXT NOT NULL,
  n        INTEGER NOT NULL,
  PRIMARY KEY (store_id, kind, day, prev_day)
) STRICT, WITHOUT ROWID;

-- BACKFILL BEGIN
INSERT INTO daily_sales (day, store_id, purchases, amount_minor, refunded_minor)
  SELECT date(created_at, (SELECT offset_minutes FROM report_clock) || ' minutes'), store_id, count(*), sum(amount_minor), sum(refunded_minor)
  FROM purchases GROUP BY 1, 2;
INSERT INTO daily_sales (day, store_id, anon_sales, anon_amount_minor)
  SELECT date(created_at, (SELECT offset_minutes FROM report_clock) || ' minutes'), store_id, count(*), sum(amount_minor)
  FROM anonymous_sales GROUP BY 1, 2 HAVING true
  ON CONFLICT (day, store_id) DO UPDATE SET anon_sales = excluded.anon_sales, anon_amount_minor = excluded.anon_amount_minor;
INSERT INTO daily_signups (day, members, referred)
  SELECT date(created_at, (SELECT offset_minutes FROM report_clock) || ' minutes'), count(*), count(referred_by) FROM members GROUP BY 1;
INSERT INTO daily_kiosk (day, device_id, type, events)
  SELECT date(processed_at, (SELECT offset_minutes FROM report_clock) || ' minutes'), device_id, type, count(*)
  FROM processed_events WHERE status = 'applied' GROUP BY 1, 2, 3;
WITH d AS (
  SELECT member_id, store_id, date(created_at, (SELECT offset_minutes FROM report_clock) || ' minutes') AS day, count(*) AS n
  FROM purchases GROUP BY 1, 2, 3
), ks(k) AS (VALUES (1), (2))
INSERT INTO activity_marks (member_id, store_id, kind, pos)
  SELECT member_id, store_id, 'p', day || '#' || k FROM d JOIN ks ON k <= n
  UNION ALL
  SELECT member_id, '', 'p', day || '#' || k FROM (SELECT member_id, day, sum(n) AS n FROM d GROUP BY 1, 2) JOIN ks ON k <= n;
INSERT OR IGNORE INTO activity_marks (member_id, store_id, kind, pos)
  SELECT member_id, store_id, 'a', substr(pos, 1, 10) FROM activity_marks WHERE kind = 'p' AND substr(pos, 11) = '#1';
INSERT OR IGNORE INTO activity_marks (member_id, store_id, kind, pos)
  SELECT c.member_id, '', 'a', c.day FROM checkins c
  UNION ALL
  SELECT c.member_id, d.store, 'a', c.day FROM checkins c JOIN devices d ON d.id = c.device_id WHERE d.store IS NOT NULL;
INSERT INTO activity_gaps (store_id, kind, day, prev_day, n)
  SELECT store_id, kind, substr(pos, 1, 10), coalesce(substr(p1, 1, 10), ''), count(*) FROM (
    SELECT store_id, kind, pos, lag(pos) OVER (PARTITION BY member_id, store_id, kind ORDER BY pos) AS p1 FROM activity_marks
  ) GROUP BY 1, 2, 3, 4;
INSERT INTO activity_gaps (store_id, kind, day, prev_day, n)
  SELECT store_id, 'p2', substr(pos, 1, 10), coalesce(substr(p2, 1, 10), ''), count(*) FROM (
    SELECT store_id, pos, lag(pos, 2) OVER (PARTITION BY member_id, store_id ORDER BY pos) AS p2 FROM activity_marks WHERE kind = 'p'
  ) GROUP BY 1, 2, 3, 4;
-- BACKFILL END

-- Each trigger below is a handful of primary-key upserts; the purchase path is the hot one.
CREATE TRIGGER report_purchase AFTER INSERT ON purchases BEGIN
  INSERT INTO daily_sales (day, store_id, purchases, amount_minor)
  VALUES (date(NEW.created_at, (SELECT offset_minutes FROM report_clock) || ' minutes'), NEW.store_id, 1, NEW.amount_minor)
  ON CONFLICT (day, store_id) DO UPDATE SET purchases = purchases + 1, amount_minor = amount_minor + excluded.amount_minor;
  -- The day's second purchase is marked only once its first is; a third changes nothing.
  INSERT OR IGNORE INTO activity_marks (member_id, store_id, kind, pos)
  SELECT NEW.member_id, c.store_id, 'p', t.day || '#2'
  FROM (SELECT date(NEW.created_at, (SELECT offset_minutes FROM report_clock) || ' minutes') AS day) t,
       (SELECT '' AS store_id UNION ALL SELECT NEW.store_id) c
  WHERE EXISTS (SELECT 1 FROM activity_marks m
                WHERE m.member_id = NEW.member_id AND m.store_id = c.store_id AND m.kind = 'p' AND m.pos = t.day || '#1');
  INSERT OR IGNORE INTO activity_marks (member_id, store_id, kind, pos)
  SELECT NEW.member_id, c.store_id, k.kind, t.day || k.suffix
  FROM (SELECT date(NEW.created_at, (SELECT offset_minutes FROM report_clock) || ' minutes') AS day) t,
       (SELECT '' AS store_id UNION ALL SELECT NEW.store_id) c,
       (SELECT 'p' AS kind, '#1' AS suffix UNION ALL SELECT 'a', '') k;
END;

CREATE TRIGGER report_refund AFTER UPDATE OF refunded_minor ON purchases
WHEN NEW.refunded_minor <> OLD.refunded_minor BEGIN
  UPDATE daily_sales SET refunded_minor = refunded_minor + (NEW.refunded_minor - OLD.refunded_minor)
  WHERE day = date(NEW.created_at, (SELECT offset_minutes FROM report_clock) || ' minutes') AND store_id = NEW.store_id;
END;

CREATE TRIGGER report_anonymous_sale AFTER INSERT ON anonymous_sales BEGIN
  INSERT INTO daily_sales (day, store_id, anon_sales, anon_amount_minor)
  VALUES (date(NEW.created_at, (SELECT offset_minutes FROM report_clock) || ' minutes'), NEW.store_id, 1, NEW.amount_minor)
  ON CONFLICT (day, store_id) DO UPDATE SET anon_sales = anon_sales + 1, anon_amount_minor = anon_amount_minor + excluded.anon_amount_minor;
END;

CREATE TRIGGER report_signup AFTER INSERT ON members BEGIN
  INSERT INTO daily_signups (day, members, referred)
  VALUES (date(NEW.created_at, (SELECT offset_minutes FROM report_clock) || ' minutes'), 1, NEW.referred_by IS NOT NULL)
  ON CONFLICT (day) DO UPDATE SET members = members + 1, referred = referred + excluded.referred;
END;

CREATE TRIGGER report_kiosk_event AFTER INSERT ON processed_events WHEN NEW.status = 'applied' BEGIN
  INSERT INTO daily_kiosk (day, device_id, type, events)
  VALUES (date(NEW.processed_at, (SELECT offset_minutes FROM report_clock) || ' minutes'), NEW.device_id, NEW.type, 1)
  ON CONFLICT (day, device_id, type) DO UPDATE SET events = events + 1;
END;

-- A check-in is activity at the store its kiosk is in (as the kiosk was placed at the time).
CREATE TRIGGER report_checkin AFTER INSERT ON checkins BEGIN
  INSERT OR IGNORE INTO activity_marks (member_id, store_id, kind, pos)
  SELECT NEW.member_id, '', 'a', NEW.day
  UNION ALL
  SELECT NEW.member_id, store, 'a', NEW.day FROM devices WHERE id = NEW.device_id AND store IS NOT NULL;
END;

-- A new mark counts under its own day with the member's previous mark (and, for purchases, the
-- one before that).
CREATE TRIGGER activity_marks_count AFTER INSERT ON activity_marks BEGIN
  INSERT INTO activity_gaps (store_id, kind, day, prev_day, n)
  SELECT NEW.store_id, g.kind, substr(NEW.pos, 1, 10), coalesce(substr(CASE g.kind WHEN 'p2' THEN x.p2 ELSE x.p1 END, 1, 10), ''), 1
  FROM (SELECT y.p1, CASE WHEN NEW.kind = 'p' THEN
          (SELECT max(pos) FROM activity_marks WHERE member_id = NEW.member_id AND store_id = NEW.store_id AND kind = NEW.kind AND pos < y.p1) END AS p2
        FROM (SELECT (SELECT max(pos) FROM activity_marks WHERE member_id = NEW.member_id AND store_id = NEW.store_id AND kind = NEW.kind AND pos < NEW.pos) AS p1) y) x,
       (SELECT NEW.kind AS kind UNION ALL SELECT 'p2' WHERE NEW.kind = 'p') g
  WHERE true
  ON CONFLICT (store_id, kind, day, prev_day) DO UPDATE SET n = n + excluded.n;
END;

-- A mark filed before later ones (a late or back-dated row) becomes the previous mark of the next
-- one, and for purchases the previous-but-one of the next two: their counts move. Rows arriving
-- in time order never get here.
CREATE TRIGGER activity_marks_reorder AFTER INSERT ON activity_marks
WHEN EXISTS (SELECT 1 FROM activity_marks WHERE member_id = NEW.member_id AND store_id = NEW.store_id AND kind = NEW.kind AND pos > NEW.pos) BEGIN
  INSERT INTO activity_gaps (store_id, kind, day, prev_day, n)
  SELECT NEW.store_id, m.kind, substr(m.at, 1, 10), coalesce(substr(m.prev, 1, 10), ''), m.delta
  FROM (
    SELECT i,
      CASE WHEN i <= 2 THEN NEW.kind ELSE 'p2' END AS kind,
      CASE WHEN i <= 4 THEN x.n1 ELSE x.n2 END AS at,
      CASE i WHEN 1 THEN x.p1 WHEN 2 THEN NEW.pos WHEN 3 THEN x.p2 WHEN 4 THEN x.p1 WHEN 5 THEN x.p1 ELSE NEW.pos END AS prev,
      CASE WHEN i % 2 = 1 THEN -1 ELSE 1 END AS delta
    FROM (SELECT y.p1, y.n1,
            (SELECT max(pos) FROM activity_marks WHERE member_id = NEW.member_id AND store_id = NEW.store_id AND kind = NEW.kind AND pos < y.p1) AS p2,
            (SELECT min(pos) FROM activity_marks WHERE member_id = NEW.member_id AND store_id = NEW.store_id AND kind = NEW.kind AND pos > y.n1) AS n2
          FROM (SELECT (SELECT max(pos) FROM activity_marks WHERE member_id = NEW.member_id AND store_id = NEW.store_id AND kind = NEW.kind AND pos < NEW.pos) AS p1,
                       (SELECT min(pos) FROM activity_marks WHERE member_id = NEW.member_id AND store_id = NEW.store_id AND kind = NEW.kind AND pos > NEW.pos) AS n1) y) x,
         (SELECT 1 AS i UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6) ix
    WHERE i <= 2 OR (NEW.kind = 'p' AND (i <= 4 OR x.n2 IS NOT NULL))
  ) m
  WHERE true
  ON CONFLICT (store_id, kind, day, prev_day) DO UPDATE SET n = n + excluded.n;
END;
