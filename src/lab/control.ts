// The lab daemon's control channel: JSON lines over a Unix socket in the lab folder. A Unix socket
// is reached by path, so processes inside the lab's network namespaces use it too (BMC emulators).

import fs from 'node:fs';
import net from 'node:net';
import { ERRORS, StarlingError, isStarlingError, type ErrorCode } from '../common/errors.ts';

/** One request per connection: `{op, …}`. */
export type ControlRequest = { op: string } & Record<string, unknown>;

/** What the server writes back: progress events, then exactly one final line. */
export type ControlLine =
  | { event: 'progress'; message: string }
  | { ok: true; result: unknown }
  | { ok: false; error: { code: ErrorCode; message: string; field?: string } };

export type ControlHandler = (req: ControlRequest, progress: (message: string) => void) => Promise<unknown>;

/** sun_path holds 108 bytes with its NUL; Linux refuses longer paths with a vague EINVAL. */
export const MAX_SOCKET_PATH = 107;

export function checkSocketPath(p: string): void {
  if (Buffer.byteLength(p) > MAX_SOCKET_PATH) {
    throw new StarlingError(
      'VALIDATION_FAILED',
      `the lab folder's path is too long for its control socket (${p}: at most ${MAX_SOCKET_PATH} bytes)`,
      { field: '--dir' },
    );
  }
}

export interface ControlServer {
  close(): Promise<void>;
}

/** Listens on `socketPath` (0600, replacing a stale file) and answers each request with `handler`. */
export async function serveControl(socketPath: string, handler: ControlHandler): Promise<ControlServer> {
  checkSocketPath(socketPath);
  fs.rmSync(socketPath, { force: true });
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.once('close', () => sockets.delete(sock));
    sock.on('error', () => sock.destroy());
    let buf = '';
    let handled = false;
    const write = (line: ControlLine): void => {
      if (!sock.destroyed) sock.write(`${JSON.stringify(line)}\n`);
    };
    sock.on('data', (d: Buffer) => {
      if (handled) return;
      buf += d.toString('utf8');
      const nl = buf.indexOf('\n');
      if (nl < 0) {
        if (buf.length > 1 << 20) sock.destroy();
        return;
      }
      handled = true;
      let req: ControlRequest;
      try {
        req = JSON.parse(buf.slice(0, nl)) as ControlRequest;
        if (typeof req.op !== 'string') throw new Error('no op');
      } catch {
        write({
          ok: false,
          error: {
            code: 'BAD_REQUEST',
            message: 'a control request is one JSON object with an "op" on one line',
          },
        });
        sock.end();
        return;
      }
      handler(req, (message) => write({ event: 'progress', message }))
        .then((result) => write({ ok: true, result: result ?? null }))
        .catch((e: unknown) => {
          const err = isStarlingError(e)
            ? e
            : new StarlingError('INTERNAL', (e as Error).message ?? String(e));
          write({
            ok: false,
            error: {
              code: err.code,
              message: err.message,
              ...(err.field === undefined ? {} : { field: err.field }),
            },
          });
        })
        .finally(() => sock.end());
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  fs.chmodSync(socketPath, 0o600);
  return {
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
        fs.rmSync(socketPath, { force: true });
      }),
  };
}

export interface RequestOptions {
  onProgress?: (message: string) => void;
  /** Give up after this long (default 60 s); `lab up` waits longer. */
  timeoutMs?: number;
}

/** Sends one request and resolves to its result; a failure comes back as the StarlingError the daemon threw. */
export function controlRequest<T = unknown>(
  socketPath: string,
  req: ControlRequest,
  o: RequestOptions = {},
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const sock = net.connect(socketPath);
    let buf = '';
    let done = false;
    const finish = (f: () => void): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      f();
    };
    const timeoutMs = o.timeoutMs ?? 60_000;
    const timer = setTimeout(
      () =>
        finish(() =>
          reject(
            new StarlingError(
              'SERVICE_UNAVAILABLE',
              `the lab daemon did not answer '${req.op}' within ${Math.round(timeoutMs / 1000)} s`,
            ),
          ),
        ),
      timeoutMs,
    );
    sock.once('connect', () => sock.write(`${JSON.stringify(req)}\n`));
    sock.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = JSON.parse(buf.slice(0, nl)) as ControlLine;
        buf = buf.slice(nl + 1);
        if ('event' in line) o.onProgress?.(line.message);
        else if (line.ok) finish(() => resolve(line.result as T));
        else {
          const code: ErrorCode = line.error.code in ERRORS ? line.error.code : 'INTERNAL';
          finish(() =>
            reject(
              new StarlingError(
                code,
                line.error.message,
                line.error.field === undefined ? {} : { field: line.error.field },
              ),
            ),
          );
        }
      }
    });
    sock.once('error', (e: NodeJS.ErrnoException) => {
      const gone = e.code === 'ENOENT' || e.code === 'ECONNREFUSED';
      finish(() =>
        reject(
          gone
            ? new StarlingError(
                'LAB_NOT_RUNNING',
                `no lab daemon answers on ${socketPath} (is the lab up? 'starling lab up' starts one)`,
                { cause: e },
              )
            : new StarlingError('INTERNAL', `lab control socket ${socketPath}: ${e.message}`, { cause: e }),
        ),
      );
    });
    sock.once('close', () =>
      finish(() =>
        reject(
          new StarlingError(
            'SERVICE_UNAVAILABLE',
            `the lab daemon closed the connection before answering '${req.op}'`,
          ),
        ),
      ),
    );
  });
}
