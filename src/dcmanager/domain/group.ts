// Subcloud groups: StarlingX's rules (dcmanager's subcloud_group controller). Pure.

import { StarlingError } from '../../common/errors.ts';

export const DEFAULT_GROUP_ID = 1;
export const DEFAULT_GROUP_NAME = 'Default';
export const UPDATE_APPLY_TYPES = ['parallel', 'serial'] as const;
/** StarlingX: 1 to 500 subclouds updated at once per group. */
export const MAX_PARALLEL = { min: 1, max: 500 } as const;

export interface GroupFields {
  name?: unknown;
  description?: unknown;
  update_apply_type?: unknown;
  max_parallel_subclouds?: unknown;
}

export interface CheckedGroupFields {
  name?: string;
  description?: string;
  update_apply_type?: (typeof UPDATE_APPLY_TYPES)[number];
  max_parallel_subclouds?: number;
}

const bad = (field: string, message: string): never => {
  throw new StarlingError('VALIDATION_FAILED', message, { field });
};

/** The given fields checked (add: all present after defaults; update: any subset). */
export function checkGroupFields(f: GroupFields, groupId?: number): CheckedGroupFields {
  const out: CheckedGroupFields = {};
  if (f.name !== undefined) {
    const n = f.name;
    if (typeof n !== 'string' || n === '' || n.length >= 255) bad('/name', 'Invalid group name: 1 to 254 characters');
    const name = n as string;
    if (/^\d+$/.test(name)) bad('/name', 'Invalid group name: it must not be a number');
    if (name === DEFAULT_GROUP_NAME) bad('/name', `Invalid group name: ${DEFAULT_GROUP_NAME} is the default group's`);
    if (groupId === DEFAULT_GROUP_ID) bad('/name', 'Default group name cannot be changed');
    out.name = name;
  }
  if (f.description !== undefined) {
    const d = f.description;
    if (typeof d !== 'string' || d === '' || d.length >= 255) bad('/description', 'Invalid group description: 1 to 254 characters');
    out.description = d as string;
  }
  if (f.update_apply_type !== undefined) {
    const t = f.update_apply_type;
    if (typeof t !== 'string' || !(UPDATE_APPLY_TYPES as readonly string[]).includes(t)) {
      bad('/update_apply_type', `Invalid group update_apply_type: must be ${UPDATE_APPLY_TYPES.join(' or ')}`);
    }
    out.update_apply_type = t as CheckedGroupFields['update_apply_type'];
  }
  if (f.max_parallel_subclouds !== undefined) {
    const v = f.max_parallel_subclouds;
    const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < MAX_PARALLEL.min || n > MAX_PARALLEL.max) {
      bad('/max_parallel_subclouds', `Invalid group max_parallel_subclouds: a whole number from ${MAX_PARALLEL.min} to ${MAX_PARALLEL.max}`);
    }
    out.max_parallel_subclouds = n as number;
  }
  return out;
}
