// Tearing a lab down from what is on the machine, not from what a daemon remembers: every
// namespace the lab's name owns, the processes in them, and its one link in the root namespace.

import fs from 'node:fs';
import type { Logger } from '../common/log.ts';
import { linkKind, linkStates, listNamespaces, namespacePids, runIp } from './netns.ts';
import { isLabNamespace, type LabTopology } from './topology.ts';

export interface TeardownReport {
  namespaces: string[];
  killed: number[];
  rootLinks: string[];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Is the process still running? A zombie is not: it has exited and only waits for its parent to
 * reap it (the lab daemon is a child of whoever ran `lab up`, e.g. a test runner that is busy).
 */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Waits up to `ms` for the processes to exit on their own; true if they did. */
export async function waitExit(pids: number[], ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (pids.some(alive) && Date.now() < until) await sleep(50);
  return !pids.some(alive);
}

function comm(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/**
 * SIGTERM, up to `graceMs` to exit, then SIGKILL. PostgreSQL's server gets SIGINT instead: its
 * "fast" shutdown (SIGTERM is "smart" and waits for every client to leave).
 */
export async function killAll(pids: number[], graceMs: number): Promise<void> {
  const signal = (p: number, s: NodeJS.Signals): void => {
    try {
      process.kill(p, s);
    } catch {
      // already gone
    }
  };
  for (const p of pids) signal(p, comm(p) === 'postgres' ? 'SIGINT' : 'SIGTERM');
  const until = Date.now() + graceMs;
  while (pids.some(alive) && Date.now() < until) await sleep(100);
  for (const p of pids.filter(alive)) signal(p, 'SIGKILL');
  while (pids.some(alive) && Date.now() < until + 5000) await sleep(50);
}

/**
 * Removes a lab named `name`: also one whose daemon died or whose folder is gone. Namespaces are
 * recognised by name (`NAME-sw`, `NAME-bmc`, `NAME-controller-0`…), never by a bare prefix, so a
 * lab never deletes another lab's or anybody else's namespaces.
 */
export async function teardownLab(
  name: string,
  t: LabTopology | undefined,
  log?: Logger,
): Promise<TeardownReport> {
  const ours = new Set(t ? [t.switchNamespace, t.bmcNamespace, ...t.hosts.map((h) => h.namespace)] : []);
  const namespaces = (await listNamespaces()).filter((ns) => ours.has(ns) || isLabNamespace(name, ns));
  // A namespace outlives `ip netns del` while a process is in it: stop them first. PostgreSQL
  // gets a few seconds to shut down on SIGTERM.
  const pids = (await Promise.all(namespaces.map(namespacePids))).flat();
  if (pids.length > 0) {
    log?.info({ pids }, 'stopping processes left in the lab’s namespaces');
    // Starling's processes first: a controller stops its own PostgreSQL; what is left goes next.
    await killAll(
      pids.filter((p) => !comm(p).startsWith('postgres')),
      5000,
    );
    await killAll(pids.filter(alive), 5000);
  }
  if (namespaces.length > 0) {
    // One `ip -force -batch`: every deletion is tried even if one fails.
    await runIp(['-force', '-batch', '-'], namespaces.map((ns) => `netns del ${ns}\n`).join('')).catch(
      (e: unknown) =>
        log?.warn({ namespaces, err: (e as Error).message }, 'could not delete every namespace'),
    );
  }
  // Deleting the switch namespace deletes the root veth's peer and so the veth; make sure anyway.
  const candidates = new Set([`${name}-oam`, `${name}-mgmt`, ...(t ? [t.root.ifname] : [])]);
  const present = (await linkStates(undefined)).map((l) => l.ifname).filter((n) => candidates.has(n));
  // Only a veth: a real interface that happens to have such a name is never touched.
  const rootLinks: string[] = [];
  for (const l of present) {
    if ((await linkKind(l)) !== 'veth') continue;
    try {
      await runIp(['link', 'del', 'dev', l]);
      rootLinks.push(l);
    } catch (e) {
      // The kernel removes a namespace's veths asynchronously: it may have gone meanwhile.
      if (!/Cannot find device/.test((e as Error).message))
        log?.warn({ link: l, err: (e as Error).message }, 'could not delete the root link');
    }
  }
  log?.info({ namespaces, rootLinks }, 'lab network removed');
  return { namespaces, killed: pids, rootLinks };
}
