// What the `system host-*` command modules share: calls to the platform (sysinv) API and finding
// a host by name or uuid (which also names it as the audit entry's target).

import type { CliContext } from '../context.ts';
import type { Rec } from '../output.ts';

export type Host = Rec & { uuid: string; hostname: string | null };

export function platformApi(ctx: CliContext) {
  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> =>
    (await (await ctx.client()).request<T>(method, 'platform', path, body === undefined ? {} : { body })).body;
  const host = async (ref: string): Promise<Host> => {
    const h = await api<Host>('GET', `/ihosts/${encodeURIComponent(ref)}`);
    ctx.target = h.hostname ?? h.uuid;
    return h;
  };
  return { api, host };
}
