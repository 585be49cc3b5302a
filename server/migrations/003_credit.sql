-- Store credit (cashback wallet): money, not points, so it has its own append-only ledger in
-- integer minor units with a currency, and balances per member and currency.

CREATE TABLE credit_ledger (
  id           INTEGER PRIMARY KEY,
  member_id    TEXT NOT NULL REFERENCES members (id),
  kind         TEXT NOT NULL CHECK (kind IN ('earn', 'spend', 'reverse', 'adjust')),
  amount_minor INTEGER NOT NULL CHECK (amount_minor <> 0),
  currency     TEXT NOT NULL CHECK (length(currency) = 3),
  cause        TEXT NOT NULL,
  store_id     TEXT,
  -- The POS's own id for a spend (idempotency key) or the receipt an earn belongs to.
  ref          TEXT,
  request_hash TEXT,
  created_at   TEXT NOT NULL
) STRICT;
CREATE INDEX credit_ledger_member ON credit_ledger (member_id, id);
CREATE UNIQUE INDEX credit_ledger_spend_once ON credit_ledger (store_id, ref) WHERE kind = 'spend';

CREATE TRIGGER credit_ledger_no_update BEFORE UPDATE ON credit_ledger
BEGIN
  SELECT RAISE(ABORT, 'credit_ledger is append-only: record a reverse or adjust entry instead');
END;
CREATE TRIGGER credit_ledger_no_delete BEFORE DELETE ON credit_ledger
BEGIN
  SELECT RAISE(ABORT, 'credit_ledger is append-only: record a reverse or adjust entry instead');
END;

CREATE TABLE credit_balances (
  member_id    TEXT NOT NULL REFERENCES members (id),
  currency     TEXT NOT NULL,
  amount_minor INTEGER NOT NULL CHECK (amount_minor >= 0),
  updated_at   TEXT NOT NULL,
  PRIMARY KEY (member_id, currency)
) STRICT, WITHOUT ROWID;

ALTER TABLE purchases ADD COLUMN credit_minor INTEGER NOT NULL DEFAULT 0 CHECK (credit_minor >= 0);
ALTER TABLE purchases ADD COLUMN credit_reversed INTEGER NOT NULL DEFAULT 0 CHECK (credit_reversed >= 0);
ALTER TABLE refunds ADD COLUMN credit_reversed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE refunds ADD COLUMN credit_shortfall INTEGER NOT NULL DEFAULT 0;

CREATE UNIQUE INDEX members_phone ON members (phone) WHERE phone IS NOT NULL;
