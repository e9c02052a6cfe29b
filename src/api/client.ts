// The REST client the CLI and the agents use: Keystone password login, the catalog, and calls
// that turn Starling's error bodies back into StarlingErrors (same code, field and message).

import { ERRORS, StarlingError, type ErrorBody, type ErrorCode } from '../common/errors.ts';
import type { CatalogService } from './catalog.ts';
import { httpRequest, type HttpResponse } from './http.ts';

export interface Credentials {
  authUrl: string;
  username: string;
  password: string;
  projectName: string;
  userDomain?: string;
  projectDomain?: string;
  /** PEM of the CA(s) the server's certificate must chain to; undefined = the system's. */
  ca?: string;
}

export interface Session {
  token: string;
  expiresAt: Date;
  catalog: CatalogService[];
  user: { id: string; name: string };
  project: { id: string; name: string };
  roles: string[];
}

export interface RequestOptions {
  body?: unknown;
  /** A non-JSON body (e.g. a bulk-add XML file) with its content type. */
  raw?: { body: string; contentType: string };
  query?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json' };

/** Turns a non-2xx response into the StarlingError the server meant. */
export async function errorFromResponse(res: HttpResponse): Promise<StarlingError> {
  const text = await res.text();
  try {
    const body = JSON.parse(text) as Partial<ErrorBody>;
    const err = body.error;
    if (err && typeof err.message === 'string') {
      const code: ErrorCode = err.error_code !== undefined && err.error_code in ERRORS ? err.error_code : 'INTERNAL';
      return new StarlingError(code, err.message, {
        ...(err.field === undefined ? {} : { field: err.field }),
        ...(err.details === undefined ? {} : { details: err.details }),
      });
    }
  } catch {
    // not JSON: fall through with the raw text
  }
  return new StarlingError(res.status === 401 ? 'AUTH_REQUIRED' : res.status === 404 ? 'NOT_FOUND' : 'INTERNAL', `HTTP ${res.status}: ${text.slice(0, 200)}`);
}

export async function login(c: Credentials): Promise<Session> {
  const url = `${c.authUrl.replace(/\/+$/, '')}/auth/tokens`;
  const res = await httpRequest(url, {
    method: 'POST',
    ...(c.ca === undefined ? {} : { ca: c.ca }),
    headers: JSON_HEADERS,
    body: JSON.stringify({
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: c.username, domain: { name: c.userDomain ?? 'Default' }, password: c.password } },
        },
        scope: { project: { name: c.projectName, domain: { name: c.projectDomain ?? 'Default' } } },
      },
    }),
  });
  if (res.status !== 201) throw await errorFromResponse(res);
  const token = res.header('x-subject-token');
  const body = JSON.parse(await res.text()) as {
    token: {
      expires_at: string;
      catalog: CatalogService[];
      user: { id: string; name: string };
      project: { id: string; name: string };
      roles: { name: string }[];
    };
  };
  if (!token) throw new StarlingError('INTERNAL', 'the identity service answered without X-Subject-Token');
  return {
    token,
    expiresAt: new Date(body.token.expires_at),
    catalog: body.token.catalog,
    user: body.token.user,
    project: body.token.project,
    roles: body.token.roles.map((r) => r.name),
  };
}

/** The public URL of a service type in the catalog. */
export function endpointFor(session: Session, type: string): string {
  const svc = session.catalog.find((s) => s.type === type);
  const ep = svc?.endpoints.find((e) => e.interface === 'public') ?? svc?.endpoints[0];
  if (!ep) throw new StarlingError('NOT_FOUND', `the catalog has no ${type} service`);
  return ep.url;
}

export class ApiClient {
  constructor(
    readonly session: Session,
    private readonly authUrl: string,
    private readonly ca?: string,
  ) {}

  /** `service` is a catalog type (platform, identity…); `path` is relative to its endpoint. */
  async request<T = unknown>(method: string, service: string, path: string, opts: RequestOptions = {}): Promise<{ status: number; body: T }> {
    const base = service === 'identity' ? this.authUrl.replace(/\/+$/, '') : endpointFor(this.session, service).replace(/\/+$/, '');
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) qs.set(k, String(v));
    const url = `${base}${path}${qs.size > 0 ? `?${qs.toString()}` : ''}`;
    const res = await httpRequest(url, {
      method,
      ...(this.ca === undefined ? {} : { ca: this.ca }),
      headers: {
        accept: 'application/json',
        ...(opts.raw ? { 'content-type': opts.raw.contentType } : opts.body === undefined ? {} : { 'content-type': 'application/json' }),
        'x-auth-token': this.session.token,
        ...(opts.headers ?? {}),
      },
      ...(opts.raw ? { body: opts.raw.body } : opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
      ...(opts.signal === undefined ? {} : { signal: opts.signal }),
    });
    if (res.status >= 400) throw await errorFromResponse(res);
    const text = await res.text();
    return { status: res.status, body: (text === '' ? undefined : JSON.parse(text)) as T };
  }

  get<T = unknown>(service: string, path: string, query?: RequestOptions['query']): Promise<T> {
    return this.request<T>('GET', service, path, { query }).then((r) => r.body);
  }
}
