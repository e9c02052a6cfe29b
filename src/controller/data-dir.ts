// The controller's data folder: a pid lock so two controllers never share it, and the secrets
// file (mode 0600) holding the embedded database's password and the agents' service password.

import fs from 'node:fs/promises';
import path from 'node:path';
import { StarlingError } from '../common/errors.ts';
import { randomBytes } from 'node:crypto';
import { newSecret } from '../common/ids.ts';
import { processAlive } from '../common/process.ts';

export interface Secrets {
  postgres_password: string;
  agent_password: string;
  /** AES-256 key (base64) for secrets kept in the database, e.g. BMC passwords. */
  secrets_key: string;
}

export async function prepareDataDir(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: 0o755 });
}

/** Folders locked by controllers of this process (a process may run several, e.g. in tests). */
const lockedHere = new Set<string>();

/** Takes the folder's lock; a lock left by a dead process is taken over. Returns the release. */
export async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  const file = path.join(dir, 'controller.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await fs.writeFile(file, `${process.pid}\n`, { flag: 'wx' });
      lockedHere.add(file);
      return async () => {
        lockedHere.delete(file);
        const owner = await fs.readFile(file, 'utf8').catch(() => '');
        if (owner.trim() === String(process.pid)) await fs.rm(file, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number((await fs.readFile(file, 'utf8').catch(() => '')).trim());
      const held = pid === process.pid ? lockedHere.has(file) : Number.isInteger(pid) && pid > 0 && processAlive(pid);
      if (held) {
        throw new StarlingError('DATA_DIR_IN_USE', `a Starling controller (pid ${pid}) already runs on ${dir}`, {
          field: '--data-dir',
        });
      }
      await fs.rm(file, { force: true });
    }
  }
  throw new StarlingError('DATA_DIR_IN_USE', `could not lock ${dir}`, { field: '--data-dir' });
}

const newSecretsKey = (): string => randomBytes(32).toString('base64');

/** The data folder's secrets; keys added by later releases are generated and saved once. */
export async function loadSecrets(dir: string): Promise<Secrets> {
  const file = path.join(dir, 'secrets.json');
  let parsed: Partial<Secrets> | undefined;
  try {
    parsed = JSON.parse(await fs.readFile(file, 'utf8')) as Partial<Secrets>;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new StarlingError('CONFIG_INVALID', `${file} is not readable JSON: ${(e as Error).message}`, { field: file });
    }
  }
  if (parsed === undefined) {
    const fresh: Secrets = { postgres_password: newSecret(24), agent_password: newSecret(24), secrets_key: newSecretsKey() };
    await fs.writeFile(file, `${JSON.stringify(fresh, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    return fresh;
  }
  if (typeof parsed.postgres_password !== 'string' || typeof parsed.agent_password !== 'string') {
    throw new StarlingError('CONFIG_INVALID', `${file} is missing postgres_password or agent_password`, { field: file });
  }
  if (typeof parsed.secrets_key !== 'string') {
    parsed.secrets_key = newSecretsKey();
    const tmp = `${file}.${process.pid}.tmp`;
    await fs.writeFile(tmp, `${JSON.stringify(parsed, null, 2)}\n`, { mode: 0o600 });
    await fs.rename(tmp, file);
  }
  return { postgres_password: parsed.postgres_password, agent_password: parsed.agent_password, secrets_key: parsed.secrets_key };
}
