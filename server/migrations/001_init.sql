-- Walking-skeleton schema: members and cards, the append-only points ledger with its materialised
-- balances, the exactly-once event log, daily check-ins and the device fleet.
-- Times are ISO 8601 UTC strings; points are integers. STRICT tables refuse wrongly typed values.

CREATE TABLE members (
  id           TEXT PRIMARY KEY,
  number       INTEGER NOT NULL UNIQUE CHECK (number > 0),
  display_name TEXT NOT NULL CHECK (length(display_name) BETWEEN 1 AND 80),
  phone        TEXT UNIQUE,
  tier         TEXT NOT NULL DEFAULT 'bronze' CHECK (tier IN ('bronze', 'silver', 'gold', 'platinum')),
  created_at   TEXT NOT NULL
) STRICT;

CREATE TABLE cards (
  uid       TEXT PRIMARY KEY,
  member_id TEXT NOT NULL REFERENCES members (id),
  status    TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'blocked')),
  issued_at TEXT NOT NULL
) STRICT;
CREATE INDEX cards_member ON cards (member_id);

-- Never updated or deleted: a correction is a new 'adjust' or 'reverse' row, so the history of
-- every balance can always be replayed and audited.
CREATE TABLE points_ledger (
  id         INTEGER PRIMARY KEY,
  member_id  TEXT NOT NULL REFERENCES members (id),
  kind       TEXT NOT NULL CHECK (kind IN ('earn', 'redeem', 'expire', 'adjust', 'reverse')),
  points     INTEGER NOT NULL,
  cause      TEXT NOT NULL,
  event_id   TEXT,
  device_id  TEXT,
  created_at TEXT NOT NULL
) STRICT;
CREATE INDEX points_ledger_member ON points_ledger (member_id, id);
CREATE INDEX points_ledger_event ON points_ledger (event_id) WHERE event_id IS NOT NULL;

CREATE TRIGGER points_ledger_no_update BEFORE UPDATE ON points_ledger
BEGIN
  SELECT RAISE(ABORT, 'points_ledger is append-only: record a reverse or adjust entry instead');
END;

CREATE TRIGGER points_ledger_no_delete BEFORE DELETE ON points_ledger
BEGIN
  SELECT RAISE(ABORT, 'points_ledger is append-only: record a reverse or adjust entry instead');
END;

-- The sum of a member's ledger rows, written in the same transaction as each row.
CREATE TABLE balances (
  member_id  TEXT PRIMARY KEY REFERENCES members (id),
  points     INTEGER NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;

-- One row per event id ever seen, applied or rejected, written in the same transaction as the
-- event's effects: this is what makes a redelivered event a no-op.
CREATE TABLE processed_events (
  event_id     TEXT PRIMARY KEY,
  device_id    TEXT NOT NULL,
  type         TEXT NOT NULL,
  status       TEXT NOT NULL CHECK (status IN ('applied', 'rejected')),
  processed_at TEXT NOT NULL,
  result       TEXT NOT NULL CHECK (json_valid(result))
) STRICT;

CREATE TABLE checkins (
  member_id TEXT NOT NULL REFERENCES members (id),
  device_id TEXT NOT NULL,
  day       TEXT NOT NULL,
  event_id  TEXT NOT NULL,
  PRIMARY KEY (member_id, device_id, day)
) STRICT;

CREATE TABLE devices (
  id            TEXT PRIMARY KEY,
  name          TEXT,
  status        TEXT NOT NULL DEFAULT 'offline' CHECK (status IN ('online', 'offline')),
  last_seen     TEXT,
  agent_version TEXT
) STRICT;
