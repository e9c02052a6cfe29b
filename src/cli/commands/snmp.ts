// `starling system snmp-trapdest-…`: sysinv's SNMP trap destinations (where a trap goes for every
// alarm set, alarm clear and log), with the names of StarlingX's `system` commands.

import type { Command } from 'commander';
import { StarlingError } from '../../common/errors.ts';
import type { CliContext } from '../context.ts';
import type { TrapDest } from '../../fault/index.ts';

const TRAPDEST_FIELDS = ['community', 'created_at', 'ip_address', 'port', 'transport', 'type', 'uuid'];

function parsePort(v: string): number {
  const n = Number(v);
  if (!/^[0-9]+$/.test(v) || n < 1 || n > 65535) throw new StarlingError('USAGE', `--port must be a UDP port (1-65535), not '${v}'`, { field: '--port' });
  return n;
}

export function registerSnmp(system: Command, ctx: CliContext): void {
  system
    .command('snmp-trapdest-add')
    .description('add an SNMP v2c trap destination (every alarm set, alarm clear and log is sent there)')
    .requiredOption('--ip-address <ip>', 'IPv4 or IPv6 address of the trap receiver')
    .requiredOption('--community <community>', 'SNMP v2c community string')
    .option('--port <port>', 'UDP port of the trap receiver (default 162)')
    .action(async (o: { ipAddress: string; community: string; port?: string }) => {
      const body = { ip_address: o.ipAddress, community: o.community, ...(o.port === undefined ? {} : { port: parsePort(o.port) }) };
      const c = await ctx.client();
      const created = (await c.request<TrapDest>('POST', 'platform', '/itrapdest', { body })).body;
      ctx.target = created.uuid;
      ctx.show(created, TRAPDEST_FIELDS);
    });

  system
    .command('snmp-trapdest-list')
    .description('list the SNMP trap destinations')
    .action(async () => {
      const c = await ctx.client();
      const { itrapdest } = await c.get<{ itrapdest: TrapDest[] }>('platform', '/itrapdest');
      ctx.list(itrapdest, [
        ['uuid', 'uuid'],
        ['ip_address', 'ip_address'],
        ['port', 'port'],
        ['community', 'community'],
        ['type', 'type'],
        ['transport', 'transport'],
      ]);
    });

  system
    .command('snmp-trapdest-show <uuid>')
    .description('show an SNMP trap destination')
    .action(async (uuid: string) => {
      ctx.target = uuid;
      const c = await ctx.client();
      ctx.show(await c.get<TrapDest>('platform', `/itrapdest/${encodeURIComponent(uuid)}`), TRAPDEST_FIELDS);
    });

  system
    .command('snmp-trapdest-delete <uuid>')
    .description('delete an SNMP trap destination')
    .action(async (uuid: string) => {
      ctx.target = uuid;
      const c = await ctx.client();
      await c.request('DELETE', 'platform', `/itrapdest/${encodeURIComponent(uuid)}`);
    });
}
