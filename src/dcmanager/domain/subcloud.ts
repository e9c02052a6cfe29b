// Subclouds: StarlingX's states and field rules (dcmanager's phased_subcloud_deploy validation),
// the checks of `subcloud add`, manage/unmanage and delete. Pure: values in, a subcloud or a
// StarlingError naming the field out.

import { StarlingError } from '../../common/errors.ts';
import { contains, overlaps, parseIp, parseSubnet, subnetSize, type Ip, type Subnet } from './ip.ts';

export const MANAGEMENT_STATES = ['managed', 'unmanaged'] as const;
export type ManagementState = (typeof MANAGEMENT_STATES)[number];
export const AVAILABILITY_STATUSES = ['online', 'offline'] as const;
export type AvailabilityStatus = (typeof AVAILABILITY_STATUSES)[number];
export const SYNC_STATUSES = ['in-sync', 'out-of-sync', 'unknown'] as const;
export type SyncStatus = (typeof SYNC_STATUSES)[number];

/** dcmanager's endpoint types, in its order; `usm` is the software (USM) endpoint. */
export const ENDPOINT_TYPES = ['platform', 'identity', 'dc-cert', 'firmware', 'kubernetes', 'kube-rootca', 'usm'] as const;
export type EndpointType = (typeof ENDPOINT_TYPES)[number];

/** The deploy states of StarlingX's main path (a site added here is already deployed: `complete`). */
export const DEPLOY_COMPLETE = 'complete';

/** StarlingX's region names a subcloud may not take (the system controller's own). */
const RESERVED_NAMES = ['SystemController', 'RegionOne'];

/** StarlingX: a management subnet of at least 7 addresses, a range of at least 4. */
const MIN_SUBNET_ADDRESSES = 7n;
const MIN_RANGE_ADDRESSES = 4n;

/** The fields `subcloud add` takes, each from the request body or the bootstrap values file. */
export interface NewSubcloudInput {
  bootstrapAddress: unknown;
  /** The bootstrap values file, parsed (StarlingX's keys: management_start_address, …). */
  bootstrapValues: Record<string, unknown>;
  /** Fields given directly (CLI flags), which win over the file. */
  overrides: Partial<Record<'name' | 'description' | 'location' | 'management_subnet' | 'management_start_ip' | 'management_end_ip' | 'management_gateway_ip' | 'systemcontroller_gateway_ip', unknown>>;
}

export interface NewSubcloud {
  name: string;
  description: string | null;
  location: string | null;
  management_subnet: string;
  management_start_ip: string;
  management_end_ip: string;
  management_gateway_ip: string;
  systemcontroller_gateway_ip: string;
  bootstrap_address: string;
  admin_username: string;
  admin_project: string;
  admin_password: string;
}

export interface ExistingSubcloud {
  name: string;
  management_subnet: string;
}

const bad = (field: string, message: string): never => {
  throw new StarlingError('VALIDATION_FAILED', message, { field });
};

/** Where a field came from: the body (`/name`) or the bootstrap values file (`/bootstrap_values/name`). */
function pick(input: NewSubcloudInput, body: keyof NewSubcloudInput['overrides'], file: string): { value: unknown; field: string } {
  const o = input.overrides[body];
  if (o !== undefined) return { value: o, field: `/${body}` };
  return { value: input.bootstrapValues[file], field: `/bootstrap_values/${file}` };
}

function text(v: { value: unknown; field: string }, name: string, required: boolean, max = 255): string | null {
  if (v.value === undefined || v.value === null || v.value === '') {
    if (required) bad(v.field, `${name} is required`);
    return null;
  }
  if (typeof v.value !== 'string' && typeof v.value !== 'number') return bad(v.field, `${name} must be a string`);
  const s = String(v.value);
  if (s.length > max) bad(v.field, `${name} must have at most ${max} characters`);
  return s;
}

