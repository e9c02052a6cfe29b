// The only file access of inventory discovery: reads a root folder holding proc/ and sys/ (the
// host's `/`, or a captured tree in tests) as if chrooted into it, so no symlink can leave the root.

import { lstat, readFile, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';

/** What the discovery modules read through: paths are relative to the root, `/`-separated. */
export interface SysTree {
  /** The file's text, or undefined when it is missing or unreadable. */
  read(rel: string): Promise<string | undefined>;
  /** The names in a folder (sorted), or undefined when it is missing. */
  list(rel: string): Promise<string[] | undefined>;
  /** The path with every symlink followed (inside the root), or undefined when it does not exist. */
  resolve(rel: string): Promise<string | undefined>;
  /** The text of a symlink itself, or undefined when `rel` is not one. */
  readlink(rel: string): Promise<string | undefined>;
}

/** Linux gives up after 40 links in one lookup (ELOOP); so do we. */
const MAX_LINKS = 40;

type Entry = { kind: 'link'; target: string } | { kind: 'other' } | { kind: 'missing' };

/**
 * A root folder read with chroot semantics: an absolute link target starts again at the root and
 * `..` stops at the root, exactly what the kernel does for a process chrooted into it. Captured
 * trees keep sysfs's relative links (`sys/class/net/eth0 -> ../../devices/pci…/net/eth0`), which
 * this follows the same way on the host and in a tree.
 */
export class RootTree implements SysTree {
  private readonly entries = new Map<string, Promise<Entry>>();

  constructor(readonly root: string) {}

  async read(rel: string): Promise<string | undefined> {
    const real = await this.resolve(rel);
    if (real === undefined) return undefined;
    try {
      return await readFile(this.abs(real), 'utf8');
    } catch {
      // A folder, EACCES, or EINVAL (sysfs `speed` of a link that is down): all read as "no value".
      return undefined;
    }
  }

  async list(rel: string): Promise<string[] | undefined> {
    const real = await this.resolve(rel);
    if (real === undefined) return undefined;
    try {
      return (await readdir(this.abs(real))).sort();
    } catch {
      return undefined; // not a folder, or unreadable
    }
  }

  async readlink(rel: string): Promise<string | undefined> {
    const parent = await this.resolve(path.posix.dirname(rel));
    if (parent === undefined) return undefined;
    const e = await this.entry(path.posix.join(parent, path.posix.basename(rel)));
    return e.kind === 'link' ? e.target : undefined;
  }

  async resolve(rel: string): Promise<string | undefined> {
    let done: string[] = [];
    let todo = split(rel);
    let links = 0;
    while (todo.length > 0) {
      const name = todo.shift()!;
      if (name === '.') continue;
      if (name === '..') {
        done.pop(); // at the root, `..` is the root
        continue;
      }
      const candidate = [...done, name].join('/');
      const e = await this.entry(candidate);
      if (e.kind === 'missing') return undefined;
      if (e.kind === 'other') {
        done.push(name);
        continue;
      }
      if (++links > MAX_LINKS) return undefined;
      if (e.target.startsWith('/')) done = [];
      todo = [...split(e.target), ...todo];
    }
    return done.join('/');
  }

  private abs(rel: string): string {
    return path.join(this.root, rel);
  }

  /** lstat + readlink of one path whose parent is already resolved; cached, so shared prefixes cost once. */
  private entry(real: string): Promise<Entry> {
    let e = this.entries.get(real);
    if (!e) {
      e = (async (): Promise<Entry> => {
        try {
          const st = await lstat(this.abs(real));
          if (!st.isSymbolicLink()) return { kind: 'other' };
          return { kind: 'link', target: await readlink(this.abs(real)) };
        } catch {
          return { kind: 'missing' };
        }
      })();
      this.entries.set(real, e);
    }
    return e;
  }
}

function split(p: string): string[] {
  return p.split('/').filter((s) => s.length > 0);
}
