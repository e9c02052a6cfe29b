// The CLI as an operator uses it: openrc-style login, table/json/yaml/value output, clear errors
// with the documented exit codes, and every command in the audit log.

import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { ADMIN_PASSWORD, startSite, type TestSite } from '../../test/support/site.ts';
import { runCli } from './index.ts';

const execFileAsync = promisify(execFile);

describe('starling CLI', () => {
  let site: TestSite;
  let env: Record<string, string>;

  beforeAll(async () => {
    site = await startSite();
    env = { OS_AUTH_URL: `${site.url}/v3`, OS_USERNAME: 'admin', OS_PASSWORD: ADMIN_PASSWORD, OS_PROJECT_NAME: 'admin' };
  });
  afterAll(async () => site?.stop());

  async function cli(args: string[], e: Record<string, string | undefined> = env): Promise<{ code: number; out: string; err: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(args, { out: (t) => out.push(t), err: (t) => err.push(t) }, e);
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  it('system show prints a Property/Value table', async () => {
    const r = await cli(['system', 'show']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^\+-+\+-+\+\n\| Property +\| Value +\|/);
    expect(r.out).toMatch(/\| system_mode +\| simplex +\|/);
    expect(r.out).toMatch(/\| system_type +\| All-in-one +\|/);
  });

  it('--format json, yaml and value give machine-readable output', async () => {
    const j = await cli(['--format', 'json', 'system', 'show']);
    expect(JSON.parse(j.out)).toMatchObject({ name: 'starling', system_mode: 'simplex' });
    const y = await cli(['system', 'show', '-f', 'yaml']);
    expect(YAML.parse(y.out)).toMatchObject({ system_type: 'All-in-one' });
    const users = await cli(['openstack', 'user', 'list', '-f', 'value']);
    expect(users.out.split('\n').some((l) => / admin true /.test(` ${l} `))).toBe(true);
  });

  it('system modify changes the system and shows the result', async () => {
    const r = await cli(['system', 'modify', '--location', 'Wind farm 7', '-f', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).location).toBe('Wind farm 7');
    expect(JSON.parse((await cli(['system', 'show', '-f', 'json'])).out).location).toBe('Wind farm 7');
  });

  it('logs in with --os-* flags instead of the environment', async () => {
    const r = await cli(
      ['--os-auth-url', `${site.url}/v3`, '--os-username', 'admin', '--os-password', ADMIN_PASSWORD, 'system', 'show', '-f', 'value'],
      {},
    );
    expect(r.code).toBe(0);
    expect(r.out).toContain('simplex');
  });

  it('a new user with the reader role can read but is refused changes (exit 1, clear message)', async () => {
    expect((await cli(['openstack', 'user', 'create', 'auditor', '--password', 'auditor-pw-1', '--project', 'admin', '--role', 'reader'])).code).toBe(0);
    const readerEnv = { ...env, OS_USERNAME: 'auditor', OS_PASSWORD: 'auditor-pw-1' };
    expect((await cli(['system', 'show'], readerEnv)).code).toBe(0);
    const denied = await cli(['system', 'modify', '--name', 'x'], readerEnv);
    expect(denied.code).toBe(1);
    expect(denied.err).toMatch(/^Error: .*needs the admin role/);
    const roles = await cli(['openstack', 'role', 'assignment', 'list', '--user', 'auditor', '--names', '-f', 'json']);
    expect(JSON.parse(roles.out)).toEqual([{ role: 'reader', user: 'auditor', project: 'admin' }]);
  });

  it('errors: wrong password → 1, no credentials or bad usage → 2, unreachable API → 1', async () => {
    const wrong = await cli(['system', 'show'], { ...env, OS_PASSWORD: 'nope-nope' });
    expect(wrong.code).toBe(1);
    expect(wrong.err).toContain('Error: The user name, password or project is wrong');
    const none = await cli(['system', 'show'], {});
    expect(none.code).toBe(2);
    expect(none.err).toContain('OS_USERNAME');
    const unknown = await cli(['system', 'no-such-command']);
    expect(unknown.code).toBe(2);
    const badFormat = await cli(['-f', 'xml', 'system', 'show']);
    expect(badFormat.code).toBe(2);
    expect(badFormat.err).toContain('xml');
    const badModify = await cli(['system', 'modify']);
    expect(badModify.code).toBe(2);
    const down = await cli(['system', 'show'], { ...env, OS_AUTH_URL: 'http://127.0.0.1:1/v3' });
    expect(down.code).toBe(1);
    expect(down.err).toContain('cannot reach http://127.0.0.1:1');
  });

  it('--help works on every command group and command (exit 0)', async () => {
    for (const args of [['--help'], ['system', '--help'], ['system', 'show', '--help'], ['openstack', 'user', 'create', '--help'], ['audit-list', '--help'], ['up', '--help']]) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.out, args.join(' ')).toContain('Usage: starling');
    }
  });

  it('every command lands in the audit log with its exit code, passwords hidden', async () => {
    await cli(['openstack', 'user', 'create', 'temp-user', '--password', 'very-secret-pw']);
    await cli(['system', 'modify', '--contact', '']);
    const r = await cli(['audit-list', '--kind', 'cli', '-f', 'json', '--limit', '50']);
    expect(r.code).toBe(0);
    const entries = JSON.parse(r.out) as { what: string; status: number; user_name: string }[];
    const commands = entries.map((e) => e.what);
    expect(commands).toContain('starling openstack user create temp-user --password ***');
    expect(commands).toContain('starling system modify --contact ""');
    expect(commands.some((c) => c.startsWith('starling system show'))).toBe(true);
    expect(JSON.stringify(entries)).not.toContain('very-secret-pw');
    // a refused command is recorded with its failure code
    const failed = entries.find((e) => e.what === 'starling system modify --name x');
    expect(failed).toMatchObject({ status: 1, user_name: 'auditor' });
  });

  it('runs as a real process: bin/starling system show --format json', async () => {
    const bin = path.resolve(import.meta.dirname, '../../bin/starling');
    const { stdout } = await execFileAsync(bin, ['system', 'show', '--format', 'json'], { env: { ...process.env, ...env } });
    expect(JSON.parse(stdout)).toMatchObject({ system_mode: 'simplex' });
    const failed = await execFileAsync(bin, ['system', 'show'], { env: { ...process.env, ...env, OS_PASSWORD: 'wrong-wrong' } }).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(failed).toMatchObject({ code: 1 });
    expect((failed as { stderr: string }).stderr).toContain('Error:');
  });
});
