// The lab folder: where the plan, the secrets, the openrc, the control socket and every process's
// log live. The folder is the lab's identity: every `lab` command finds its daemon through it.

import fs from 'node:fs';
import path from 'node:path';
import { StarlingError } from '../common/errors.ts';
import { newSecret } from '../common/ids.ts';
import { packageRoot } from '../common/paths.ts';
import type { LabOptions, LabTopology } from './topology.ts';

/** The `bin/starling` every lab process runs (it rebuilds dist/ when src/ is newer). */
export const starlingBin = (): string => path.join(packageRoot(), 'bin', 'starling');

export const defaultLabDir = (name: string): string => `/tmp/starling-lab-${name}`;

export interface LabPaths {
  dir: string;
  /** The plan (topology and options), written by `lab up`, read by the daemon and every command. */
  labJson: string;
  /** Admin and BMC passwords (0600). */
  secrets: string;
  openrc: string;
  controlSocket: string;
  /** The BMC emulators' own socket: the daemon sets a BMC's power state through it. */
  bmcSocket: string;
  daemonPid: string;
  daemonLog: string;
  /** The controller's data folder (database, its secrets.json, controller.log). */
  controllerData: string;
  /** The site CA the controller makes on its first start (OS_CACERT, the agents' --controller-ca). */
  caFile: string;
  hostDir: (hostname: string) => string;
  bmcDir: string;
}

export function labPaths(dir: string): LabPaths {
  const d = path.resolve(dir);
  return {
    dir: d,
    labJson: path.join(d, 'lab.json'),
    secrets: path.join(d, 'secrets.json'),
    openrc: path.join(d, 'openrc'),
    controlSocket: path.join(d, 'control.sock'),
    bmcSocket: path.join(d, 'bmc.sock'),
    daemonPid: path.join(d, 'daemon.pid'),
    daemonLog: path.join(d, 'lab.log'),
    controllerData: path.join(d, 'controller-0'),
    caFile: path.join(d, 'controller-0', 'tls', 'ca.crt'),
    hostDir: (h) => path.join(d, 'hosts', h),
    bmcDir: path.join(d, 'bmc'),
  };
}

export interface LabFile {
  options: Omit<LabOptions, 'ipmiAvailable'> & { unlock: boolean };
  topology: LabTopology;
}

export interface LabSecrets {
  admin_password: string;
  /** One password for every BMC of the lab (user `admin`). */
  bmc_password: string;
}

export function newLabSecrets(): LabSecrets {
  // Keystone and BMC passwords: url-safe, no shell-special characters (the openrc quotes them anyway).
  return { admin_password: newSecret(18), bmc_password: newSecret(12) };
}

/**
 * Creates the lab folder. 0711: the controller runs PostgreSQL as the `postgres` user, which must
 * traverse into controller-0/; nobody else may list the folder, and secret files are 0600.
 */
export function createLabDir(p: LabPaths, lab: LabFile, secrets: LabSecrets): void {
  if (fs.existsSync(p.labJson)) {
    throw new StarlingError(
      'LAB_IN_USE',
      `${p.dir} already holds a lab (run 'starling lab down --dir ${p.dir}' first)`,
      { field: '--dir' },
    );
  }
  fs.mkdirSync(p.dir, { recursive: true, mode: 0o711 });
  fs.chmodSync(p.dir, 0o711);
  fs.writeFileSync(p.secrets, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  fs.writeFileSync(p.openrc, openrc(lab.topology.apiUrl, secrets.admin_password, p.caFile), { mode: 0o600 });
  fs.writeFileSync(p.labJson, `${JSON.stringify(lab, null, 2)}\n`, { mode: 0o644 });
}

/** The variables the CLI reads (src/common/config.ts loadClientConfig). */
export function openrc(apiUrl: string, adminPassword: string, caFile: string): string {
  return [
    '# Starling lab: source this file, then run starling commands (e.g. starling system host-list).',
    `export OS_AUTH_URL=${apiUrl}/v3`,
    `export OS_CACERT=${caFile}`,
    'export OS_USERNAME=admin',
    `export OS_PASSWORD='${adminPassword}'`,
    'export OS_PROJECT_NAME=admin',
    'export OS_USER_DOMAIN_NAME=Default',
    'export OS_PROJECT_DOMAIN_NAME=Default',
    '',
  ].join('\n');
}

export function readLab(p: LabPaths): LabFile {
  try {
    return JSON.parse(fs.readFileSync(p.labJson, 'utf8')) as LabFile;
  } catch (e) {
    throw new StarlingError(
      'LAB_NOT_RUNNING',
      `no lab in ${p.dir} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      { field: '--dir', cause: e },
    );
  }
}

export function readLabSecrets(p: LabPaths): LabSecrets {
  return JSON.parse(fs.readFileSync(p.secrets, 'utf8')) as LabSecrets;
}
