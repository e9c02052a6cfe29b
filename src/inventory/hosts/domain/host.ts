// Host input (host-add, host-update, bulk-add): fields checked and normalised, with the field
// and the problem named. Pure.

import { StarlingError } from '../../../common/errors.ts';
import { PERSONALITIES, type Personality } from './host-state.ts';

export const BM_TYPES = ['none', 'ipmi', 'redfish', 'dynamic'] as const;
export type BmType = (typeof BM_TYPES)[number];

/** What an operator may give for a host (StarlingX's host-add / bulk-add fields). */
export interface HostInput {
  hostname?: string;
  personality?: string;
  subfunctions?: string;
  mgmt_mac?: string;
  mgmt_ip?: string;
  bm_type?: string;
  bm_ip?: string;
  bm_username?: string;
  bm_password?: string;
  boot_device?: string;
  rootfs_device?: string;
  install_output?: string;
  console?: string;
  location?: string | Record<string, unknown>;
}

export interface HostValues {
  hostname?: string;
  personality?: Personality;
  subfunctions?: string;
  mgmt_mac?: string;
  mgmt_ip?: string;
  bm_type?: BmType;
  bm_ip?: string;
  bm_username?: string;
  bm_password?: string;
  boot_device?: string;
  rootfs_device?: string;
  install_output?: 'text' | 'graphical';
  console?: string;
  location?: Record<string, unknown>;
}

const HOSTNAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const MAC = /^([0-9a-f]{2}[:-]){5}[0-9a-f]{2}$/i;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^[0-9a-f:]+$/i;
const DEVICE = /^\/dev\/[A-Za-z0-9_./:-]+$/;

const isIp = (v: string): boolean => IPV4.test(v) || (v.includes(':') && IPV6.test(v) && v.length <= 39);

function fail(field: string, problem: string, prefix = ''): never {
  throw new StarlingError('VALIDATION_FAILED', `${prefix}${field} ${problem}`, { field });
}

/** The subfunctions StarlingX derives from the personality (AIO controllers add worker). */
export function defaultSubfunctions(personality: Personality, allInOne: boolean): string {
  return personality === 'controller' && allInOne ? 'controller,worker' : personality;
}

/** Checks every given field; `prefix` names the host in bulk files ("host worker-3: "). */
export function checkHostInput(input: HostInput, prefix = ''): HostValues {
  const out: HostValues = {};
  if (input.hostname !== undefined) {
    if (!HOSTNAME.test(input.hostname)) fail('hostname', `'${input.hostname}' must be lower-case letters, digits and dashes (1-63), not starting or ending with a dash`, prefix);
    out.hostname = input.hostname;
  }
  if (input.personality !== undefined) {
    if (!(PERSONALITIES as readonly string[]).includes(input.personality)) fail('personality', `'${input.personality}' must be one of ${PERSONALITIES.join(', ')}`, prefix);
    out.personality = input.personality as Personality;
  }
  if (input.subfunctions !== undefined) {
    const parts = input.subfunctions.split(',').map((s) => s.trim());
    if (parts.some((p) => !['controller', 'worker', 'storage', 'lowlatency'].includes(p))) {
      fail('subfunctions', `'${input.subfunctions}' must be a comma list of controller, worker, storage, lowlatency`, prefix);
    }
    out.subfunctions = parts.join(',');
  }
  if (input.mgmt_mac !== undefined) {
    if (!MAC.test(input.mgmt_mac)) fail('mgmt_mac', `'${input.mgmt_mac}' is not a MAC address like 08:00:27:4b:6a:6a`, prefix);
    out.mgmt_mac = input.mgmt_mac.toLowerCase().replaceAll('-', ':');
  }
  if (input.mgmt_ip !== undefined) {
    if (!isIp(input.mgmt_ip)) fail('mgmt_ip', `'${input.mgmt_ip}' is not an IPv4 or IPv6 address`, prefix);
    out.mgmt_ip = input.mgmt_ip;
  }
  if (input.bm_type !== undefined) {
    if (!(BM_TYPES as readonly string[]).includes(input.bm_type)) fail('bm_type', `'${input.bm_type}' must be one of ${BM_TYPES.join(', ')}`, prefix);
    out.bm_type = input.bm_type as BmType;
  }
  if (input.bm_ip !== undefined) {
    if (!isIp(input.bm_ip)) fail('bm_ip', `'${input.bm_ip}' is not an IPv4 or IPv6 address`, prefix);
    out.bm_ip = input.bm_ip;
  }
  if (input.bm_username !== undefined) {
    if (input.bm_username.length < 1 || input.bm_username.length > 64) fail('bm_username', 'must have 1-64 characters', prefix);
    out.bm_username = input.bm_username;
  }
  if (input.bm_password !== undefined) {
    if (input.bm_password.length < 1 || input.bm_password.length > 128) fail('bm_password', 'must have 1-128 characters', prefix);
    out.bm_password = input.bm_password;
  }
  for (const f of ['boot_device', 'rootfs_device'] as const) {
    const v = input[f];
    if (v === undefined) continue;
    if (!DEVICE.test(v)) fail(f, `'${v}' must be a device path like /dev/sda or /dev/disk/by-path/…`, prefix);
    out[f] = v;
  }
  if (input.install_output !== undefined) {
    if (input.install_output !== 'text' && input.install_output !== 'graphical') fail('install_output', 'must be text or graphical', prefix);
    out.install_output = input.install_output;
  }
  if (input.console !== undefined) {
    if (!/^[A-Za-z0-9,]{0,32}$/.test(input.console)) fail('console', `'${input.console}' must look like ttyS0,115200 (or be empty)`, prefix);
    out.console = input.console;
  }
  if (input.location !== undefined) {
    out.location = typeof input.location === 'string' ? { locn: input.location } : input.location;
  }
  return out;
}

/** A new host needs a hostname and personality, or a MAC (an unprovisioned host). BMC fields go together. */
export function checkNewHost(v: HostValues, prefix = ''): void {
  if (v.personality !== undefined && v.hostname === undefined) fail('hostname', 'is required with a personality', prefix);
  if (v.hostname === undefined && v.mgmt_mac === undefined) fail('hostname', 'or mgmt_mac is required', prefix);
  if (v.personality !== undefined && v.personality !== 'controller' && v.mgmt_mac === undefined) fail('mgmt_mac', `is required for a ${v.personality}`, prefix);
  checkBmc(v, prefix);
}

export function checkBmc(v: Pick<HostValues, 'bm_type' | 'bm_ip' | 'bm_username' | 'bm_password'>, prefix = ''): void {
  if (v.bm_type !== undefined && v.bm_type !== 'none') {
    if (v.bm_ip === undefined) fail('bm_ip', `is required with bm_type ${v.bm_type}`, prefix);
    if (v.bm_username === undefined) fail('bm_username', `is required with bm_type ${v.bm_type}`, prefix);
  }
}
