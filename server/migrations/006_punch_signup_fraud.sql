-- Punch cards (vouchers that cost no points), signup (one-time codes, consent), the audit trail of
-- manual changes, and fraud alerts for the operator console.

-- Vouchers rebuilt so a punch card can issue one that reserved no points. Nothing references
-- vouchers, so the copy-and-rename is safe with foreign keys on.
CREATE TABLE vouchers_new (
  id               INTEGER PRIMARY KEY,
  code             TEXT NOT NULL UNIQUE,
  reward_id        TEXT NOT NULL REFERENCES rewards (id),
  member_id        TEXT NOT NULL REFERENCES members (id),
  source           TEXT NOT NULL DEFAULT 'points' CHECK (source IN ('points', 'punch-card')),
  points           INTEGER NOT NULL CHECK (points >= 0),
  redeem_ledger_id INTEGER REFERENCES points_ledger (id),
  status           TEXT NOT NULL DEFAULT 'issued' CHECK (status IN ('issued', 'used', 'cancelled')),
  issued_at        TEXT NOT NULL,
  expires_at       TEXT NOT NULL,
  used_at          TEXT,
  used_store       TEXT,
  used_receipt     TEXT,
  cancelled_at     TEXT,
  cancel_ledger_id INTEGER REFERENCES points_ledger (id),
  request_key      TEXT UNIQUE,
  device_id        TEXT,
  CHECK (source = 'punch-card' OR (points > 0 AND redeem_ledger_id IS NOT NULL))
) STRICT;
INSERT INTO vouchers_new (id, code, reward_id, member_id, source, points, redeem_ledger_id, status, issued_at, expires_at,
  used_at, used_store, used_receipt, cancelled_at, cancel_ledger_id, request_key, device_id)
SELECT id, code, reward_id, member_id, 'points', points, redeem_ledger_id, status, issued_at, expires_at,
  used_at, used_store, used_receipt, cancelled_at, cancel_ledger_id, request_key, device_id FROM vouchers;
DROP TABLE vouchers;
ALTER TABLE vouchers_new RENAME TO vouchers;
CREATE INDEX vouchers_member ON vouchers (member_id, reward_id, status);

CREATE TABLE punch_progress (
  member_id   TEXT NOT NULL REFERENCES members (id),
  card_id     TEXT NOT NULL,
  stamps      INTEGER NOT NULL CHECK (stamps >= 0),
  completions INTEGER NOT NULL DEFAULT 0,
  updated_at  TEXT NOT NULL,
  PRIMARY KEY (member_id, card_id)
) STRICT, WITHOUT ROWID;

ALTER TABLE members ADD COLUMN consent_terms_at TEXT;
ALTER TABLE members ADD COLUMN consent_marketing INTEGER NOT NULL DEFAULT 0 CHECK (consent_marketing IN (0, 1));

-- One pending code per phone; only its hash is kept, and attempts are counted so a code cannot be
-- brute-forced.
CREATE TABLE otp_codes (
  phone      TEXT PRIMARY KEY,
  code_hash  TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  attempts   INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL
) STRICT;

-- Every manual change (operator or staff): who, what, to what, when.
CREATE TABLE audit_log (
  id      INTEGER PRIMARY KEY,
  actor   TEXT NOT NULL,
  action  TEXT NOT NULL,
  subject TEXT NOT NULL,
  details TEXT NOT NULL CHECK (json_valid(details)),
  at      TEXT NOT NULL
) STRICT;
CREATE INDEX audit_log_subject ON audit_log (subject, id);

CREATE TABLE fraud_alerts (
  id              INTEGER PRIMARY KEY,
  kind            TEXT NOT NULL,
  subject         TEXT NOT NULL,
  details         TEXT NOT NULL CHECK (json_valid(details)),
  at              TEXT NOT NULL,
  acknowledged_at TEXT
) STRICT;
CREATE INDEX fraud_alerts_open ON fraud_alerts (at) WHERE acknowledged_at IS NULL;

CREATE INDEX purchases_staff ON purchases (staff_id, member_id, created_at) WHERE staff_id IS NOT NULL;
