-- The site's DNS and NTP servers (sysinv's idns and intp): one row each, comma-separated
-- addresses as sysinv keeps them ('' = none). A system controller pushes both to its subclouds.
CREATE TABLE idns (
  uuid         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  singleton    boolean NOT NULL DEFAULT true UNIQUE CHECK (singleton),
  nameservers  text NOT NULL DEFAULT '' CHECK (length(nameservers) <= 1024),
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz
);
INSERT INTO idns DEFAULT VALUES;

CREATE TABLE intp (
  uuid         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  singleton    boolean NOT NULL DEFAULT true UNIQUE CHECK (singleton),
  ntpservers   text NOT NULL DEFAULT '' CHECK (length(ntpservers) <= 1024),
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz
);
INSERT INTO intp DEFAULT VALUES;
