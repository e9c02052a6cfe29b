// dcorch's sync, one module per endpoint type behind one contract: read the system controller's
// data, compare the subcloud's with it (a pure diff owned by the capability that owns the data),
// and on a difference report drift and make the subcloud equal through its own REST API. The
// audit records each endpoint's sync status and 280.002 the same way for all (reconciler.ts).

import { inSync, withoutUsers, type IdentitySnapshot } from '../identity/index.ts';
import { platformInSync, type PlatformSettings } from '../inventory/index.ts';
import { AGENT_USER } from '../common/version.ts';
import type { EndpointType } from './domain/subcloud.ts';
import type { SubcloudClient, SubcloudEndpoint } from './subcloud-client.ts';

export interface EndpointSync {
  readonly endpoint: EndpointType;
  /**
   * Compares the subcloud with the system controller; when they differ, awaits `drift()` (the
   * audit records out-of-sync) and, when it answers true (the subcloud is still managed: it may
   * have been unmanaged while this audit ran), makes the subcloud equal. Throws when the subcloud
   * cannot be read or changed (within `signal`).
   */
  sync(t: SubcloudEndpoint, signal: AbortSignal, drift: () => Promise<boolean>): Promise<void>;
}

/** `read` shared by every subcloud's sync for up to `maxAgeMs` (one central read a second
 *  however many subclouds are audited); a failed read is not kept. */
export function sharedRead<T>(read: () => Promise<T>, now: () => number, maxAgeMs = 1000): () => Promise<T> {
  let cache: { at: number; value: Promise<T> } | undefined;
  return () => {
    const t = now();
    if (!cache || t - cache.at >= maxAgeMs) {
      const value = read();
      const entry = { at: t, value };
      value.catch(() => {
        if (cache === entry) cache = undefined;
      });
      cache = entry;
    }
    return cache.value;
  };
}

/** Users never synchronised: each site's own agent service user. */
const SITE_USERS = [AGENT_USER];

/**
 * Identity (Keystone): users with their password hashes, projects, roles, assignments; users and
 * projects deleted centrally are deleted where a sync brought them. The subcloud's admin login
 * (the user the audit logs in as) and agent user are left alone on both sides.
 */
export function identitySync(o: {
  central: () => Promise<IdentitySnapshot>;
  client: Pick<SubcloudClient, 'getIdentity' | 'putIdentity'>;
  now: () => number;
}): EndpointSync {
  const central = sharedRead(o.central, o.now);
  return {
    endpoint: 'identity',
    async sync(t, signal, drift) {
      const exclude = [...SITE_USERS, t.admin_username];
      const want = withoutUsers(await central(), exclude);
      const sub = await o.client.getIdentity(t, exclude, signal);
      if (inSync(sub.identity, want, sub.synced)) return;
      if (!(await drift())) return;
      await o.client.putIdentity(t, want, exclude, signal);
    },
  };
}

/** Platform (sysinv): the DNS name servers and NTP servers. */
export function platformSync(o: {
  central: () => Promise<PlatformSettings>;
  client: Pick<SubcloudClient, 'getPlatform' | 'putPlatform'>;
  now: () => number;
}): EndpointSync {
  const central = sharedRead(o.central, o.now);
  return {
    endpoint: 'platform',
    async sync(t, signal, drift) {
      const want = await central();
      if (platformInSync(await o.client.getPlatform(t, signal), want)) return;
      if (!(await drift())) return;
      await o.client.putPlatform(t, want, signal);
    },
  };
}

/** Every endpoint type a system controller synchronises, from its own identity and platform data. */
export function centralSyncs(o: {
  identity: { exportSnapshot(exclude: readonly string[]): Promise<IdentitySnapshot> };
  platform: { platformSettings(): Promise<PlatformSettings> };
  client: Pick<SubcloudClient, 'getIdentity' | 'putIdentity' | 'getPlatform' | 'putPlatform'>;
  now?: () => number;
}): EndpointSync[] {
  const now = o.now ?? Date.now;
  return [
    identitySync({ central: () => o.identity.exportSnapshot([]), client: o.client, now }),
    platformSync({ central: () => o.platform.platformSettings(), client: o.client, now }),
  ];
}
