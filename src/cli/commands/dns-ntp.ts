// `starling system dns-show | dns-modify nameservers=… | ntp-show | ntp-modify ntpservers=…`:
// sysinv's DNS and NTP servers, with the names and arguments of StarlingX's `system` commands.

import type { Command } from 'commander';
import { StarlingError } from '../../common/errors.ts';
import type { CliContext } from '../context.ts';
import type { IDns, INtp } from '../../inventory/index.ts';

const kinds = {
  dns: { path: '/idns', list: 'idnss', field: 'nameservers', what: 'DNS name servers (up to 3 IP addresses)' },
  ntp: { path: '/intp', list: 'intps', field: 'ntpservers', what: 'NTP servers (up to 3 addresses or host names)' },
} as const;

export function registerDnsNtp(system: Command, ctx: CliContext): void {
  for (const kind of ['dns', 'ntp'] as const) {
    const k = kinds[kind];
    const fields = ['uuid', k.field, 'isystem_uuid', 'created_at', 'updated_at'];
    const current = async (): Promise<IDns | INtp> => {
      const c = await ctx.client();
      const r = await c.get<Record<string, (IDns | INtp)[]>>('platform', k.path);
      return r[k.list]![0]!;
    };
    system
      .command(`${kind}-show`)
      .description(`show the ${k.what.split(' (')[0]}`)
      .action(async () => {
        const r = await current();
        ctx.target = r.uuid;
        ctx.show(r, fields);
      });
    system
      .command(`${kind}-modify <attributes...>`)
      .description(`set the ${k.what}: ${k.field}=a,b,c (${k.field}= for none)`)
      .action(async (attributes: string[]) => {
        const ops = attributes.map((a) => {
          const eq = a.indexOf('=');
          const name = eq < 0 ? a : a.slice(0, eq);
          if (eq < 0 || (name !== k.field && name !== 'action')) {
            throw new StarlingError('USAGE', `expected ${k.field}=<comma-separated list>, not '${a}'`, { field: k.field });
          }
          const value = a.slice(eq + 1);
          return { op: 'replace', path: `/${name}`, value: name === k.field && value.trim() === '' ? 'NC' : value };
        });
        const r = await current();
        ctx.target = r.uuid;
        const c = await ctx.client();
        ctx.show((await c.request<IDns | INtp>('PATCH', 'platform', `${k.path}/${r.uuid}`, { body: ops })).body, fields);
      });
  }
}
