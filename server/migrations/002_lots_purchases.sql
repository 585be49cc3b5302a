-- Points lots (FIFO consumption, pending window, expiry), POS stores, purchases and refunds, the
-- versioned earn-rule configuration and once-only bonuses.

-- Every positive ledger entry opens one lot; every negative entry takes points out of lots and says
-- which in lot_consumptions. The sum of `remaining` over a member's lots equals their balance.
CREATE TABLE point_lots (
  id           INTEGER PRIMARY KEY,
  member_id    TEXT NOT NULL REFERENCES members (id),
  ledger_id    INTEGER NOT NULL REFERENCES points_ledger (id),
  points       INTEGER NOT NULL CHECK (points > 0),
  remaining    INTEGER NOT NULL CHECK (remaining >= 0 AND remaining <= points),
  earned_at    TEXT NOT NULL,
  -- Purchase points stay pending (not spendable) until the refund window has passed.
  available_at TEXT NOT NULL,
  -- NULL: never expires (opening balances carried over from before lots existed).
  expires_at   TEXT
) STRICT;
CREATE INDEX point_lots_open ON point_lots (member_id, earned_at, id) WHERE remaining > 0;
CREATE INDEX point_lots_due ON point_lots (expires_at) WHERE remaining > 0 AND expires_at IS NOT NULL;

CREATE TABLE lot_consumptions (
  ledger_id INTEGER NOT NULL REFERENCES points_ledger (id),
  lot_id    INTEGER NOT NULL REFERENCES point_lots (id),
  points    INTEGER NOT NULL CHECK (points > 0),
  PRIMARY KEY (ledger_id, lot_id)
) STRICT, WITHOUT ROWID;

-- Balances that existed before lots become one never-expiring lot each.
INSERT INTO point_lots (member_id, ledger_id, points, remaining, earned_at, available_at, expires_at)
SELECT b.member_id, (SELECT max(l.id) FROM points_ledger l WHERE l.member_id = b.member_id),
       b.points, b.points, b.updated_at, b.updated_at, NULL
FROM balances b WHERE b.points > 0;

-- The engine refuses overdrafts before writing; this is the last line if a bug ever tries one.
CREATE TRIGGER balances_never_negative BEFORE UPDATE ON balances WHEN NEW.points < 0
BEGIN
  SELECT RAISE(ABORT, 'balance would go negative: refuse the debit or take less');
END;

ALTER TABLE members ADD COLUMN birthday TEXT CHECK (birthday IS NULL OR birthday GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]');
ALTER TABLE members ADD COLUMN referred_by TEXT REFERENCES members (id);

-- POS stores; only a SHA-256 of the API key is kept, so a leaked database leaks no keys.
CREATE TABLE stores (
  id           TEXT PRIMARY KEY,
  name         TEXT NOT NULL,
  api_key_hash TEXT NOT NULL UNIQUE,
  created_at   TEXT NOT NULL
) STRICT;

CREATE TABLE purchases (
  id              INTEGER PRIMARY KEY,
  store_id        TEXT NOT NULL,
  receipt_id      TEXT NOT NULL,
  member_id       TEXT NOT NULL REFERENCES members (id),
  amount_minor    INTEGER NOT NULL CHECK (amount_minor > 0),
  currency        TEXT NOT NULL CHECK (length(currency) = 3),
  lines           TEXT NOT NULL CHECK (json_valid(lines)),
  staff_id        TEXT,
  -- Hash of the request as sent, so a replay is recognised and a different body with a reused
  -- receipt id is refused instead of silently answered with the first result.
  request_hash    TEXT NOT NULL,
  points          INTEGER NOT NULL CHECK (points >= 0),
  ledger_id       INTEGER REFERENCES points_ledger (id),
  lot_id          INTEGER REFERENCES point_lots (id),
  rules_version   INTEGER NOT NULL,
  breakdown       TEXT NOT NULL CHECK (json_valid(breakdown)),
  refunded_minor  INTEGER NOT NULL DEFAULT 0 CHECK (refunded_minor >= 0 AND refunded_minor <= amount_minor),
  points_reversed INTEGER NOT NULL DEFAULT 0 CHECK (points_reversed >= 0 AND points_reversed <= points),
  created_at      TEXT NOT NULL,
  UNIQUE (store_id, receipt_id)
) STRICT;
CREATE INDEX purchases_member ON purchases (member_id, created_at);

CREATE TABLE refunds (
  id              INTEGER PRIMARY KEY,
  store_id        TEXT NOT NULL,
  refund_id       TEXT NOT NULL,
  purchase_id     INTEGER NOT NULL REFERENCES purchases (id),
  amount_minor    INTEGER NOT NULL CHECK (amount_minor > 0),
  request_hash    TEXT NOT NULL,
  points_reversed INTEGER NOT NULL CHECK (points_reversed >= 0),
  -- Points the refund should have taken back but could not, because the member had already spent
  -- them (possible only after the pending window); kept for the operator and fraud review.
  shortfall       INTEGER NOT NULL CHECK (shortfall >= 0),
  ledger_id       INTEGER REFERENCES points_ledger (id),
  created_at      TEXT NOT NULL,
  UNIQUE (store_id, refund_id)
) STRICT;

-- Earn rules: every change is a new version; the highest version is live. Old versions stay so a
-- purchase's points can always be explained by the rules it was earned under.
CREATE TABLE rule_sets (
  version    INTEGER PRIMARY KEY,
  config     TEXT NOT NULL CHECK (json_valid(config)),
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL
) STRICT;

-- Bonuses a member gets at most once per period: welcome (period ''), birthday (the year),
-- survey (the survey id), referral (the other member's id).
CREATE TABLE member_bonuses (
  member_id TEXT NOT NULL REFERENCES members (id),
  kind      TEXT NOT NULL CHECK (kind IN ('welcome', 'birthday', 'survey', 'referral')),
  period    TEXT NOT NULL,
  ledger_id INTEGER REFERENCES points_ledger (id),
  points    INTEGER NOT NULL,
  at        TEXT NOT NULL,
  PRIMARY KEY (member_id, kind, period)
) STRICT, WITHOUT ROWID;
