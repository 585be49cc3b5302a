-- Operator console: member search and segments, per-member statistics kept by triggers, saved
-- segments, versioned club settings, reward images, campaigns, the message log, and sales to
-- shoppers who are not members (for the member vs non-member basket).

-- Contact details and consent for messages. lang picks the template language.
ALTER TABLE members ADD COLUMN email TEXT CHECK (email IS NULL OR (length(email) <= 254 AND email LIKE '%_@_%'));
ALTER TABLE members ADD COLUMN lang TEXT NOT NULL DEFAULT 'fa' CHECK (lang IN ('fa', 'en'));
-- Set when a member asked for no messages at all (marketing consent alone covers promotions).
ALTER TABLE members ADD COLUMN messages_opt_out_at TEXT;

CREATE INDEX members_created ON members (created_at);
CREATE INDEX members_tier ON members (tier);
CREATE INDEX members_name ON members (display_name);

-- Substring search on names (trigram: "ezae" finds "Rezaei"), kept in step with members by triggers.
CREATE VIRTUAL TABLE members_fts USING fts5 (display_name, content = 'members', content_rowid = 'rowid', tokenize = 'trigram');
INSERT INTO members_fts (rowid, display_name) SELECT rowid, display_name FROM members;
CREATE TRIGGER members_fts_insert AFTER INSERT ON members BEGIN
  INSERT INTO members_fts (rowid, display_name) VALUES (NEW.rowid, NEW.display_name);
END;
CREATE TRIGGER members_fts_delete AFTER DELETE ON members BEGIN
  INSERT INTO members_fts (members_fts, rowid, display_name) VALUES ('delete', OLD.rowid, OLD.display_name);
END;
CREATE TRIGGER members_fts_update AFTER UPDATE OF display_name ON members BEGIN
  INSERT INTO members_fts (members_fts, rowid, display_name) VALUES ('delete', OLD.rowid, OLD.display_name);
  INSERT INTO members_fts (rowid, display_name) VALUES (NEW.rowid, NEW.display_name);
END;

-- One row per member, moved by triggers on purchases, refunds and check-ins, so segment filters
-- and counts read one narrow indexed table instead of aggregating millions of purchases.
-- visits = purchases + check-ins. The rfm_* columns are written by the RFM job (reports/rfm.ts).
CREATE TABLE member_stats (
  member_id         TEXT PRIMARY KEY REFERENCES members (id),
  purchases         INTEGER NOT NULL DEFAULT 0,
  spend_minor       INTEGER NOT NULL DEFAULT 0,
  visits            INTEGER NOT NULL DEFAULT 0,
  first_purchase_at TEXT,
  last_purchase_at  TEXT,
  last_visit_at     TEXT,
  rfm_r             INTEGER,
  rfm_f             INTEGER,
  rfm_m             INTEGER,
  rfm_segment       TEXT,
  churn_risk        REAL,
  rfm_at            TEXT
) STRICT, WITHOUT ROWID;
CREATE INDEX member_stats_spend ON member_stats (spend_minor);
CREATE INDEX member_stats_visits ON member_stats (visits);
CREATE INDEX member_stats_last_visit ON member_stats (last_visit_at);
CREATE INDEX member_stats_segment ON member_stats (rfm_segment);

-- Stores a member bought at, and categories they bought.
CREATE TABLE member_stores (
  store_id  TEXT NOT NULL,
  member_id TEXT NOT NULL,
  PRIMARY KEY (store_id, member_id)
) STRICT, WITHOUT ROWID;
CREATE TABLE member_categories (
  category  TEXT NOT NULL,
  member_id TEXT NOT NULL,
  PRIMARY KEY (category, member_id)
) STRICT, WITHOUT ROWID;

INSERT INTO member_stats (member_id) SELECT id FROM members;
UPDATE member_stats SET
  purchases = (SELECT count(*) FROM purchases p WHERE p.member_id = member_stats.member_id),
  spend_minor = (SELECT coalesce(sum(amount_minor - refunded_minor), 0) FROM purchases p WHERE p.member_id = member_stats.member_id),
  first_purchase_at = (SELECT min(created_at) FROM purchases p WHERE p.member_id = member_stats.member_id),
  last_purchase_at = (SELECT max(created_at) FROM purchases p WHERE p.member_id = member_stats.member_id);
