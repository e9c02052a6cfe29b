// Pure parsers for the small value formats of sysfs and procfs (CPU lists, CPU masks, numbers,
// PCI ids). Each returns undefined for text it cannot read; the caller names the file in a problem.

/** A kernel CPU list (`0-3,8,10-11`, also node lists) → sorted ids. Empty text is an empty list. */
export function parseCpuList(text: string): number[] | undefined {
  const t = text.trim();
  if (t === '') return [];
  const out = new Set<number>();
  for (const part of t.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) return undefined;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from || to - from > 65536) return undefined;
    for (let i = from; i <= to; i++) out.add(i);
  }
  return [...out].sort((a, b) => a - b);
}

/** Sorted ids → the kernel's list form (`0-15,88-103`). */
export function formatCpuList(ids: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < ids.length;) {
    let j = i;
    while (j + 1 < ids.length && ids[j + 1] === ids[j]! + 1) j++;
    parts.push(i === j ? `${ids[i]}` : `${ids[i]}-${ids[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** A kernel CPU mask (`00000000,00004040`: 32-bit hex words, most significant first) → sorted ids. */
export function parseCpuMask(text: string): number[] | undefined {
  const words = text.trim().split(',');
  if (words.some((w) => !/^[0-9a-fA-F]{1,8}$/.test(w))) return undefined;
  const out: number[] = [];
  words.reverse().forEach((w, i) => {
    const v = parseInt(w, 16);
    for (let bit = 0; bit < 32; bit++) if ((v >>> bit) & 1) out.push(i * 32 + bit);
  });
  return out;
}

/** A decimal integer, alone on its line (sysfs writes `42\n`). */
export function parseIntValue(text: string): number | undefined {
  const t = text.trim();
  return /^-?\d+$/.test(t) ? Number(t) : undefined;
}

/** A hex number with or without 0x (`0x8086`, `0x030000`). */
export function parseHexValue(text: string): number | undefined {
  const t = text.trim().replace(/^0x/i, '');
  return /^[0-9a-fA-F]{1,8}$/.test(t) ? parseInt(t, 16) : undefined;
}

/** A hex id as sysinv writes it: lower case, no 0x, zero-padded (`8086`, `030000`). */
export function parseHexId(text: string, digits: number): string | undefined {
  const t = text.trim().replace(/^0x/i, '').toLowerCase();
  if (!/^[0-9a-f]+$/.test(t) || t.length > digits) return undefined;
  return t.padStart(digits, '0');
}

/** A PCI address `dddd:bb:dd.f` (the domain may be longer on some platforms). */
export const PCI_ADDRESS = /^[0-9a-fA-F]{4,8}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$/;

/** The last path component that is a PCI address, and the path up to it: the PCI function a device hangs off. */
export function pciAncestor(resolved: string): { pciaddr: string; dir: string } | undefined {
  const parts = resolved.split('/');
  for (let i = parts.length - 1; i >= 0; i--) {
    const p = parts[i]!;
    if (PCI_ADDRESS.test(p)) return { pciaddr: p.toLowerCase(), dir: parts.slice(0, i + 1).join('/') };
  }
  return undefined;
}

/** sysfs `numa_node`: -1 means "no affinity" (one node, or firmware did not say). */
export function numaOrNull(n: number | undefined): number | null {
  return n === undefined || n < 0 ? null : n;
}

/** kB (as meminfo counts) → whole MiB, rounded down as sysinv does. */
export function kibToMib(kib: number): number {
  return Math.floor(kib / 1024);
}