/** StarlingX's rule: letters, digits, '-', '_' and '.', not digits only, not a system controller region. */
export function checkSubcloudName(name: string, field: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/.test(name)) {
    bad(field, `name '${name}' is invalid: use letters, digits, '.', '_' and '-', starting with a letter or digit`);
  }
  if (/^\d+$/.test(name)) bad(field, 'name must contain alphabetic characters');
  if (RESERVED_NAMES.includes(name)) bad(field, `name cannot be ${RESERVED_NAMES.join(' or ')}`);
  return name;
}

function address(v: { value: unknown; field: string }, name: string, subnet?: Subnet): Ip {
  const s = text(v, name, true)!;
  const ip = parseIp(s);
  if (!ip) return bad(v.field, `${name} invalid: '${s}' is not an IP address`);
  if (subnet) {
    if (!contains(subnet, ip)) bad(v.field, `${name} invalid: Address must be in subnet ${subnetTextOf(subnet)}`);
    if (ip.family === 4 && subnet.prefix < 31) {
      if (ip.value === subnet.network) bad(v.field, `${name} invalid: Cannot use network address`);
      if (ip.value === subnet.network + subnetSize(subnet) - 1n) bad(v.field, `${name} invalid: Cannot use broadcast address`);
    }
  }
  return ip;
}

function subnetTextOf(s: Subnet): string {
  if (s.family === 4) return `${[24n, 16n, 8n, 0n].map((b) => ((s.network >> b) & 255n).toString()).join('.')}/${s.prefix}`;
  const groups = Array.from({ length: 8 }, (_, i) => ((s.network >> BigInt(112 - 16 * i)) & 0xffffn).toString(16));
  return `${groups.join(':')}/${s.prefix}`;
}

/** `subcloud add`: the subcloud to store, or the first rule it breaks (400 naming the field; an
 *  overlapping management subnet or a taken name is a 409). */
