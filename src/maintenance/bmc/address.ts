// Parses a BMC address (StarlingX's bm_ip, optionally with a port or a scheme) into host and port,
// and names an endpoint the same way in every error message. Pure.

import { isIPv6 } from 'node:net';
import { StarlingError } from '../../common/errors.ts';

export interface BmcEndpoint {
  /** Only when the address spelt one (Redfish). */
  scheme: 'http' | 'https' | undefined;
  /** Without brackets. */
  host: string;
  port: number | undefined;
}

const HOST_RE = /^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/;

function invalid(address: string, why: string): StarlingError {
  return new StarlingError('VALIDATION_FAILED', `BMC address '${address}' is invalid: ${why}`, {
    field: 'bm_ip',
  });
}

function parsePort(address: string, s: string): number {
  const n = Number(s);
  if (!/^\d{1,5}$/.test(s) || n < 1 || n > 65535) throw invalid(address, `port '${s}' is not 1-65535`);
  return n;
}

export function parseBmcAddress(address: string): BmcEndpoint {
  let rest = address.trim();
  let scheme: BmcEndpoint['scheme'];
  const m = /^(https?):\/\//i.exec(rest);
  if (m) {
    scheme = m[1]!.toLowerCase() as 'http' | 'https';
    rest = rest.slice(m[0].length).replace(/\/+$/, '');
  }
  if (rest === '') throw invalid(address, 'no host');
  if (rest.includes('/') || rest.includes('@')) throw invalid(address, 'only a host and a port are allowed');

  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) throw invalid(address, "missing ']'");
    const host = rest.slice(1, close);
    if (!isIPv6(host)) throw invalid(address, `'${host}' is not an IPv6 address`);
    const after = rest.slice(close + 1);
    if (after === '') return { scheme, host, port: undefined };
    if (!after.startsWith(':')) throw invalid(address, `unexpected '${after}' after ']'`);
    return { scheme, host, port: parsePort(address, after.slice(1)) };
  }
  // Two colons or more: a bare IPv6 address, which cannot carry a port without brackets.
  if (rest.indexOf(':') !== rest.lastIndexOf(':')) {
    if (!isIPv6(rest)) throw invalid(address, 'an IPv6 address with a port needs brackets: [addr]:port');
    return { scheme, host: rest, port: undefined };
  }
  const [host = '', port] = rest.split(':');
  if (!HOST_RE.test(host)) throw invalid(address, `'${host}' is not a host name or address`);
  return { scheme, host, port: port === undefined ? undefined : parsePort(address, port) };
}

/** `host:port`, IPv6 in brackets: how errors name the BMC. */
export function hostPort(host: string, port: number): string {
  return `${isIPv6(host) ? `[${host}]` : host}:${port}`;
}
