-- Fleet operations: device identity and credentials, enrolment codes, operators and their
-- sessions, commands with their audit trail, telemetry history and alerts.

-- A device is created by an operator (or, in open dev mode, by speaking). Its MQTT password is kept
-- only as a Mosquitto-compatible PBKDF2-SHA512 hash ($7$...), so the same column feeds both the
-- embedded broker's authenticate hook and a generated Mosquitto password file.
ALTER TABLE devices ADD COLUMN store TEXT;
ALTER TABLE devices ADD COLUMN created_at TEXT;
ALTER TABLE devices ADD COLUMN created_by TEXT;
ALTER TABLE devices ADD COLUMN mqtt_password_hash TEXT;
ALTER TABLE devices ADD COLUMN enrolled_at TEXT;
ALTER TABLE devices ADD COLUMN revoked_at TEXT;
-- The latest telemetry message as JSON, and when it arrived by the server's clock.
ALTER TABLE devices ADD COLUMN telemetry TEXT CHECK (telemetry IS NULL OR json_valid(telemetry));
ALTER TABLE devices ADD COLUMN telemetry_at TEXT;
-- Device clock minus server clock, from the last telemetry (ms; includes one network delay).
ALTER TABLE devices ADD COLUMN clock_offset_ms INTEGER;
ALTER TABLE devices ADD COLUMN status_changed_at TEXT;

-- One-time enrolment codes: only a hash is stored; a code works once and before it expires.
CREATE TABLE device_enrolments (
  code_hash  TEXT PRIMARY KEY,
  device_id  TEXT NOT NULL REFERENCES devices (id),
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  used_at    TEXT
) STRICT;
CREATE INDEX device_enrolments_device ON device_enrolments (device_id);

CREATE TABLE operators (
  id            INTEGER PRIMARY KEY,
  username      TEXT NOT NULL UNIQUE CHECK (length(username) BETWEEN 2 AND 64),
  -- scrypt$N$r$p$salt$hash (base64)
  password_hash TEXT NOT NULL,
  role          TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
  created_at    TEXT NOT NULL,
  disabled_at   TEXT
) STRICT;

-- Only a SHA-256 of the session token is kept, so a stolen database opens no sessions.
CREATE TABLE operator_sessions (
  token_hash  TEXT PRIMARY KEY,
  operator_id INTEGER NOT NULL REFERENCES operators (id),
  csrf_token  TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  expires_at  TEXT NOT NULL
) STRICT;
CREATE INDEX operator_sessions_operator ON operator_sessions (operator_id);

-- Every command ever sent: who, when, to which device, and what came of it.
CREATE TABLE device_commands (
  id           TEXT PRIMARY KEY,
  device_id    TEXT NOT NULL REFERENCES devices (id),
  command      TEXT NOT NULL,
  params       TEXT NOT NULL CHECK (json_valid(params)),
  issued_by    TEXT NOT NULL,
  issued_at    TEXT NOT NULL,
  expires_at   TEXT NOT NULL,
  status       TEXT NOT NULL DEFAULT 'pending'
               CHECK (status IN ('pending', 'ok', 'error', 'expired', 'unsupported')),
  result       TEXT CHECK (result IS NULL OR json_valid(result)),
  completed_at TEXT
) STRICT;
CREATE INDEX device_commands_device ON device_commands (device_id, issued_at);
CREATE INDEX device_commands_pending ON device_commands (expires_at) WHERE status = 'pending';

-- Telemetry over time for the console's charts; trimmed by age.
CREATE TABLE device_telemetry (
  device_id TEXT NOT NULL,
  at        TEXT NOT NULL,
  data      TEXT NOT NULL CHECK (json_valid(data))
) STRICT;
CREATE INDEX device_telemetry_device ON device_telemetry (device_id, at);

-- An alert is open while cleared_at is NULL; at most one open alert per device and rule.
CREATE TABLE alerts (
  id         INTEGER PRIMARY KEY,
  device_id  TEXT NOT NULL,
  rule       TEXT NOT NULL,
  severity   TEXT NOT NULL CHECK (severity IN ('warning', 'critical')),
  message    TEXT NOT NULL,
  details    TEXT NOT NULL CHECK (json_valid(details)),
  raised_at  TEXT NOT NULL,
  cleared_at TEXT
) STRICT;
CREATE UNIQUE INDEX alerts_open ON alerts (device_id, rule) WHERE cleared_at IS NULL;
CREATE INDEX alerts_raised ON alerts (raised_at);