export function checkNewSubcloud(input: NewSubcloudInput, existing: readonly ExistingSubcloud[]): NewSubcloud {
  const addr = text({ value: input.bootstrapAddress, field: '/bootstrap-address' }, 'bootstrap-address', true)!;
  let url: URL | undefined;
  try {
    url = new URL(addr);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.search !== '' || url.hash !== '') {
    bad('/bootstrap-address', `bootstrap-address '${addr}' must be the subcloud's API URL, e.g. http://10.10.10.2:6385`);
  }

  const nameField = pick(input, 'name', 'name');
  const name = checkSubcloudName(text(nameField, 'name', true)!, nameField.field);
  const description = text(pick(input, 'description', 'description'), 'description', false);
  const location = text(pick(input, 'location', 'location'), 'location', false);

  const subnetField = pick(input, 'management_subnet', 'management_subnet');
  const subnetText = text(subnetField, 'management_subnet', true)!;
  const subnet = parseSubnet(subnetText);
  if (subnet === 'not-a-subnet') return bad(subnetField.field, `management_subnet invalid: '${subnetText}' is not a subnet like 192.168.101.0/24`);
  if (subnet === 'host-bits') return bad(subnetField.field, `management_subnet invalid: Invalid subnet - host bits set in ${subnetText}`);
  if (subnetSize(subnet) < MIN_SUBNET_ADDRESSES) {
    bad(subnetField.field, `management_subnet invalid: Subnet too small - must have at least ${MIN_SUBNET_ADDRESSES} addresses`);
  }
  const startField = pick(input, 'management_start_ip', 'management_start_address');
  const endField = pick(input, 'management_end_ip', 'management_end_address');
  const gwField = pick(input, 'management_gateway_ip', 'management_gateway_address');
  const start = address(startField, 'management_start_address', subnet);
  const end = address(endField, 'management_end_address', subnet);
  if (start.value > end.value) bad(startField.field, 'management_start_address greater than management_end_address');
  if (end.value - start.value + 1n < MIN_RANGE_ADDRESSES) {
    bad(endField.field, `management address range must contain at least ${MIN_RANGE_ADDRESSES} addresses`);
  }
  const gateway = address(gwField, 'management_gateway_address', subnet);
  if (gateway.value >= start.value && gateway.value <= end.value) {
    bad(gwField.field, `management_gateway_address invalid, is within management pool: ${text(startField, '', true)} - ${text(endField, '', true)}`);
  }
  const scField = pick(input, 'systemcontroller_gateway_ip', 'systemcontroller_gateway_address');
  const sc = address(scField, 'systemcontroller_gateway_address');
  if (sc.family !== subnet.family) bad(scField.field, `systemcontroller_gateway_address invalid: Expected IPv${subnet.family}`);

  const values = input.bootstrapValues;
  const adminPassword = text({ value: values.admin_password, field: '/bootstrap_values/admin_password' }, 'admin_password', true)!;
  const adminUsername = text({ value: values.admin_username ?? 'admin', field: '/bootstrap_values/admin_username' }, 'admin_username', true)!;
  const adminProject = text({ value: values.admin_project_name ?? 'admin', field: '/bootstrap_values/admin_project_name' }, 'admin_project_name', true)!;

  if (existing.some((e) => e.name === name)) {
    throw new StarlingError('CONFLICT', `a subcloud named ${name} already exists`, { field: nameField.field });
  }
  for (const e of existing) {
    const other = parseSubnet(e.management_subnet);
    if (typeof other !== 'string' && overlaps(subnet, other)) {
      throw new StarlingError('CONFLICT', `management_subnet ${subnetTextOf(subnet)} overlaps subcloud ${e.name}'s ${e.management_subnet}`, {
        field: subnetField.field,
      });
    }
  }
  return {
    name,
    description,
    location,
    management_subnet: subnetText.trim(),
    management_start_ip: text(startField, '', true)!.trim(),
    management_end_ip: text(endField, '', true)!.trim(),
    management_gateway_ip: text(gwField, '', true)!.trim(),
    systemcontroller_gateway_ip: text(scField, '', true)!.trim(),
    bootstrap_address: url!.toString().replace(/\/+$/, ''),
    admin_username: adminUsername,
    admin_project: adminProject,
    admin_password: adminPassword,
  };
}

export interface SubcloudState {
  name: string;
  management_state: ManagementState;
  availability_status: AvailabilityStatus;
  deploy_status: string;
}

/** manage/unmanage (PATCH management-state): refused with StarlingX's reason, or allowed. */
export function checkManagementChange(s: SubcloudState, to: ManagementState): void {
  if (s.management_state === to) {
    throw new StarlingError('CONFLICT', `Subcloud ${s.name} is already ${to}`, { field: '/management-state' });
  }
  if (to === 'managed') {
    if (s.deploy_status !== DEPLOY_COMPLETE) {
      throw new StarlingError('CONFLICT', `Subcloud ${s.name} deploy is not complete (deploy-status ${s.deploy_status}): it cannot be managed`, {
        field: '/management-state',
      });
    }
    if (s.availability_status !== 'online') {
      throw new StarlingError('CONFLICT', `Subcloud ${s.name} is not online: only an online subcloud can be managed`, {
        field: '/management-state',
      });
    }
  }
}

/** delete: only an unmanaged subcloud (StarlingX: "Cannot delete a subcloud that is managed"). */
export function checkDelete(s: SubcloudState): void {
  if (s.management_state !== 'unmanaged') {
    throw new StarlingError('CONFLICT', `Cannot delete subcloud ${s.name}: it is managed; unmanage it first`);
  }
}

/** The summary's sync column: out-of-sync if any endpoint is, in-sync if all are, else unknown. */
export function overallSync(statuses: readonly SyncStatus[]): SyncStatus {
  if (statuses.includes('out-of-sync')) return 'out-of-sync';
  if (statuses.length > 0 && statuses.every((s) => s === 'in-sync')) return 'in-sync';
  return 'unknown';
}
