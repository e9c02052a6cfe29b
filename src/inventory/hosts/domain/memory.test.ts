import { describe, expect, it } from 'vitest';
import { StarlingError } from '../../../common/errors.ts';
import { maxPages, memoryView, planMemoryChange, type MemoryNode } from './memory.ts';

/** A NUMA node with 16 GiB, 2 GiB of it for the platform, 1G pages supported, nothing pending. */
const node: MemoryNode = {
  numa_node: 0,
  memtotal_mib: 16_384,
  platform_reserved_mib: 2_048,
  vm_hugepages_nr_2M: 512,
  vm_hugepages_nr_1G: 0,
  vm_hugepages_nr_2M_pending: null,
  vm_hugepages_nr_1G_pending: null,
  vm_hugepages_use_1G: true,
};

function refusal(n: MemoryNode, req: Record<string, unknown>): { field?: string; message: string } {
  try {
    planMemoryChange(n, req);
  } catch (e) {
    expect(e).toBeInstanceOf(StarlingError);
    return { field: (e as StarlingError).field, message: (e as StarlingError).message };
  }
  throw new Error('expected a refusal');
}

describe('planMemoryChange', () => {
  it('takes counts as numbers or as cgtsclient’s strings and returns what to store', () => {
    expect(
      planMemoryChange(node, { vm_hugepages_nr_2M_pending: '1024', vm_hugepages_nr_1G_pending: 4 }),
    ).toEqual({
      vm_hugepages_nr_2M_pending: 1024,
      vm_hugepages_nr_1G_pending: 4,
    });
    expect(planMemoryChange(node, { platform_reserved_mib: 3000 })).toEqual({ platform_reserved_mib: 3000 });
  });

  it('fills the node exactly: 2M pages + 1G pages + platform = total is allowed, one page more is not', () => {
    // 16384 - 2048 = 14336 MiB: 10 GiB of 1G pages and 2048 MiB of 2M pages.
    expect(
      planMemoryChange(node, { vm_hugepages_nr_1G_pending: 10, vm_hugepages_nr_2M_pending: 2048 }),
    ).toBeDefined();
    const r = refusal(node, { vm_hugepages_nr_1G_pending: 10, vm_hugepages_nr_2M_pending: 2049 });
    expect(r.field).toBe('/vm_hugepages_nr_2M_pending');
    expect(r.message).toContain('processor 0 has 16384 MiB');
    expect(r.message).toContain('at most 2048 2M');
  });

  it('counts pages already pending, and the current ones when none are', () => {
    const pending = { ...node, vm_hugepages_nr_1G_pending: 12 };
    // 12 GiB pending + 2 GiB platform + 512 × 2M (1 GiB) = 15 GiB: 2 GiB more 2M pages do not fit.
    expect(refusal(pending, { vm_hugepages_nr_2M_pending: 1536 }).field).toBe('/vm_hugepages_nr_2M_pending');
    expect(planMemoryChange(pending, { vm_hugepages_nr_2M_pending: 1024 })).toBeDefined();
  });

  it('names the platform memory when it is what no longer fits', () => {
    const full = { ...node, vm_hugepages_nr_1G_pending: 13 };
    const r = refusal(full, { platform_reserved_mib: 4096 });
    expect(r.field).toBe('/platform_reserved_mib');
  });

  it.each([
    ['a negative count', { vm_hugepages_nr_2M_pending: -1 }, '/vm_hugepages_nr_2M_pending', 'zero or more'],
    ['a fraction', { vm_hugepages_nr_1G_pending: 1.5 }, '/vm_hugepages_nr_1G_pending', 'whole number'],
    ['a word', { platform_reserved_mib: 'lots' }, '/platform_reserved_mib', 'whole number'],
    ['nothing at all', {}, '/vm_hugepages_nr_2M_pending', 'nothing to modify'],
  ])('refuses %s', (_, req, field, words) => {
    const r = refusal(node, req);
    expect(r.field).toBe(field);
    expect(r.message).toContain(words);
  });

  it('refuses 1G pages on a processor without them, but accepts zero', () => {
    const no1G = { ...node, vm_hugepages_use_1G: false };
    const r = refusal(no1G, { vm_hugepages_nr_1G_pending: 1 });
    expect(r.field).toBe('/vm_hugepages_nr_1G_pending');
    expect(r.message).toContain('does not support 1G');
    expect(planMemoryChange(no1G, { vm_hugepages_nr_1G_pending: 0 })).toEqual({
      vm_hugepages_nr_1G_pending: 0,
    });
  });
});

describe('memoryView', () => {
  it('shows how many pages of each size would fit alone', () => {
    const v = memoryView(node);
    expect(v.vm_hugepages_possible_2M).toBe(7168);
    expect(v.vm_hugepages_possible_1G).toBe(14);
    expect(memoryView({ ...node, vm_hugepages_use_1G: false }).vm_hugepages_possible_1G).toBe(0);
    expect(maxPages(node, { vm_hugepages_nr_2M_pending: 1024 }, '1G')).toBe(12);
  });
});
