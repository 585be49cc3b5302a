-- The balance follows the ledger inside SQLite itself: every ledger row, however it is written
-- (engine, bulk expiry, a repair script), moves the member's balance in the same statement. The
-- invariant "balance = sum of the ledger" no longer depends on every writer remembering it, and
-- the engine saves a round trip per ledger row.
CREATE TRIGGER points_ledger_moves_balance AFTER INSERT ON points_ledger
BEGIN
  INSERT INTO balances (member_id, points, updated_at) VALUES (NEW.member_id, NEW.points, NEW.created_at)
  ON CONFLICT (member_id) DO UPDATE SET points = points + excluded.points, updated_at = excluded.updated_at;
END;
