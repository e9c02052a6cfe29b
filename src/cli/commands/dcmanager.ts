// `starling dcmanager …`: StarlingX's distributed cloud CLI (python-dcmanagerclient) on a system
// controller: subclouds, subcloud groups and the alarm summary, with its columns and fields.

import fs from 'node:fs/promises';
import type { Command } from 'commander';
import { StarlingError } from '../../common/errors.ts';
import type { CliContext } from '../context.ts';
import type { Rec } from '../output.ts';

/** dcmanagerclient's subcloud fields: its names for our JSON's (underscores, `management`…). */
function subcloudRecord(s: Rec): Rec {
  const r: Rec = {
    id: s.id,
    name: s.name,
    description: s.description,
    location: s.location,
    software_version: s['software-version'],
    management: s['management-state'],
    availability: s['availability-status'],
    deploy_status: s['deploy-status'],
    sync: s.sync_status,
    management_subnet: s['management-subnet'],
    management_start_ip: s['management-start-ip'],
    management_end_ip: s['management-end-ip'],
    management_gateway_ip: s['management-gateway-ip'],
    systemcontroller_gateway_ip: s['systemcontroller-gateway-ip'],
    group_id: s.group_id,
    peer_group_id: s.peer_group_id,
    created_at: s['created-at'],
    updated_at: s['updated-at'],
    backup_status: s['backup-status'],
    backup_datetime: s['backup-datetime'],
    prestage_status: s['prestage-status'],
    prestage_versions: s['prestage-versions'],
    region_name: s['region-name'],
    last_audit_at: s['last-audit-at'],
    oam_floating_ip: s.oam_floating_ip,
    deploy_config_sync_status: s.deploy_config_sync_status,
  };
  for (const e of (s.endpoint_sync_status as { endpoint_type: string; sync_status: string }[] | undefined) ?? []) {
    r[`${e.endpoint_type}_sync_status`] = e.sync_status;
  }
  return r;
}

const BASIC_DETAIL = [
  'id', 'name', 'description', 'location', 'software_version', 'management', 'availability', 'deploy_status',
  'management_subnet', 'management_start_ip', 'management_end_ip', 'management_gateway_ip', 'systemcontroller_gateway_ip',
  'group_id', 'peer_group_id', 'created_at', 'updated_at', 'backup_status', 'backup_datetime', 'prestage_status', 'prestage_versions',
];

/** dcmanagerclient's detail_format: the basic detail, each endpoint's sync status, the subcloud's
 *  own facts when known. */
function detailFields(r: Rec, s: Rec): string[] {
  const endpoints = ((s.endpoint_sync_status as { endpoint_type: string }[] | undefined) ?? []).map((e) => `${e.endpoint_type}_sync_status`);
  return [
    ...BASIC_DETAIL,
    ...endpoints,
    ...(r.oam_floating_ip !== undefined && r.oam_floating_ip !== 'unavailable' ? ['oam_floating_ip'] : []),
    ...(r.deploy_config_sync_status !== undefined && r.deploy_config_sync_status !== 'unknown' ? ['deploy_config_sync_status'] : []),
  ];
}

/** Subclouds read per request by `subcloud list`. */
const LIST_PAGE = 1000;

const BASIC_LIST: [string, string][] = [
  ['id', 'id'],
  ['name', 'name'],
  ['management', 'management'],
  ['availability', 'availability'],
  ['deploy_status', 'deploy status'],
  ['sync', 'sync'],
  ['backup_status', 'backup status'],
  ['prestage_status', 'prestage status'],
];

const GROUP_FIELDS: [string, string][] = [
  ['id', 'id'],
  ['name', 'name'],
  ['description', 'description'],
  ['update_apply_type', 'update apply type'],
  ['max_parallel_subclouds', 'max parallel subclouds'],
  ['created_at', 'created_at'],
  ['updated_at', 'updated_at'],
];

