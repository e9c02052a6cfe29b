-- On a subcloud: which users and projects came from the system controller's identity sync. Only
-- those are deleted there when the system controller no longer has them; the site's own stay.
ALTER TABLE users ADD COLUMN dc_synced boolean NOT NULL DEFAULT false;
ALTER TABLE projects ADD COLUMN dc_synced boolean NOT NULL DEFAULT false;
