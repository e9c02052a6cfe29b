// The site's DNS and NTP servers as sysinv checks them (idns, intp), and the platform settings a
// system controller shares with its subclouds (dcorch's `platform` endpoint). Pure.

import { formatIp, parseIp } from '../../networking/domain/networks.ts';

/** sysinv's limit for each list. */
export const MAX_SERVERS = 3;

/** 'NC' is how StarlingX's client says "none" (an empty value on its command line). */
const NONE = 'NC';

const HOSTNAME = /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

const split = (csv: string): string[] =>
  csv
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

export type ServersCheck = { ok: true; value: string } | { ok: false; problem: string };

/** DNS name servers: up to three IP addresses, comma-separated; 'NC' or '' = none. Canonical form out. */
export function checkNameservers(v: unknown): ServersCheck {
  if (typeof v !== 'string') return { ok: false, problem: 'must be a comma-separated list of IP addresses' };
  if (v.trim() === NONE) return { ok: true, value: '' };
  const out: string[] = [];
  for (const s of split(v)) {
    const ip = parseIp(s);
    if (!ip) return { ok: false, problem: `Invalid DNS nameserver target address ${s}: give an IPv4 or IPv6 address` };
    out.push(formatIp(ip));
  }
  if (out.length > MAX_SERVERS) return { ok: false, problem: `Maximum DNS nameservers supported: ${MAX_SERVERS} but provided: ${out.length}` };
  return { ok: true, value: out.join(',') };
}

/** NTP servers: up to three IP addresses or host names, comma-separated; 'NC' or '' = none. */
export function checkNtpservers(v: unknown): ServersCheck {
  if (typeof v !== 'string') return { ok: false, problem: 'must be a comma-separated list of IP addresses or host names' };
  if (v.trim() === NONE) return { ok: true, value: '' };
  const out: string[] = [];
  for (const s of split(v)) {
    const ip = parseIp(s);
    if (ip) out.push(formatIp(ip));
    else if (HOSTNAME.test(s) && !/^[\d.]+$/.test(s)) out.push(s.toLowerCase());
    else return { ok: false, problem: `Invalid NTP server ${s}: give an IP address or a host name` };
  }
  if (out.length > MAX_SERVERS) return { ok: false, problem: `Maximum NTP servers supported: ${MAX_SERVERS} but provided: ${out.length}` };
  return { ok: true, value: out.join(',') };
}

/** sysinv's rule: an NTP server given by name needs a DNS server to resolve it. */
export function ntpNeedsDns(nameservers: string, ntpservers: string): string | undefined {
  if (nameservers !== '') return undefined;
  const named = split(ntpservers).find((s) => !parseIp(s));
  return named === undefined
    ? undefined
    : `At least one DNS server must be used when any NTP server address is using FQDN (${named}); alternatively, use IP addresses for the NTP servers`;
}

/** What a system controller keeps equal on its subclouds (sysinv's canonical comma-separated lists). */
export interface PlatformSettings {
  nameservers: string;
  ntpservers: string;
}

/** Does the subcloud hold the system controller's platform settings? */
export const platformInSync = (sub: PlatformSettings, central: PlatformSettings): boolean =>
  sub.nameservers === central.nameservers && sub.ntpservers === central.ntpservers;