/** dcmanagerclient's group columns (labels with spaces, as it prints them, in every format). */
const groupRecord = (g: Rec): Rec =>
  Object.fromEntries(GROUP_FIELDS.map(([f, label]) => [label, f === 'created_at' ? g['created-at'] : f === 'updated_at' ? g['updated-at'] : g[f]]));

async function readValuesFile(file: string, option: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new StarlingError('VALIDATION_FAILED', code === 'ENOENT' ? `${option.slice(2)} does not exist: ${file}` : `cannot read ${file}: ${code ?? (e as Error).message}`, {
      field: option,
    });
  }
}

const path = (ref: string): string => `/subclouds/${encodeURIComponent(ref)}`;

export function registerDcmanager(program: Command, ctx: CliContext): void {
  const dc = program.command('dcmanager').description('distributed cloud (StarlingX dcmanager): subclouds, subcloud groups, alarm summary');

  const showSubcloud = (s: Rec, withRegion: boolean): void => {
    const r = subcloudRecord(s);
    ctx.show(r, [...detailFields(r, s), ...(withRegion ? ['region_name', 'last_audit_at'] : [])]);
  };
  const patch = async (ref: string, body: Rec): Promise<Rec> => {
    ctx.target = ref;
    return (await (await ctx.client()).request<Rec>('PATCH', 'dcmanager', path(ref), { body })).body;
  };

  const subcloud = dc.command('subcloud').description('subclouds');
  subcloud
    .command('add')
    .description('add a running site as a subcloud: its API address and its bootstrap values (admin credentials, networks)')
    .requiredOption('--bootstrap-address <url>', "the subcloud's API URL, e.g. http://10.10.10.2:6385")
    .requiredOption('--bootstrap-values <file>', 'YAML: name, description, location, management_subnet, management_start_address, management_end_address, management_gateway_address, systemcontroller_gateway_address, admin_username, admin_password')
    .option('--name <name>', 'subcloud name (else the values file’s)')
    .option('--description <text>', 'description')
    .option('--location <text>', 'location')
    .option('--management-subnet <cidr>', 'management subnet, e.g. 192.168.101.0/24')
    .option('--management-start-ip <ip>', 'first management address')
    .option('--management-end-ip <ip>', 'last management address')
    .option('--management-gateway-ip <ip>', 'management gateway')
    .option('--systemcontroller-gateway-ip <ip>', 'the system controller side gateway')
    .option('--group <group>', 'name or id of the subcloud group (default: Default)')
    .option('--sysadmin-password <password>', 'sysadmin password of the subcloud (checked, not stored)')
    .action(async (o: Record<string, string | undefined>) => {
      const bootstrapValues = await readValuesFile(o.bootstrapValues!, '--bootstrap-values');
      const body: Rec = { 'bootstrap-address': o.bootstrapAddress, bootstrap_values: bootstrapValues };
      const map: [string, string][] = [
        ['name', 'name'], ['description', 'description'], ['location', 'location'], ['managementSubnet', 'management_subnet'],
        ['managementStartIp', 'management_start_ip'], ['managementEndIp', 'management_end_ip'], ['managementGatewayIp', 'management_gateway_ip'],
        ['systemcontrollerGatewayIp', 'systemcontroller_gateway_ip'], ['group', 'group_id'],
      ];
      for (const [opt, field] of map) if (o[opt] !== undefined) body[field] = o[opt];
      if (o.sysadminPassword !== undefined) body.sysadmin_password = Buffer.from(o.sysadminPassword, 'utf8').toString('base64');
      const s = (await (await ctx.client()).request<Rec>('POST', 'dcmanager', '/subclouds', { body })).body;
      ctx.target = String(s.name);
      showSubcloud(s, false);
    });

  subcloud
    .command('list')
    .description('list subclouds')
    .option('-d, --detail', 'every column')
    .action(async (o: { detail?: boolean }) => {
      // Read a page at a time (limit/marker), so a list of thousands is no one huge answer.
      const client = await ctx.client();
      const all: Rec[] = [];
      for (let marker = ''; ; ) {
        const page = (await client.get<{ subclouds: Rec[] }>('dcmanager', `/subclouds?limit=${LIST_PAGE}${marker}`)).subclouds;
        all.push(...page);
        if (page.length < LIST_PAGE) break;
        marker = `&marker=${String(page[page.length - 1]!.id)}`;
      }
      const rows = all.filter((s) => !['secondary', 'secondary-failed'].includes(String(s['deploy-status']))).map(subcloudRecord);
      if (!o.detail) return ctx.list(rows, BASIC_LIST);
      const cols = [...BASIC_DETAIL];
      cols.splice(cols.indexOf('deploy_status') + 1, 0, 'sync');
      ctx.list(rows, cols.map((c) => [c, c]));
    });

  subcloud
    .command('show <subcloud>')
    .description('show a subcloud (name or id)')
    .option('-d, --detail', 'also what is read from the subcloud itself')
    .action(async (ref: string, o: { detail?: boolean }) => {
      ctx.target = ref;
      const s = await (await ctx.client()).get<Rec>('dcmanager', `${path(ref)}${o.detail ? '/detail' : ''}`);
      showSubcloud(s, true);
    });

  subcloud
    .command('errors <subcloud>')
    .description('show the error of the last failed operation on a subcloud')
    .action(async (ref: string) => {
      ctx.target = ref;
      const s = await (await ctx.client()).get<Rec>('dcmanager', path(ref));
      ctx.io.out(String(s['error-description']));
    });

  subcloud
    .command('update <subcloud>')
    .description("update a subcloud's description, location, group, API address or bootstrap values (credentials)")
    .option('--description <text>', 'description')
    .option('--location <text>', 'location')
    .option('--group <group>', 'name or id of the subcloud group')
    .option('--bootstrap-address <url>', "the subcloud's API URL")
    .option('--bootstrap-values <file>', 'YAML with admin_username / admin_password')
    .action(async (ref: string, o: Record<string, string | undefined>) => {
      const body: Rec = {};
      if (o.description !== undefined) body.description = o.description;
      if (o.location !== undefined) body.location = o.location;
      if (o.group !== undefined) body.group_id = o.group;
      if (o.bootstrapAddress !== undefined) body.bootstrap_address = o.bootstrapAddress;
      if (o.bootstrapValues !== undefined) body.bootstrap_values = await readValuesFile(o.bootstrapValues, '--bootstrap-values');
      if (Object.keys(body).length === 0) throw new StarlingError('USAGE', 'Nothing to update: give at least one option');
      showSubcloud(await patch(ref, body), false);
    });

  subcloud
    .command('manage <subcloud>')
    .description('manage a subcloud: the system controller audits it, synchronises it and raises its alarms')
    .option('--force', 'StarlingX’s force option (accepted; the sync is always full here)')
    .action(async (ref: string, o: { force?: boolean }) => {
      showSubcloud(await patch(ref, { 'management-state': 'managed', ...(o.force ? { force: true } : {}) }), false);
    });

  subcloud
    .command('unmanage <subcloud>')
    .description('unmanage a subcloud: it is left alone (no sync)')
    .action(async (ref: string) => showSubcloud(await patch(ref, { 'management-state': 'unmanaged' }), false));

  subcloud
    .command('delete <subcloud>')
    .description('delete an unmanaged subcloud from the system controller (the site itself keeps running)')
    .action(async (ref: string) => {
      ctx.target = ref;
      await (await ctx.client()).request('DELETE', 'dcmanager', path(ref));
    });

  const group = dc.command('subcloud-group').description('subcloud groups');
  const gpath = (ref: string): string => `/subcloud-groups/${encodeURIComponent(ref)}`;
  const groupOptions = (c: Command): Command =>
    c
      .option('--description <text>', 'description')
      .option('--update_apply_type <type>', 'parallel or serial')
      .option('--max_parallel_subclouds <n>', 'subclouds updated at once (1-500)');
  const groupBody = (o: Record<string, string | undefined>): Rec => {
    const b: Rec = {};
    if (o.name !== undefined) b.name = o.name;
    if (o.description !== undefined) b.description = o.description;
    if (o.update_apply_type !== undefined) b.update_apply_type = o.update_apply_type;
    if (o.max_parallel_subclouds !== undefined) b.max_parallel_subclouds = o.max_parallel_subclouds;
    return b;
  };
  const showGroup = (g: Rec): void => ctx.show(groupRecord(g), GROUP_FIELDS.map(([, label]) => label));

  groupOptions(group.command('add').description('add a subcloud group').requiredOption('--name <name>', 'group name')).action(
    async (o: Record<string, string | undefined>) => {
      ctx.target = o.name;
      showGroup((await (await ctx.client()).request<Rec>('POST', 'dcmanager', '/subcloud-groups', { body: groupBody(o) })).body);
    },
  );

  group
    .command('list')
    .description('list subcloud groups')
    .action(async () => {
      const groups = (await (await ctx.client()).get<{ subcloud_groups: Rec[] }>('dcmanager', '/subcloud-groups')).subcloud_groups;
      ctx.list(groups, [
        ['id', 'id'],
        ['name', 'name'],
        ['description', 'description'],
      ]);
    });

  group
    .command('show <group>')
    .description('show a subcloud group (name or id)')
    .action(async (ref: string) => {
      ctx.target = ref;
      showGroup(await (await ctx.client()).get<Rec>('dcmanager', gpath(ref)));
    });

  groupOptions(group.command('update <group>').description('update a subcloud group').option('--name <name>', 'new name')).action(
    async (ref: string, o: Record<string, string | undefined>) => {
      ctx.target = ref;
      const body = groupBody(o);
      if (Object.keys(body).length === 0) throw new StarlingError('USAGE', 'Nothing to update: give at least one option');
      showGroup((await (await ctx.client()).request<Rec>('PATCH', 'dcmanager', gpath(ref), { body })).body);
    },
  );

  group
    .command('delete <group>')
    .description('delete an empty subcloud group')
    .action(async (ref: string) => {
      ctx.target = ref;
      await (await ctx.client()).request('DELETE', 'dcmanager', gpath(ref));
    });

  group
    .command('list-subclouds <group>')
    .description('list the subclouds of a group')
    .action(async (ref: string) => {
      ctx.target = ref;
      const subclouds = (await (await ctx.client()).get<{ subclouds: Rec[] }>('dcmanager', `${gpath(ref)}/subclouds`)).subclouds;
      const rows = subclouds.map(subcloudRecord);
      const cols = subclouds.length > 0 ? detailFields(rows[0]!, subclouds[0]!) : BASIC_DETAIL;
      ctx.list(rows, cols.map((c) => [c, c]));
    });

  dc.command('alarm')
    .description('alarms of the subclouds')
    .command('summary')
    .description('alarm counts and status of each subcloud, as its last audit read them')
    .action(async () => {
      const rows = (await (await ctx.client()).get<{ alarm_summary: Rec[] }>('dcmanager', '/alarms')).alarm_summary;
      const count = (v: unknown): unknown => (typeof v === 'number' && v < 0 ? '-' : v);
      ctx.list(
        rows.map((r) => ({
          NAME: r.region_name ?? '-',
          CRITICAL_ALARMS: count(r.critical_alarms),
          MAJOR_ALARMS: count(r.major_alarms),
          MINOR_ALARMS: count(r.minor_alarms),
          WARNINGS: count(r.warnings),
          STATUS: r.cloud_status,
        })),
        ['NAME', 'CRITICAL_ALARMS', 'MAJOR_ALARMS', 'MINOR_ALARMS', 'WARNINGS', 'STATUS'].map((c) => [c, c]),
      );
    });
}
