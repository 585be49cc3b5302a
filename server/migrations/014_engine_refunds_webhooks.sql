-- Refunds take back punch-card stamps and, with the referee's last kept purchase, the referral
-- bonus; fraud alerts and other club events go out to webhooks through a durable queue.

-- Stamps a purchase added per punch card ({"card-id": n}) and how many of them refunds have taken
-- back so far: a refund reverses the same share of stamps as of points.
ALTER TABLE purchases ADD COLUMN stamps TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(stamps));
ALTER TABLE purchases ADD COLUMN stamps_reversed TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(stamps_reversed));
-- What a refund did besides points and credit (stamps, vouchers voided, referral taken back), so a
-- replayed refund answers exactly what the first one did.
ALTER TABLE refunds ADD COLUMN effects TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(effects));
-- A referral bonus taken back by a full refund. The row stays (it is the pair's history); a later
-- kept purchase may claim it again, which clears this.
ALTER TABLE member_bonuses ADD COLUMN reversed_at TEXT;

-- Webhook receivers, mirrored from the configuration at start (CLUB_WEBHOOK_URLS) so queuing an
-- event is one INSERT … SELECT. Secrets are not stored here.
CREATE TABLE webhook_endpoints (
  url        TEXT PRIMARY KEY,
  enabled    INTEGER NOT NULL CHECK (enabled IN (0, 1)),
  updated_at TEXT NOT NULL
) STRICT;

-- Outbound webhooks: one row per event and endpoint, written in the transaction that raised the
-- event, so an event is never lost between the database and the sender, even across a restart.
CREATE TABLE webhook_deliveries (
  id              INTEGER PRIMARY KEY,
  event_id        TEXT NOT NULL,
  endpoint        TEXT NOT NULL,
  type            TEXT NOT NULL,
  body            TEXT NOT NULL CHECK (json_valid(body)),
  status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT NOT NULL,
  last_error      TEXT,
  created_at      TEXT NOT NULL,
  delivered_at    TEXT,
  UNIQUE (event_id, endpoint)
) STRICT;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';

-- Purchase throughput (scripts/src/bench/engine.ts). Every index on these tables is one more random
-- B-tree page written per purchase at a million members; two of them earn nothing:
-- point_lots_due is the same partial index as point_lots_expiring (012) minus a column, so expiry
-- reads the wider one; and staff velocity (a staff member's sales to one member today) is a range
-- of that member's purchases today in purchases_member, a handful of rows.
DROP INDEX point_lots_due;
DROP INDEX purchases_staff;

-- One statement posts a purchase: its earn ledger row (when it earned points), the lot holding
-- those points, and the purchase row pointing at both. The engine computes every value; this only
-- spares two of the three thread-pool round trips the three INSERTs cost (each is a hop to the
-- sqlite3 worker and back, and the purchase path is a chain of them on one connection). It writes
-- exactly what ledger.ts creditWithinTransaction + insertPurchase would: the ledger row's own
-- triggers still move the balance. A failure anywhere undoes all three (statement atomicity).
CREATE VIEW purchase_postings AS
SELECT NULL AS store_id, NULL AS receipt_id, NULL AS member_id, NULL AS amount_minor, NULL AS currency,
  NULL AS lines, NULL AS staff_id, NULL AS request_hash, NULL AS points, NULL AS cause, NULL AS available_at,
  NULL AS expires_at, NULL AS rules_version, NULL AS breakdown, NULL AS credit_minor, NULL AS stamps,
  NULL AS created_at
WHERE 0;
CREATE TRIGGER purchase_postings_insert INSTEAD OF INSERT ON purchase_postings BEGIN
  INSERT INTO points_ledger (member_id, kind, points, cause, created_at)
  SELECT NEW.member_id, 'earn', NEW.points, NEW.cause, NEW.created_at WHERE NEW.points > 0;
  -- last_insert_rowid() is the ledger row's here (the ledger's own triggers restore it on exit).
  INSERT INTO point_lots (member_id, ledger_id, points, remaining, earned_at, available_at, expires_at)
  SELECT NEW.member_id, last_insert_rowid(), NEW.points, NEW.points, NEW.created_at, NEW.available_at, NEW.expires_at
  WHERE NEW.points > 0;
  INSERT INTO purchases (store_id, receipt_id, member_id, amount_minor, currency, lines, staff_id, request_hash,
    points, ledger_id, lot_id, rules_version, breakdown, credit_minor, stamps, created_at)
  VALUES (NEW.store_id, NEW.receipt_id, NEW.member_id, NEW.amount_minor, NEW.currency, NEW.lines, NEW.staff_id,
    NEW.request_hash, NEW.points,
    CASE WHEN NEW.points > 0 THEN (SELECT ledger_id FROM point_lots WHERE id = last_insert_rowid()) END,
    CASE WHEN NEW.points > 0 THEN last_insert_rowid() END,
    NEW.rules_version, NEW.breakdown, NEW.credit_minor, NEW.stamps, NEW.created_at);
END;
