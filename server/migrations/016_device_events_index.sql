-- The console's device page lists a device's most recent events: without this index that is a
-- scan of every event the club ever processed.
CREATE INDEX processed_events_device_time ON processed_events (device_id, processed_at);
