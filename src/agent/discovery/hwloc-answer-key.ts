// For tests: reads hwloc's own reading of a machine (lstopo's console output, or hwloc XML) into
// the facts inventory discovery must agree with. hwloc is an independent implementation, so a
// wrong reading on our side shows up as a difference.

export interface AnswerKey {
  /** Package os_index → CPUModel. */
  packages: Map<number, string | null>;
  cores: number;
  /** PU os_index values: the logical CPU ids. */
  pus: number[];
  numaNodes: { os_index: number; bytes: number; tolerance: number }[];
  pci: {
    busid: string;
    class: string;
    vendor: string;
    device: string;
    subvendor: string | null;
    subdevice: string | null;
    bridge: boolean;
  }[];
  /** True for XML written with --whole-io (every PCI function); the console lists only interesting ones. */
  allPci: boolean;
  disks: { name: string; sizeKib: number | null; model: string | null; serial: string | null }[];
  nets: string[];
  /** Page sizes in bytes, the base page first (hwloc's PageSizes info), when the key records them. */
  pageSizes: number[] | null;
}

interface XmlNode {
  tag: string;
  attrs: Record<string, string>;
  children: XmlNode[];
}

const decode = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)))
    .replace(/&amp;/g, '&');

function parseXml(text: string): XmlNode {
  const root: XmlNode = { tag: 'root', attrs: {}, children: [] };
  const stack = [root];
  for (const m of text.matchAll(/<(\/?)([A-Za-z]+)\b([^>]*?)(\/?)>/g)) {
    const [, close, tag, rest, selfClose] = m;
    if (close) {
      stack.pop();
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of rest!.matchAll(/([\w:]+)="([^"]*)"/g)) attrs[a[1]!] = decode(a[2]!);
    const node: XmlNode = { tag: tag!, attrs, children: [] };
    stack[stack.length - 1]!.children.push(node);
    if (!selfClose) stack.push(node);
  }
  return root;
}

function* walk(n: XmlNode): Generator<XmlNode> {
  yield n;
  for (const c of n.children) yield* walk(c);
}

const info = (n: XmlNode, name: string): string | null =>
  n.children.find((c) => c.tag === 'info' && c.attrs.name === name)?.attrs.value ?? null;

/** `0600 [8086:3c00] [1028:0518] 07 00` → class, ids, subsystem ids. */
function pciType(t: string) {
  const m = /^([0-9a-f]{4}) \[([0-9a-f]{4}):([0-9a-f]{4})\] \[([0-9a-f]{4}):([0-9a-f]{4})\]/.exec(t);
  if (!m) throw new Error(`unexpected pci_type ${t}`);
  return { class: m[1]!, vendor: m[2]!, device: m[3]!, subvendor: m[4]!, subdevice: m[5]! };
}

const emptyKey = (): Omit<AnswerKey, 'allPci' | 'pageSizes'> => ({
  packages: new Map(),
  cores: 0,
  pus: [],
  numaNodes: [],
  pci: [],
  disks: [],
  nets: [],
});

export function parseHwlocXml(text: string): AnswerKey {
  const key: AnswerKey = {
    ...emptyKey(),
    allPci: true,
    pageSizes: null,
  };
  const doc = parseXml(text);
  const topology = doc.children.find((c) => c.tag === 'topology');
  const sizes = topology ? info(topology, 'PageSizes') : null;
  if (sizes !== null) key.pageSizes = sizes.split(',').map(Number);
  for (const n of walk(doc)) {
    if (n.tag !== 'object') continue;
    const a = n.attrs;
    const os = Number(a.os_index);
    switch (a.type) {
      case 'Package':
        key.packages.set(os, info(n, 'CPUModel'));
        break;
      case 'Core':
        key.cores++;
        break;
      case 'PU':
        key.pus.push(os);
        break;
      case 'NUMANode':
        // local_memory is exact (bytes); ours is rounded down to MiB.
        key.numaNodes.push({ os_index: os, bytes: Number(a.local_memory), tolerance: 2 ** 20 });
        break;
      case 'PCIDev':
      case 'Bridge':
        if (a.pci_busid !== undefined && a.pci_type !== undefined) {
          key.pci.push({ busid: a.pci_busid, ...pciType(a.pci_type), bridge: a.type === 'Bridge' });
        }
        break;
      case 'OSDev':
        if (a.osdev_type === '1' && a.subtype === 'Disk') {
          const size = info(n, 'Size');
          key.disks.push({
            name: a.name!,
            sizeKib: size === null ? null : parseInt(size, 10),
            model: info(n, 'Model'),
            serial: info(n, 'SerialNumber'),
          });
        }
        if (a.osdev_type === '16') key.nets.push(a.name!);
        break;
    }
  }
  return key;
}

const UNITS: Record<string, number> = { B: 1, KiB: 2 ** 10, MiB: 2 ** 20, GiB: 2 ** 30, TiB: 2 ** 40 };

/** lstopo's console output (`Package L#0 (P#0 CPUModel="…")`, `NUMANode L#0 (P#0 local=16GiB …)`, …). */
export function parseHwlocConsole(text: string): AnswerKey {
  const key: AnswerKey = {
    ...emptyKey(),
    allPci: false,
    pageSizes: null,
  };
  const sizes = /\bPageSizes=([\d,]+)/.exec(text);
  if (sizes) key.pageSizes = sizes[1]!.split(',').map(Number);
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    let m: RegExpExecArray | null;
    if ((m = /^Package L#\d+ \(P#(\d+)(?:.*CPUModel="([^"]*)")?/.exec(line)))
      key.packages.set(Number(m[1]), m[2] ?? null);
    else if (/^Core L#\d+/.test(line)) key.cores++;
    else if ((m = /^PU L#\d+ \(P#(\d+)\)/.exec(line))) key.pus.push(Number(m[1]));
    else if ((m = /^NUMANode L#\d+ \(P#(\d+) local=(\d+)(B|KiB|MiB|GiB|TiB)\b/.exec(line))) {
      // lstopo rounds to the nearest unit (134204252 kB prints as 128GiB): half a unit either way, plus our MiB.
      const unit = UNITS[m[3]!]!;
      key.numaNodes.push({
        os_index: Number(m[1]),
        bytes: Number(m[2]) * unit,
        tolerance: unit / 2 + 2 ** 20,
      });
    } else if (
      (m = /^(PCI|PCIBridge) L#\d+ \(busid=(\S+) id=([0-9a-f]{4}):([0-9a-f]{4}) class=([0-9a-f]{4})/.exec(
        line,
      ))
    ) {
      key.pci.push({
        busid: m[2]!,
        class: m[5]!,
        vendor: m[3]!,
        device: m[4]!,
        subvendor: null,
        subdevice: null,
        bridge: m[1] === 'PCIBridge',
      });
    } else if ((m = /^OSDev\[(\w+)\] L#\d+ (?:\((.*)\) )?"([^"]+)"/.exec(line))) {
      const size = /Size=(\d+)KiB/.exec(m[2] ?? '');
      if (m[1] === 'Storage')
        key.disks.push({ name: m[3]!, sizeKib: size ? Number(size[1]) : null, model: null, serial: null });
      if (m[1] === 'Network') key.nets.push(m[3]!);
    }
  }
  return key;
}
