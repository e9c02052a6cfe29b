// `starling system …`: sysinv's CLI. So far the system itself; hosts and their parts follow.

import type { Command } from 'commander';
import { StarlingError } from '../../common/errors.ts';
import type { CliContext } from '../context.ts';
import type { ISystem } from '../../inventory/index.ts';
import { registerSnmp } from './snmp.ts';
import { registerCertificates } from './certificate.ts';
import { registerDnsNtp } from './dns-ntp.ts';
import { registerHosts } from './host.ts';
import { registerHostInterfaces } from './host-if.ts';
import { registerHostStorage } from './host-storage.ts';

const SYSTEM_FIELDS = [
  'contact',
  'created_at',
  'description',
  'distributed_cloud_role',
  'location',
  'name',
  'region_name',
  'software_version',
  'system_mode',
  'system_type',
  'timezone',
  'updated_at',
  'uuid',
];

async function theSystem(ctx: CliContext): Promise<ISystem> {
  const c = await ctx.client();
  const { isystems } = await c.get<{ isystems: ISystem[] }>('platform', '/isystems');
  return isystems[0]!;
}

export function registerSystem(program: Command, ctx: CliContext): void {
  const system = program.command('system').description('platform configuration (StarlingX sysinv)');

  system
    .command('show')
    .description('show the system: name, type, mode, version, region')
    .action(async () => {
      const s = await theSystem(ctx);
      ctx.target = s.uuid;
      ctx.show(s, SYSTEM_FIELDS);
    });

  system
    .command('modify')
    .description('change the system name, description, location, contact or time zone')
    .option('-n, --name <name>', 'system name')
    .option('-d, --description <text>', 'description')
    .option('-l, --location <text>', 'location')
    .option('-c, --contact <text>', 'contact')
    .option('--timezone <tz>', 'time zone, e.g. UTC or America/Toronto')
    .option('--system_mode <mode>', 'duplex or duplex-direct: turn a simplex (AIO-SX) system into a duplex one')
    .action(async (opts: Record<string, string | undefined>) => {
      const ops = ['name', 'description', 'location', 'contact', 'timezone', 'system_mode']
        .filter((k) => opts[k] !== undefined)
        .map((k) => ({ op: 'replace', path: `/${k}`, value: opts[k] }));
      if (ops.length === 0) {
        throw new StarlingError('USAGE', 'nothing to modify: give at least one of --name, --description, --location, --contact, --timezone, --system_mode');
      }
      const s = await theSystem(ctx);
      ctx.target = s.uuid;
      const c = await ctx.client();
      const updated = (await c.request<ISystem>('PATCH', 'platform', `/isystems/${s.uuid}`, { body: ops })).body;
      ctx.show(updated, SYSTEM_FIELDS);
    });

  registerHosts(system, ctx);
  registerHostInterfaces(system, ctx);
  registerHostStorage(system, ctx);
  registerSnmp(system, ctx);
  registerCertificates(system, ctx);
  registerDnsNtp(system, ctx);
}
