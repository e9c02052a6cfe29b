// Huge pages and platform memory per NUMA node (system host-memory-modify): the values an operator
// asks for become the node's pending values once StarlingX's rules (memory.py) hold. Pure.

import { StarlingError } from '../../../common/errors.ts';

/** MiB per page. StarlingX's _check_memory counts a 1G page as 1000 MiB; a page is 1024. */
export const PAGE_MIB = { '2M': 2, '1G': 1024 } as const;

export const MEMORY_FIELDS = [
  'vm_hugepages_nr_2M_pending',
  'vm_hugepages_nr_1G_pending',
  'platform_reserved_mib',
] as const;
export type MemoryField = (typeof MEMORY_FIELDS)[number];
export type MemoryChange = Partial<Record<MemoryField, number>>;
/** What host-memory-modify asks for: field → raw value (a count as JSON or as cgtsclient's string). */
export type MemoryRequest = Partial<Record<MemoryField, unknown>>;

export interface MemoryNode {
  numa_node: number;
  memtotal_mib: number;
  platform_reserved_mib: number | null;
  vm_hugepages_nr_2M: number;
  vm_hugepages_nr_1G: number;
  vm_hugepages_nr_2M_pending: number | null;
  vm_hugepages_nr_1G_pending: number | null;
  /** The processor can hold 1G pages. */
  vm_hugepages_use_1G: boolean;
}

const fail = (field: MemoryField, message: string): never => {
  throw new StarlingError('VALIDATION_FAILED', message, { field: `/${field}` });
};

/** A count as cgtsclient sends it (a string of digits) or as JSON (an integer). */
function count(field: MemoryField, v: unknown): number {
  const n = typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n))
    return fail(field, `${field} must be a whole number, got ${JSON.stringify(v)}`);
  if (n < 0) fail(field, `${field} must be zero or more, got ${n}`);
  return n;
}

/** What the node will hold once the pending values apply (pending, else current). */
export function effective(
  node: MemoryNode,
  change: MemoryChange = {},
): { pages2M: number; pages1G: number; platform: number } {
  return {
    pages2M: change.vm_hugepages_nr_2M_pending ?? node.vm_hugepages_nr_2M_pending ?? node.vm_hugepages_nr_2M,
    pages1G: change.vm_hugepages_nr_1G_pending ?? node.vm_hugepages_nr_1G_pending ?? node.vm_hugepages_nr_1G,
    platform: change.platform_reserved_mib ?? node.platform_reserved_mib ?? 0,
  };
}

/**
 * host-memory-modify on one node: `requested` holds the fields asked for (raw values). Returns the
 * values to store, or refuses naming the field: counts must be whole numbers ≥ 0, 1G pages need a
 * processor that supports them, and huge pages plus platform memory must fit in the node's memory.
 */
export function planMemoryChange(
  node: MemoryNode,
  requested: MemoryRequest,
): MemoryChange {
  const change: MemoryChange = {};
  for (const f of MEMORY_FIELDS) if (requested[f] !== undefined) change[f] = count(f, requested[f]);
  if (Object.keys(change).length === 0)
    fail(
      'vm_hugepages_nr_2M_pending',
      'nothing to modify: give 2M pages, 1G pages or platform reserved memory',
    );

  if ((change.vm_hugepages_nr_1G_pending ?? 0) > 0 && !node.vm_hugepages_use_1G) {
    fail('vm_hugepages_nr_1G_pending', `processor ${node.numa_node} does not support 1G huge pages`);
  }
  const e = effective(node, change);
  const used = e.pages2M * PAGE_MIB['2M'] + e.pages1G * PAGE_MIB['1G'] + e.platform;
  if (used > node.memtotal_mib) {
    // Name what was asked for: the pages when they were, else the platform memory.
    const field = MEMORY_FIELDS.find((f) => change[f] !== undefined)!;
    fail(
      field,
      `processor ${node.numa_node} has ${node.memtotal_mib} MiB: ${e.pages2M} 2M pages (${e.pages2M * PAGE_MIB['2M']} MiB) + ` +
        `${e.pages1G} 1G pages (${e.pages1G * PAGE_MIB['1G']} MiB) + platform ${e.platform} MiB = ${used} MiB do not fit ` +
        `(at most ${maxPages(node, change, '2M')} 2M or ${maxPages(node, change, '1G')} 1G pages with the rest as asked)`,
    );
  }
  return change;
}

/** The most pages of one size that fit beside the other size and the platform memory. */
export function maxPages(node: MemoryNode, change: MemoryChange, size: '2M' | '1G'): number {
  const e = effective(node, change);
  if (size === '1G' && !node.vm_hugepages_use_1G) return 0;
  const other = size === '2M' ? e.pages1G * PAGE_MIB['1G'] : e.pages2M * PAGE_MIB['2M'];
  return Math.max(0, Math.floor((node.memtotal_mib - e.platform - other) / PAGE_MIB[size]));
}

/** A memory row as the API shows it: StarlingX's vm_hugepages_possible_* (pages of one size that
 *  would fit if the other size had none). */
export function memoryView<T extends MemoryNode>(
  node: T,
): T & { vm_hugepages_possible_2M: number; vm_hugepages_possible_1G: number } {
  return {
    ...node,
    vm_hugepages_possible_2M: maxPages(node, { vm_hugepages_nr_1G_pending: 0 }, '2M'),
    vm_hugepages_possible_1G: maxPages(node, { vm_hugepages_nr_2M_pending: 0 }, '1G'),
  };
}