UPDATE member_stats SET
  visits = purchases + (SELECT count(*) FROM checkins c WHERE c.member_id = member_stats.member_id),
  last_visit_at = (SELECT max(v) FROM (SELECT last_purchase_at AS v UNION ALL
    SELECT max(day) || 'T00:00:00.000Z' FROM checkins c WHERE c.member_id = member_stats.member_id));
INSERT OR IGNORE INTO member_stores (store_id, member_id) SELECT store_id, member_id FROM purchases;
INSERT OR IGNORE INTO member_categories (category, member_id)
  SELECT coalesce(json_extract(j.value, '$.category'), 'general'), p.member_id FROM purchases p, json_each(p.lines) j;
INSERT OR IGNORE INTO member_categories (category, member_id)
  SELECT 'general', member_id FROM purchases WHERE json_array_length(lines) = 0;

CREATE TRIGGER member_stats_new_member AFTER INSERT ON members BEGIN
  INSERT OR IGNORE INTO member_stats (member_id) VALUES (NEW.id);
END;

CREATE TRIGGER member_stats_purchase AFTER INSERT ON purchases BEGIN
  INSERT INTO member_stats (member_id, purchases, spend_minor, visits, first_purchase_at, last_purchase_at, last_visit_at)
  VALUES (NEW.member_id, 1, NEW.amount_minor, 1, NEW.created_at, NEW.created_at, NEW.created_at)
  ON CONFLICT (member_id) DO UPDATE SET
    purchases = purchases + 1,
    spend_minor = spend_minor + excluded.spend_minor,
    visits = visits + 1,
    first_purchase_at = coalesce(min(first_purchase_at, excluded.first_purchase_at), excluded.first_purchase_at),
    last_purchase_at = coalesce(max(last_purchase_at, excluded.last_purchase_at), excluded.last_purchase_at),
    last_visit_at = coalesce(max(last_visit_at, excluded.last_visit_at), excluded.last_visit_at);
  INSERT OR IGNORE INTO member_stores (store_id, member_id) VALUES (NEW.store_id, NEW.member_id);
  INSERT OR IGNORE INTO member_categories (category, member_id)
    SELECT coalesce(json_extract(value, '$.category'), 'general'), NEW.member_id FROM json_each(NEW.lines);
  INSERT OR IGNORE INTO member_categories (category, member_id)
    SELECT 'general', NEW.member_id WHERE json_array_length(NEW.lines) = 0;
END;

CREATE TRIGGER member_stats_refund AFTER UPDATE OF refunded_minor ON purchases
WHEN NEW.refunded_minor <> OLD.refunded_minor BEGIN
  UPDATE member_stats SET spend_minor = spend_minor - (NEW.refunded_minor - OLD.refunded_minor)
  WHERE member_id = NEW.member_id;
END;

-- A check-in counts as a visit on its club day (the table keeps the day, not the time).
CREATE TRIGGER member_stats_checkin AFTER INSERT ON checkins BEGIN
  INSERT INTO member_stats (member_id, visits, last_visit_at) VALUES (NEW.member_id, 1, NEW.day || 'T00:00:00.000Z')
  ON CONFLICT (member_id) DO UPDATE SET
    visits = visits + 1,
    last_visit_at = coalesce(max(last_visit_at, excluded.last_visit_at), excluded.last_visit_at);
END;

-- Date-range reads for the dashboard.
CREATE INDEX purchases_created ON purchases (created_at, store_id, member_id, amount_minor);
CREATE INDEX checkins_day ON checkins (day, device_id);
CREATE INDEX vouchers_issued ON vouchers (issued_at);
CREATE INDEX processed_events_at ON processed_events (processed_at);

