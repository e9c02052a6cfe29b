// Reading one value at a time with the problems noted: a file a part needs that is missing, or any
// file whose text cannot be parsed, becomes one line naming the path (relative to the root).

import path from 'node:path';
import type { SysTree } from './tree.ts';
import { parseCpuList, parseCpuMask, parseHexId, parseIntValue } from './values.ts';

/** Problem lines in the order met, each once (ports and PCI devices read the same PCI files). */
export class Problems {
  private readonly seen = new Set<string>();
  readonly lines: string[] = [];

  add(line: string): void {
    if (this.seen.has(line)) return;
    this.seen.add(line);
    this.lines.push(line);
  }

  missing(rel: string, consequence?: string): void {
    this.add(`${rel}: missing${consequence ? ` (${consequence})` : ''}`);
  }

  malformed(rel: string, text: string, expected: string): void {
    const shown = text.trim().length > 40 ? `${text.trim().slice(0, 40)}…` : text.trim();
    this.add(`${rel}: cannot read ${JSON.stringify(shown)} as ${expected}`);
  }
}

/** Whether an absent file is a problem (the part needs it) or a fact (older kernels, optional features). */
export type Need = 'required' | 'optional';

export class Reader {
  constructor(
    readonly tree: SysTree,
    readonly problems: Problems,
  ) {}

  async text(rel: string, need: Need): Promise<string | undefined> {
    const t = await this.tree.read(rel);
    if (t === undefined && need === 'required') this.problems.missing(rel);
    return t;
  }

  /** A trimmed one-line value; empty text counts as absent. */
  async line(rel: string, need: Need): Promise<string | undefined> {
    const t = (await this.text(rel, need))?.trim();
    return t === '' ? undefined : t;
  }

  async int(rel: string, need: Need): Promise<number | undefined> {
    return this.parsed(rel, need, parseIntValue, 'an integer');
  }

  async hexId(rel: string, digits: number, need: Need): Promise<string | undefined> {
    return this.parsed(rel, need, (t) => parseHexId(t, digits), `a hex id of ${digits} digits`);
  }

  async cpuList(rel: string, need: Need): Promise<number[] | undefined> {
    return this.parsed(rel, need, parseCpuList, 'a CPU list');
  }

  async cpuMask(rel: string, need: Need): Promise<number[] | undefined> {
    return this.parsed(rel, need, parseCpuMask, 'a CPU mask');
  }

  /**
   * The name a symlink points at (`driver -> ../../bus/pci/drivers/igb` → igb); null when there is
   * no link. The link's own text names it even when the target is not in the tree (captured trees
   * leave out sys/bus/pci/drivers).
   */
  async linkName(rel: string): Promise<string | null> {
    const real = await this.tree.resolve(rel);
    if (real !== undefined) return path.posix.basename(real);
    const target = await this.tree.readlink(rel);
    return target === undefined ? null : path.posix.basename(target.replace(/\/+$/, ''));
  }

  private async parsed<T>(
    rel: string,
    need: Need,
    parse: (t: string) => T | undefined,
    expected: string,
  ): Promise<T | undefined> {
    const t = await this.text(rel, need);
    if (t === undefined) return undefined;
    const v = parse(t);
    if (v === undefined) this.problems.malformed(rel, t, expected);
    return v;
  }
}
