-- Platform certificates (sysinv's /v1/certificate): the API's server certificate (ssl, one at a
-- time, its private key sealed with the site key) and trusted CA certificates (ssl_ca). Every
-- controller of the site serves the one ssl row; the expiry monitor reads them all.

CREATE TABLE certificates (
  uuid               uuid PRIMARY KEY,
  certtype           text NOT NULL CHECK (certtype IN ('ssl', 'ssl_ca')),
  -- sysinv's: "<mode>_<serial number>"
  signature          text NOT NULL,
  start_date         timestamptz NOT NULL,
  expiry_date        timestamptz NOT NULL,
  subject            text NOT NULL,
  issuer             text NOT NULL,
  fingerprint        text NOT NULL,
  certificate_pem    text NOT NULL,
  private_key_sealed text,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz,
  CHECK ((certtype = 'ssl') = (private_key_sealed IS NOT NULL))
);
-- One server certificate; a CA certificate once.
CREATE UNIQUE INDEX certificates_one_ssl ON certificates (certtype) WHERE certtype = 'ssl';
CREATE UNIQUE INDEX certificates_ca_once ON certificates (fingerprint) WHERE certtype = 'ssl_ca';
