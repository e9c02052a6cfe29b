// The transport settings: plain HTTP only on loopback, refused elsewhere naming the option.

import { describe, expect, it } from 'vitest';
import { isLoopback, loadClientConfig, loadControllerConfig } from './config.ts';

describe('--insecure-http', () => {
  it('is HTTPS by default, and plain HTTP only on a loopback address', () => {
    expect(loadControllerConfig({}, {}).tls).toEqual({ insecureHttp: false, expiryWarningDays: 30, checkSeconds: 3600 });
    expect(loadControllerConfig({ insecureHttp: true }, {}).tls.insecureHttp).toBe(true);
    expect(loadControllerConfig({ insecureHttp: true, bind: '::1' }, {}).tls.insecureHttp).toBe(true);
    expect(loadControllerConfig({}, { STARLING_INSECURE_HTTP: '1', STARLING_BIND: '127.0.0.2' }).tls.insecureHttp).toBe(true);
  });

  it.each(['0.0.0.0', '::', '10.0.0.5', 'fd00::1'])('is refused on %s, naming the option', (bind) => {
    expect(() => loadControllerConfig({ insecureHttp: true, bind }, {})).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', field: '--insecure-http', message: expect.stringContaining(`bound to ${bind}`) }),
    );
  });

  it('knows loopback addresses', () => {
    expect(['127.0.0.1', '127.5.0.1', '::1', 'localhost', '::ffff:127.0.0.1'].every(isLoopback)).toBe(true);
    expect(['0.0.0.0', '128.0.0.1', '::', '10.1.1.1'].some(isLoopback)).toBe(false);
  });

  it('the certificate warning window is configurable', () => {
    expect(loadControllerConfig({}, { STARLING_CERT_EXPIRY_WARNING_DAYS: '60' }).tls.expiryWarningDays).toBe(60);
    expect(() => loadControllerConfig({}, { STARLING_CERT_EXPIRY_WARNING_DAYS: '0' })).toThrow(/STARLING_CERT_EXPIRY_WARNING_DAYS/);
  });

  it('the CLI defaults to HTTPS and takes OS_CACERT', () => {
    expect(loadClientConfig({}, {}).authUrl).toBe('https://127.0.0.1:6385/v3');
    expect(loadClientConfig({}, { OS_CACERT: '/etc/ssl/site-ca.crt' }).caFile).toBe('/etc/ssl/site-ca.crt');
    expect(loadClientConfig({ osCacert: '/x.crt' }, { OS_CACERT: '/y.crt' }).caFile).toBe('/x.crt');
  });
});