-- Points moved per quarter hour (UTC) and kind, kept by a trigger: the dashboard's earn/redeem
-- figures over any range read a few thousand rows instead of millions of ledger rows. Quarter
-- hours so that a club day starts on a slot boundary in every real time zone (Tehran is +03:30).
CREATE TABLE ledger_slots (
  slot   TEXT NOT NULL,
  kind   TEXT NOT NULL,
  points INTEGER NOT NULL,
  n      INTEGER NOT NULL,
  PRIMARY KEY (slot, kind)
) STRICT, WITHOUT ROWID;
INSERT INTO ledger_slots (slot, kind, points, n)
  SELECT substr(created_at, 1, 14) || printf('%02d', CAST(substr(created_at, 15, 2) AS INTEGER) / 15 * 15), kind, sum(points), count(*)
  FROM points_ledger GROUP BY 1, 2;
CREATE TRIGGER ledger_slots_insert AFTER INSERT ON points_ledger BEGIN
  INSERT INTO ledger_slots (slot, kind, points, n)
  VALUES (substr(NEW.created_at, 1, 14) || printf('%02d', CAST(substr(NEW.created_at, 15, 2) AS INTEGER) / 15 * 15), NEW.kind, NEW.points, 1)
  ON CONFLICT (slot, kind) DO UPDATE SET points = points + excluded.points, n = n + 1;
END;

CREATE TABLE saved_segments (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 80),
  filter     TEXT NOT NULL CHECK (json_valid(filter)),
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL
) STRICT;

-- Club settings beyond the earn rules (offline redemption policy, messaging, point value): every
-- change a new version, the highest live, like rule_sets.
CREATE TABLE club_settings (
  version    INTEGER PRIMARY KEY,
  settings   TEXT NOT NULL CHECK (json_valid(settings)),
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL
) STRICT;

ALTER TABLE rewards ADD COLUMN image TEXT;

-- Sales to shoppers without a card, sent by the POS, so the member basket has something to compare with.
CREATE TABLE anonymous_sales (
  store_id     TEXT NOT NULL,
  receipt_id   TEXT NOT NULL,
  amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
  created_at   TEXT NOT NULL,
  PRIMARY KEY (store_id, receipt_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX anonymous_sales_created ON anonymous_sales (created_at, store_id, amount_minor);

CREATE TABLE campaigns (
  id           INTEGER PRIMARY KEY,
  name         TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
  segment      TEXT NOT NULL CHECK (json_valid(segment)),
  action       TEXT NOT NULL CHECK (json_valid(action)),
  status       TEXT NOT NULL CHECK (status IN ('scheduled', 'running', 'done', 'cancelled')),
  scheduled_at TEXT NOT NULL,
  started_at   TEXT,
  finished_at  TEXT,
  created_by   TEXT NOT NULL,
  created_at   TEXT NOT NULL
) STRICT;
CREATE INDEX campaigns_due ON campaigns (scheduled_at) WHERE status = 'scheduled';

-- Who a campaign reached; code is the member's own discount code when the campaign gives one.
CREATE TABLE campaign_members (
  campaign_id INTEGER NOT NULL REFERENCES campaigns (id),
  member_id   TEXT NOT NULL REFERENCES members (id),
  code        TEXT UNIQUE,
  at          TEXT NOT NULL,
  redeemed_at TEXT,
  redeemed_store TEXT,
  redeemed_receipt TEXT,
  PRIMARY KEY (campaign_id, member_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX campaign_members_member ON campaign_members (member_id);

-- Every message the club sends or decided not to send, with its delivery result.
CREATE TABLE message_log (
  id              INTEGER PRIMARY KEY,
  member_id       TEXT REFERENCES members (id),
  channel         TEXT NOT NULL CHECK (channel IN ('sms', 'email')),
  kind            TEXT NOT NULL,
  recipient       TEXT NOT NULL,
  body            TEXT NOT NULL,
  subject         TEXT,
  status          TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'failed', 'skipped')),
  reason          TEXT,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT,
  provider        TEXT,
  provider_ref    TEXT,
  campaign_id     INTEGER,
  dedupe_key      TEXT UNIQUE,
  created_at      TEXT NOT NULL,
  sent_at         TEXT
) STRICT;
CREATE INDEX message_log_member ON message_log (member_id, id);
CREATE INDEX message_log_due ON message_log (next_attempt_at) WHERE status = 'queued';
