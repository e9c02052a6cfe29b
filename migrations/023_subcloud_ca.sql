-- The CA a subcloud's API certificate chains to (PEM), given at `subcloud add` in the bootstrap
-- values (`ca_cert`): the system controller trusts only it when it reaches that subcloud over
-- HTTPS. NULL: the system's trusted CAs.
ALTER TABLE subclouds ADD COLUMN ca_cert text;
