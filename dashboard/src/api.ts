// The dashboard's one way to the controller: the same REST API as the CLI and StarlingX's
// clients, with the Keystone token of the session. URLs are relative to the page, so the
// dashboard works over http and https and behind any path prefix.

export interface Session {
  token: string;
  user: string;
  project: string;
  roles: string[];
  expiresAt: string;
}

const KEY = 'starling.session';

export function loadSession(): Session | undefined {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (raw === null) return undefined;
    const s = JSON.parse(raw) as Session;
    if (typeof s.token !== 'string' || Date.parse(s.expiresAt) <= Date.now()) return undefined;
    return s;
  } catch {
    return undefined;
  }
}

function saveSession(s: Session | undefined): void {
  if (s === undefined) sessionStorage.removeItem(KEY);
  else sessionStorage.setItem(KEY, JSON.stringify(s));
}

/** May this session change anything? (`admin` changes the platform; `reader` and `member` read.) */
export const canChange = (s: Session): boolean => s.roles.includes('admin');

/** An answer that is not a success, with the API's own message and the field it names. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

let session: Session | undefined = loadSession();
let onSessionEnd: (reason: string) => void = () => undefined;

/** Called once the token is refused (expired or revoked): the app goes back to the login page. */
export function setSessionEndHandler(fn: (reason: string) => void): void {
  onSessionEnd = fn;
}

export const currentSession = (): Session | undefined => session;

export function endSession(reason: string): void {
  if (session === undefined) return;
  session = undefined;
  saveSession(undefined);
  onSessionEnd(reason);
}

const url = (path: string): string => new URL(path.replace(/^\//, ''), document.baseURI).toString();

async function errorOf(res: Response): Promise<ApiError> {
  let message = `${res.status} ${res.statusText}`;
  let code: string | undefined;
  let field: string | undefined;
  try {
    const body = (await res.json()) as { error?: { message?: string; error_code?: string; field?: string } };
    if (body.error?.message) message = body.error.message;
    code = body.error?.error_code;
    field = body.error?.field;
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(res.status, message, code, field);
}

/** Calls the API with the session's token; a 401 ends the session. */
export async function api<T = unknown>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const s = session;
  if (s === undefined) throw new ApiError(401, 'not logged in');
  const res = await fetch(url(path), {
    method,
    headers: {
      'x-auth-token': s.token,
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    ...(signal ? { signal } : {}),
  });
  if (res.status === 401) {
    const e = await errorOf(res);
    endSession('Your session has ended (the token expired or was revoked): log in again.');
    throw e;
  }
  if (!res.ok) throw await errorOf(res);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

/** Keystone password login (POST /v3/auth/tokens), scoped to a project. */
export async function login(user: string, password: string, project: string): Promise<Session> {
  const res = await fetch(url('v3/auth/tokens'), {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name: user, domain: { name: 'Default' }, password } } },
        scope: { project: { name: project, domain: { name: 'Default' } } },
      },
    }),
  });
  if (!res.ok) throw await errorOf(res);
  const token = res.headers.get('x-subject-token');
  const body = (await res.json()) as { token: { expires_at: string; roles?: { name: string }[] } };
  if (token === null) throw new ApiError(500, 'the controller answered no token');
  session = {
    token,
    user,
    project,
    roles: (body.token.roles ?? []).map((r) => r.name),
    expiresAt: body.token.expires_at,
  };
  saveSession(session);
  return session;
}

/** Revokes the token (DELETE /v3/auth/tokens) and forgets it, even when the controller is away. */
export async function logout(): Promise<void> {
  const s = session;
  if (s === undefined) return;
  try {
    await fetch(url('v3/auth/tokens'), { method: 'DELETE', headers: { 'x-auth-token': s.token, 'x-subject-token': s.token } });
  } finally {
    session = undefined;
    saveSession(undefined);
    onSessionEnd('You have logged out.');
  }
}

/** A JSON-patch `replace` of one field, as sysinv and fm take changes. */
export const replace = (field: string, value: unknown) => [{ op: 'replace', path: `/${field}`, value }];

export const streamUrl = url;
