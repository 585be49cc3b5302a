-- Card anti-clone state (server/src/cards/): the serial of the token written to a card at issue
-- (a token with another serial is refused: the card was re-issued) and, for NTAG 424 DNA cards,
-- the last SUN read counter accepted; a message whose counter is not above it is a replay.
-- No foreign key to cards: a genuine club card may be checked before it is bound to a member.
CREATE TABLE card_security (
  uid          TEXT PRIMARY KEY,
  token_serial TEXT,
  sun_counter  INTEGER CHECK (sun_counter BETWEEN 0 AND 16777215),
  updated_at   TEXT NOT NULL
) STRICT;
