-- Alarms by id, newest first: the alarm_id filter (fm alarm-list --query alarm_id=…) stays an index
-- range scan whatever the age of the matching alarms.
CREATE INDEX alarms_by_alarm_id ON alarms (alarm_id, timestamp DESC, seq DESC);
