// Certificates: the API's TLS files in the data folder, certificate-install/list/show/uninstall
// (sysinv's /v1/certificate) and the expiry alarms 500.200/500.210.

export { ensureSiteTls, apiNames, TLS_FILES, type SiteTls } from './site-tls.ts';
export { issueCertificate, type Issued } from './generate.ts';
export { readPem } from './pem.ts';
export { CertificateService, CERTIFICATE_CHANNEL, type Certificate, type WatchedCertificate } from './service.ts';
export { certificateRoutes } from './routes.ts';
export { CertificateExpiryMonitor } from './reconciler.ts';
