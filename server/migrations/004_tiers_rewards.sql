-- Tier history, the rewards catalog, vouchers and the club's signing key.

CREATE TABLE tier_changes (
  id        INTEGER PRIMARY KEY,
  member_id TEXT NOT NULL REFERENCES members (id),
  from_tier TEXT NOT NULL,
  to_tier   TEXT NOT NULL,
  -- 'upgrade': reached a threshold (applied at once); 'requalify': the periodic review.
  reason    TEXT NOT NULL CHECK (reason IN ('upgrade', 'requalify', 'operator')),
  total     INTEGER NOT NULL,
  at        TEXT NOT NULL
) STRICT;
CREATE INDEX tier_changes_member ON tier_changes (member_id, id);

CREATE TABLE rewards (
  id               TEXT PRIMARY KEY,
  name_fa          TEXT NOT NULL,
  name_en          TEXT NOT NULL,
  points_cost      INTEGER NOT NULL CHECK (points_cost > 0),
  -- NULL: unlimited.
  stock            INTEGER CHECK (stock IS NULL OR stock >= 0),
  valid_from       TEXT,
  valid_to         TEXT,
  min_tier         TEXT CHECK (min_tier IS NULL OR min_tier IN ('bronze', 'silver', 'gold', 'platinum')),
  per_member_limit INTEGER CHECK (per_member_limit IS NULL OR per_member_limit > 0),
  voucher_days     INTEGER NOT NULL DEFAULT 30 CHECK (voucher_days > 0),
  active           INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  created_at       TEXT NOT NULL
) STRICT;
CREATE INDEX rewards_cost ON rewards (points_cost) WHERE active = 1;

CREATE TABLE vouchers (
  id               INTEGER PRIMARY KEY,
  code             TEXT NOT NULL UNIQUE,
  reward_id        TEXT NOT NULL REFERENCES rewards (id),
  member_id        TEXT NOT NULL REFERENCES members (id),
  points           INTEGER NOT NULL CHECK (points > 0),
  redeem_ledger_id INTEGER NOT NULL REFERENCES points_ledger (id),
  status           TEXT NOT NULL DEFAULT 'issued' CHECK (status IN ('issued', 'used', 'cancelled')),
  issued_at        TEXT NOT NULL,
  expires_at       TEXT NOT NULL,
  used_at          TEXT,
  used_store       TEXT,
  used_receipt     TEXT,
  cancelled_at     TEXT,
  cancel_ledger_id INTEGER REFERENCES points_ledger (id),
  -- The caller's idempotency key ('event:<id>' from a kiosk, 'http:<id>' from the API).
  request_key      TEXT UNIQUE,
  device_id        TEXT
) STRICT;
CREATE INDEX vouchers_member ON vouchers (member_id, reward_id, status);

CREATE TABLE signing_keys (
  id          INTEGER PRIMARY KEY,
  public_pem  TEXT NOT NULL,
  private_pem TEXT NOT NULL,
  created_at  TEXT NOT NULL
) STRICT;

-- One answer per member and survey (the first counts; the bonus is paid once).
CREATE TABLE survey_answers (
  member_id TEXT NOT NULL REFERENCES members (id),
  survey_id TEXT NOT NULL,
  answer    TEXT NOT NULL,
  event_id  TEXT,
  device_id TEXT,
  at        TEXT NOT NULL,
  PRIMARY KEY (member_id, survey_id)
) STRICT, WITHOUT ROWID;
