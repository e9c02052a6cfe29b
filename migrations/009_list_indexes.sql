-- Lists read indexes in their order, so a page never sorts or walks the whole table (measured in
-- bench/fault.ts with 100,000 alarms and 100,000 events).
--
-- Alarms: every sort the list offers (timestamp, severity, alarm_id, entity_instance_id) sorts by
-- the key, then newest first (timestamp, seq), and each key has an index of exactly that shape (the
-- severity and entity sorts used to sort all alarms for a page: 60-230 ms).
-- Entity ids compare byte by byte (COLLATE "C"): one plain index then serves the list's order,
-- equality and the prefix match that clears a host's subtree (LIKE 'host=x.%'), whatever the
-- database's own collation.
ALTER TABLE alarms ALTER COLUMN entity_instance_id TYPE text COLLATE "C";
DROP INDEX alarms_by_entity;
CREATE INDEX alarms_by_entity ON alarms (entity_instance_id, timestamp DESC, seq DESC);

-- Events, newest first, by id, by entity, and customer logs alone (few among many alarm events:
-- `fm event-list --logs` walked every event to find none, 86 ms; an entity's events 101 ms).
DROP INDEX event_log_by_key;
CREATE INDEX event_log_by_id ON event_log (event_log_id, timestamp DESC, seq DESC);
CREATE INDEX event_log_by_entity ON event_log (entity_instance_id, timestamp DESC, seq DESC);
CREATE INDEX event_log_logs ON event_log (timestamp DESC, seq DESC) WHERE state = 'log';
