-- The member index of the ledger, widened so the queries made on every purchase and every tap
-- (points earned in the tier window, last activity) read only the index: with ten million rows a
-- member's ledger rows lie on ten different table pages, and the purchase path waited on them.
DROP INDEX points_ledger_member;
CREATE INDEX points_ledger_member ON points_ledger (member_id, created_at, kind, points);
