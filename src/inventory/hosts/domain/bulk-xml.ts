// StarlingX's host-bulk-add XML: <hosts><host><hostname>…</hostname>…</host>…</hosts>. Parsing
// checks every host before anything is written (the caller adds all or none); export writes the
// same format back. Pure.

import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import { StarlingError } from '../../../common/errors.ts';
import { checkHostInput, checkNewHost, type HostValues } from './host.ts';

export const BULK_FIELDS = [
  'hostname',
  'personality',
  'subfunctions',
  'mgmt_mac',
  'mgmt_ip',
  'bm_ip',
  'bm_type',
  'bm_username',
  'bm_password',
  'boot_device',
  'rootfs_device',
  'install_output',
  'console',
  'location',
  'power_on',
  // Accepted and ignored (StarlingX fields with no meaning here yet).
  'hw_settle',
  'vsc_controllers',
  'apparmor',
  'sw_version',
  'tboot',
] as const;
const IGNORED = new Set(['hw_settle', 'vsc_controllers', 'apparmor', 'sw_version', 'tboot']);

export interface BulkHost extends HostValues {
  power_on: boolean;
}

export const MAX_BULK_HOSTS = 10_000;

function bad(message: string, field: string): never {
  throw new StarlingError('VALIDATION_FAILED', message, { field });
}

/** A bulk file is <hosts>/<host>/<field>: anything nested deeper is not one (and 50,000 levels
 *  would exhaust the parser's stack). */
const MAX_DEPTH = 8;

/** Refuses what a hosts file never needs and an attacker uses: a DOCTYPE (entity definitions,
 *  external or parameter entities, entity expansion bombs) and deep nesting. Linear, no recursion. */
function refuseHostile(xml: string): void {
  if (/<!DOCTYPE|<!ENTITY|<!ELEMENT|<!ATTLIST/i.test(xml)) {
    bad('the file must not contain a DOCTYPE or entity declarations', 'file');
  }
  let depth = 0;
  for (const m of xml.matchAll(/<(\/?)[A-Za-z_][^>]*?(\/?)>/g)) {
    if (m[1] === '/') depth--;
    else if (m[2] !== '/' && ++depth > MAX_DEPTH) bad(`the file nests elements deeper than ${MAX_DEPTH} levels`, 'file');
  }
}

export function parseBulkXml(xml: string): BulkHost[] {
  refuseHostile(xml);
  try {
    return parseChecked(xml);
  } catch (e) {
    if (e instanceof StarlingError) throw e;
    // The parser's own failures (a malformed construct it does not validate) are bad input too.
    bad(`the file cannot be parsed: ${e instanceof Error ? e.message : String(e)}`, 'file');
  }
}

function parseChecked(xml: string): BulkHost[] {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) bad(`the file is not well-formed XML: ${valid.err.msg} (line ${valid.err.line})`, 'file');
  const parser = new XMLParser({
    ignoreAttributes: true,
    parseTagValue: false,
    trimValues: true,
    isArray: (name) => name === 'host',
  });
  const doc = parser.parse(xml) as Record<string, unknown>;
  const root = doc.hosts;
  if (root === undefined) bad('the file has no <hosts> root element', 'file');
  const hosts = (typeof root === 'object' && root !== null ? (root as { host?: unknown[] }).host : undefined) ?? [];
  if (hosts.length === 0) bad('the file lists no <host>', 'file');
  if (hosts.length > MAX_BULK_HOSTS) bad(`the file lists ${hosts.length} hosts; at most ${MAX_BULK_HOSTS} per file`, 'file');
  const seen = { hostname: new Map<string, number>(), mgmt_mac: new Map<string, number>() };
  return hosts.map((raw, i) => {
    const label = (h: Record<string, unknown>): string => `host ${i + 1}${typeof h.hostname === 'string' && h.hostname ? ` (${h.hostname})` : ''}: `;
    if (typeof raw !== 'object' || raw === null) bad(`host ${i + 1}: <host> must contain elements`, 'host');
    // Own keys only: a <__proto__> element must be refused as an unknown field, never followed.
    const h = Object.fromEntries(Object.entries(raw as Record<string, unknown>)) as Record<string, unknown>;
    const prefix = label(h);
    const input: Record<string, string> = {};
    let powerOn = false;
    for (const [k, v] of Object.entries(h)) {
      if (!(BULK_FIELDS as readonly string[]).includes(k)) bad(`${prefix}<${k}> is not a host field (allowed: ${BULK_FIELDS.join(', ')})`, k);
      if (k === 'power_on') {
        powerOn = true;
        continue;
      }
      if (IGNORED.has(k)) continue;
      if (typeof v !== 'string') bad(`${prefix}<${k}> must hold text`, k);
      input[k] = v;
    }
    let values: HostValues;
    try {
      values = checkHostInput(input, prefix);
      if (values.hostname === undefined) bad(`${prefix}hostname is required`, 'hostname');
      if (values.personality === undefined) bad(`${prefix}personality is required`, 'personality');
      checkNewHost(values, prefix);
    } catch (e) {
      if (e instanceof StarlingError) throw new StarlingError(e.code, e.message, { ...(e.field ? { field: e.field } : {}), details: { host: i + 1 } });
      throw e;
    }
    for (const key of ['hostname', 'mgmt_mac'] as const) {
      const v = values[key];
      if (v === undefined) continue;
      const other = seen[key].get(v);
      if (other !== undefined) bad(`${prefix}${key} ${v} is also given to host ${other}`, key);
      seen[key].set(v, i + 1);
    }
    return { ...values, power_on: powerOn };
  });
}

export interface ExportHost {
  hostname: string | null;
  personality: string | null;
  subfunctions: string | null;
  mgmt_mac: string | null;
  mgmt_ip: string | null;
  bm_type: string;
  bm_ip: string | null;
  bm_username: string | null;
  boot_device: string;
  rootfs_device: string;
  install_output: string;
  console: string;
  location: Record<string, unknown>;
}

/** The bulk-add format of the given hosts (BMC passwords are never exported). */
export function renderBulkXml(hosts: ExportHost[]): string {
  const builder = new XMLBuilder({ format: true, indentBy: '  ', suppressEmptyNode: true });
  const body = builder.build({
    hosts: {
      host: hosts.map((h) => {
        const locn = typeof h.location.locn === 'string' ? h.location.locn : undefined;
        const entries: [string, string | null | undefined][] = [
          ['hostname', h.hostname],
          ['personality', h.personality],
          ['subfunctions', h.subfunctions],
          ['mgmt_mac', h.mgmt_mac],
          ['mgmt_ip', h.mgmt_ip],
          ['bm_type', h.bm_type === 'none' ? undefined : h.bm_type],
          ['bm_ip', h.bm_ip],
          ['bm_username', h.bm_username],
          ['boot_device', h.boot_device],
          ['rootfs_device', h.rootfs_device],
          ['install_output', h.install_output],
          ['console', h.console],
          ['location', locn],
        ];
        return Object.fromEntries(entries.filter(([, v]) => v !== null && v !== undefined && v !== ''));
      }),
    },
  });
  return `<?xml version="1.0" encoding="UTF-8" ?>\n${body}`;
}
