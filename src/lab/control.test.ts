import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StarlingError } from '../common/errors.ts';
import { checkSocketPath, controlRequest, serveControl, type ControlServer } from './control.ts';

describe('lab control socket', () => {
  let dir: string;
  let sock: string;
  let server: ControlServer;

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'stl-ctl-'));
    sock = path.join(dir, 'control.sock');
    server = await serveControl(sock, async (req, progress) => {
      if (req.op === 'echo') return { said: req.text };
      if (req.op === 'steps') {
        progress('one');
        progress('two');
        return 'done';
      }
      if (req.op === 'refuse')
        throw new StarlingError('HOST_STATE_CONFLICT', 'worker-0 is powered off', { field: 'host' });
      throw new Error('boom');
    });
  });
  afterAll(async () => {
    await server.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('answers a request with its result; the socket is private', async () => {
    expect(await controlRequest(sock, { op: 'echo', text: 'hi' })).toEqual({ said: 'hi' });
    expect((await fs.stat(sock)).mode & 0o777).toBe(0o600);
  });

  it('streams progress before the result', async () => {
    const seen: string[] = [];
    expect(await controlRequest(sock, { op: 'steps' }, { onProgress: (m) => seen.push(m) })).toBe('done');
    expect(seen).toEqual(['one', 'two']);
  });

  it('brings the daemon’s error back with its code and field', async () => {
    const e = await controlRequest(sock, { op: 'refuse' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(StarlingError);
    expect(e).toMatchObject({
      code: 'HOST_STATE_CONFLICT',
      field: 'host',
      message: 'worker-0 is powered off',
    });
    await expect(controlRequest(sock, { op: 'other' })).rejects.toMatchObject({
      code: 'INTERNAL',
      message: 'boom',
    });
  });

  it('says no lab runs when nothing listens', async () => {
    await expect(controlRequest(path.join(dir, 'none.sock'), { op: 'ping' })).rejects.toMatchObject({
      code: 'LAB_NOT_RUNNING',
    });
  });

  it('refuses a folder too deep for a Unix socket path', () => {
    expect(() => checkSocketPath(`/tmp/${'x'.repeat(120)}/control.sock`)).toThrow(/too long/);
  });
});
