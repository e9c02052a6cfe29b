-- Maintenance: the answers to the commands a host's workflow waits for (agent commands and BMC
-- operations), kept until the workflow moves past the step, so a controller restart loses none.
-- Only an answer to the command a workflow is waiting for is stored (late ones are dropped).

CREATE TABLE host_command_results (
  command_id   text PRIMARY KEY,
  host_uuid    uuid NOT NULL REFERENCES ihosts(uuid) ON DELETE CASCADE,
  ok           boolean NOT NULL,
  error        text,
  detail       jsonb,
  received_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX host_command_results_by_host ON host_command_results (host_uuid);
