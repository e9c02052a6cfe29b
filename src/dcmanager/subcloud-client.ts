// How the system controller reaches a subcloud: its own REST API (Keystone login with the
// subcloud's admin credentials, then fm's alarm summary), every call bounded by the caller's
// abort signal. Tokens are kept per subcloud until shortly before they expire.

import { httpRequest } from '../api/http.ts';
import type { IdentitySnapshot, SyncedNames } from '../identity/index.ts';
import type { PlatformSettings } from '../inventory/index.ts';
import type { AlarmCounts } from './domain/audit.ts';

export interface SubcloudEndpoint {
  id: number;
  bootstrap_address: string;
  admin_username: string;
  admin_project: string;
  admin_password: string;
  /** The only CA the subcloud's HTTPS certificate may chain to (given at add); null: the system's. */
  ca_cert: string | null;
}

/** Reads a subcloud's alarm counts; throws (with a reason fit for last_audit_error) when it cannot. */
export type SubcloudProbe = (target: SubcloudEndpoint, signal: AbortSignal) => Promise<AlarmCounts>;

interface CachedToken {
  token: string;
  expiresAt: number;
  /** The credentials it was issued for: a changed password or address logs in again. */
  key: string;
}

const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json' };

export class SubcloudClient {
  private readonly tokens = new Map<number, CachedToken>();

  constructor(private readonly now: () => number = Date.now) {}

  forget(id: number): void {
    this.tokens.delete(id);
  }

  readonly probe: SubcloudProbe = async (t, signal) => {
    const s = (await this.call(t, 'GET', '/v1/alarms/summary', undefined, signal, 'alarm summary')) as Partial<AlarmCounts>;
    const n = (v: unknown): number => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : 0);
    return { critical: n(s.critical), major: n(s.major), minor: n(s.minor), warnings: n(s.warnings) };
  };

  /** The subcloud's identity (its admin login and `exclude` left out), and what earlier syncs brought. */
  async getIdentity(t: SubcloudEndpoint, exclude: readonly string[], signal: AbortSignal): Promise<{ identity: IdentitySnapshot; synced?: SyncedNames }> {
    const r = (await this.call(t, 'GET', `/v1.0/identities?exclude=${encodeURIComponent(exclude.join(','))}`, undefined, signal, 'identity read')) as {
      identity: IdentitySnapshot;
      synced?: SyncedNames;
    };
    return r.synced === undefined ? { identity: r.identity } : { identity: r.identity, synced: r.synced };
  }

  /** Makes the subcloud's identity the given one. */
  async putIdentity(t: SubcloudEndpoint, identity: IdentitySnapshot, exclude: readonly string[], signal: AbortSignal): Promise<void> {
    await this.call(t, 'PUT', `/v1.0/identities?exclude=${encodeURIComponent(exclude.join(','))}`, { identity }, signal, 'identity sync');
  }

  /** The subcloud's DNS and NTP servers. */
  async getPlatform(t: SubcloudEndpoint, signal: AbortSignal): Promise<PlatformSettings> {
    return ((await this.call(t, 'GET', '/v1.0/platform', undefined, signal, 'platform read')) as { platform: PlatformSettings }).platform;
  }

  /** Makes the subcloud's DNS and NTP servers the given ones. */
  async putPlatform(t: SubcloudEndpoint, platform: PlatformSettings, signal: AbortSignal): Promise<void> {
    await this.call(t, 'PUT', '/v1.0/platform', { platform }, signal, 'platform sync');
  }

  private async call(t: SubcloudEndpoint, method: string, path: string, body: unknown, signal: AbortSignal, what: string): Promise<unknown> {
    const base = t.bootstrap_address.replace(/\/+$/, '');
    for (let attempt = 0; ; attempt++) {
      const token = await this.token(t, base, signal);
      const res = await httpRequest(`${base}${path}`, {
        method,
        ...(t.ca_cert === null ? {} : { ca: t.ca_cert }),
        headers: { ...(body === undefined ? { accept: 'application/json' } : JSON_HEADERS), 'x-auth-token': token },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal,
      });
      const text = await res.text();
      // A token the subcloud no longer knows (it restarted with a new database): log in again once.
      if (res.status === 401 && attempt === 0) {
        this.tokens.delete(t.id);
        continue;
      }
      if (res.status !== 200) throw new Error(`${what} answered HTTP ${res.status}`);
      return JSON.parse(text) as unknown;
    }
  }

  private async token(t: SubcloudEndpoint, base: string, signal: AbortSignal): Promise<string> {
    const key = `${base}\u0000${t.admin_username}\u0000${t.admin_project}\u0000${t.admin_password}\u0000${t.ca_cert ?? ''}`;
    const cached = this.tokens.get(t.id);
    if (cached && cached.key === key && cached.expiresAt - 60_000 > this.now()) return cached.token;
    const res = await httpRequest(`${base}/v3/auth/tokens`, {
      method: 'POST',
      ...(t.ca_cert === null ? {} : { ca: t.ca_cert }),
      headers: JSON_HEADERS,
      signal,
      body: JSON.stringify({
        auth: {
          identity: { methods: ['password'], password: { user: { name: t.admin_username, domain: { name: 'Default' }, password: t.admin_password } } },
          scope: { project: { name: t.admin_project, domain: { name: 'Default' } } },
        },
      }),
    });
    const text = await res.text();
    const token = res.header('x-subject-token');
    if (res.status !== 201 || !token) throw new Error(`login as ${t.admin_username} answered HTTP ${res.status}`);
    let expiresAt = this.now() + 600_000;
    try {
      const exp = Date.parse((JSON.parse(text) as { token?: { expires_at?: string } }).token?.expires_at ?? '');
      if (!Number.isNaN(exp)) expiresAt = exp;
    } catch {
      // no expiry in the answer: keep the token ten minutes
    }
    this.tokens.set(t.id, { token, expiresAt, key });
    return token;
  }
}
