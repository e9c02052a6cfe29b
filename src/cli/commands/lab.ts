// `starling lab …`: a virtual site on this machine (network namespaces, bridges, BMC emulators,
// a controller and an agent per host) for tests and demos. Needs root.

import { Argument, Command, Option } from 'commander';
import { StarlingError } from '../../common/errors.ts';
import type { CliContext } from '../context.ts';
import type { Rec } from '../output.ts';

interface Where {
  name?: string;
  dir?: string;
}

const where = (c: Command): Command =>
  c
    .option('--name <name>', 'lab name: prefix of its namespaces (default: stl)')
    .option('--dir <dir>', 'lab folder (default: /tmp/starling-lab-NAME)');

const list = (v: string): string[] =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

function hostRows(s: import('../../lab/index.ts').LabStatus): Rec[] {
  return s.hosts.map((h) => {
    const addr = (n: string): string | null => h.interfaces.find((i) => i.network === n)?.address ?? null;
    return {
      hostname: h.hostname,
      personality: h.personality,
      power: h.power,
      mgmt: addr('mgmt'),
      cluster_host: addr('cluster-host'),
      oam: addr('oam'),
      mgmt_mac: h.interfaces.find((i) => i.network === 'mgmt')?.mac ?? null,
      bmc: `${h.bmc.type} ${h.bmc.address}:${h.bmc.port}`,
      links: h.interfaces.map((i) => `${i.ifname}:${i.link}`).join(' '),
      pids: [
        h.controllerPid === null ? '' : `controller ${h.controllerPid}`,
        h.agentPid === null ? 'agent -' : `agent ${h.agentPid}`,
      ]
        .filter(Boolean)
        .join(', '),
      namespace: h.namespace,
    };
  });
}

const HOST_COLUMNS: [string, string][] = [
  ['hostname', 'hostname'],
  ['personality', 'personality'],
  ['power', 'power'],
  ['mgmt', 'mgmt'],
  ['cluster_host', 'cluster-host'],
  ['oam', 'oam'],
  ['mgmt_mac', 'mgmt_mac'],
  ['bmc', 'bmc'],
  ['links', 'links'],
  ['pids', 'processes'],
];

export function registerLab(program: Command, ctx: CliContext): void {
  const lab = program
    .command('lab')
    .description(
      'a virtual site on this machine: a network namespace per host, bridges per network, BMC emulators (needs root)',
    );
  const api = () => import('../../lab/index.ts');

  where(lab.command('up'))
    .description(
      'build the lab: namespaces and bridges, BMC emulators, the controller in controller-0, an agent per host; add the hosts through the API',
    )
    .requiredOption(
      '--hosts <list>',
      'hosts, e.g. controller-0,worker-0,worker-1 (controller-0 required)',
      list,
    )
    .option('--networks <list>', 'networks to wire: mgmt,cluster-host,oam (mgmt required)', list)
    .addOption(
      new Option(
        '--bmc <kind>',
        'BMC emulators: redfish, ipmi, or mixed (Redfish for even host index, IPMI for odd, if ipmi_sim is installed)',
      )
        .choices(['redfish', 'ipmi', 'mixed'])
        .default('mixed'),
    )
    .option('--unlock', 'unlock every host once registered and wait for it to become available')
    .option('--keep-on-failure', 'keep the lab folder (logs) if the lab does not come up')
    .action(
      async (
        o: Where & {
          hosts: string[];
          networks?: string[];
          bmc: 'redfish' | 'ipmi' | 'mixed';
          unlock?: boolean;
          keepOnFailure?: boolean;
        },
      ) => {
        const { labUp, resolveLabDir } = await api();
        const started = performance.now();
        const s = await labUp({
          hosts: o.hosts,
          ...(o.name === undefined ? {} : { name: o.name }),
          dir: resolveLabDir(o),
          ...(o.networks === undefined ? {} : { networks: o.networks as never }),
          bmc: o.bmc,
          unlock: o.unlock ?? false,
          keepOnFailure: o.keepOnFailure ?? false,
          onProgress: (m) => ctx.io.err(`  · ${m}`),
        });
        const out = ctx.io.out;
        if (ctx.format === 'table') {
          out(
            `Starling lab '${s.name}' is up: ${s.hosts.length} host(s) in ${((performance.now() - started) / 1000).toFixed(1)} s.`,
          );
          out(
            `  API:     ${s.apiUrl}   (from this machine over ${s.root.ifname} ${s.root.address}; hosts use ${s.mgmtApiUrl})`,
          );
          out(`  openrc:  ${s.openrc}   (. ${s.openrc}; starling system host-list)`);
          out(
            `  Logs:    ${s.dir}/lab.log, ${s.dir}/controller-0/controller.log, ${s.dir}/hosts/HOST/agent.log`,
          );
          out(`  Stop:    starling lab down --dir ${s.dir}`);
        }
        ctx.list(hostRows(s), HOST_COLUMNS);
        const failed = (s.unlock ?? []).filter((u) => !u.ok);
        if (failed.length > 0) {
          const notAvailable = failed.every((u) => u.message.startsWith('NOT_AVAILABLE'));
          throw new StarlingError(
            notAvailable ? 'NOT_AVAILABLE' : 'HOST_STATE_CONFLICT',
            `the lab is up but --unlock failed: ${failed.map((u) => `${u.hostname}: ${u.message}`).join('; ')}${notAvailable ? ' (unlocking arrives with maintenance; the hosts stay locked)' : ''}`,
            { field: '--unlock' },
          );
        }
      },
    );

  where(lab.command('status'))
    .description('hosts, namespaces, addresses, BMCs, processes and link states')
    .action(async (o: Where) => {
      const { labStatus, resolveLabDir } = await api();
      const s = await labStatus(resolveLabDir(o));
      if (ctx.format === 'json') {
        ctx.io.out(JSON.stringify(s, null, 2));
        return;
      }
      if (ctx.format === 'table') {
        ctx.io.out(
          `lab '${s.name}' (${s.phase}) in ${s.dir}: daemon pid ${s.daemonPid}, BMC emulators pid ${s.bmcServerPid ?? '-'}`,
        );
        ctx.io.out(
          `  API ${s.apiUrl}; root veth ${s.root.ifname} ${s.root.address} (${s.root.link}); openrc ${s.openrc}`,
        );
      }
      ctx.list(hostRows(s), [...HOST_COLUMNS, ['namespace', 'namespace']]);
    });

  where(lab.command('cut'))
    .description('pull cables: set the host’s interface on each named network down (inside the host)')
    .argument('<host>')
    .argument('<networks...>', 'mgmt, cluster-host (or ch), oam')
    .action(async (host: string, networks: string[], o: Where) => {
      const { labCut, resolveLabDir } = await api();
      const r = await labCut(resolveLabDir(o), host, networks);
      ctx.io.out(`${r.host}: ${r.interfaces.map((i) => `${i.ifname} ${i.link}`).join(', ')}`);
    });

  where(lab.command('restore'))
    .description('plug cables back: set the host’s interfaces up (all of them when no network is named)')
    .argument('<host>')
    .argument('[networks...]')
    .action(async (host: string, networks: string[], o: Where) => {
      const { labRestore, resolveLabDir } = await api();
      const r = await labRestore(resolveLabDir(o), host, networks);
      ctx.io.out(`${r.host}: ${r.interfaces.map((i) => `${i.ifname} ${i.link}`).join(', ')}`);
    });

  const power = async (
    host: string,
    action: import('../../lab/index.ts').PowerAction,
    o: Where & { source?: string; wait?: boolean },
  ): Promise<void> => {
    const { labPower, resolveLabDir } = await api();
    const r = await labPower(resolveLabDir(o), host, action, {
      source: o.source === 'bmc' ? 'bmc' : 'cli',
      wait: o.wait ?? true,
    });
    ctx.io.out(`${r.host}: power ${r.power}${o.wait === false && action !== 'status' ? ' (queued)' : ''}`);
  };
  where(lab.command('power-off'))
    .description('power a host off through its BMC emulator: its links go down and its processes stop')
    .argument('<host>')
    .action((host: string, o: Where) => power(host, 'off', o));
  where(lab.command('power-on'))
    .description(
      'power a host on through its BMC emulator: like a boot, every link comes up and its agent starts',
    )
    .argument('<host>')
    .action((host: string, o: Where) => power(host, 'on', o));
  where(lab.command('power'))
    .description('power action on a host: on, off, cycle, reset, status (also what the IPMI emulators run)')
    .argument('<host>')
    .addArgument(new Argument('<action>').choices(['on', 'off', 'cycle', 'reset', 'status']))
    .addOption(
      new Option('--source <who>', 'who asks: cli, or bmc (an emulator reporting a change it made)')
        .choices(['cli', 'bmc'])
        .default('cli')
        .hideHelp(),
    )
    .option('--no-wait', 'queue the action and return at once')
    .action(
      (
        host: string,
        action: import('../../lab/index.ts').PowerAction,
        o: Where & { source?: string; wait?: boolean },
      ) => power(host, action, o),
    );

  where(lab.command('down'))
    .description(
      'stop every process of the lab, delete its namespaces and root veth, remove its folder (also for a lab whose daemon died)',
    )
    .option('--keep', 'keep the lab folder (logs, controller data)')
    .action(async (o: Where & { keep?: boolean }) => {
      const { labDown } = await api();
      const r = await labDown(o);
      ctx.io.out(
        `lab down: daemon ${r.daemon}; namespaces removed: ${r.namespaces.length > 0 ? r.namespaces.join(', ') : 'none'}; root links removed: ${r.rootLinks.length > 0 ? r.rootLinks.join(', ') : 'none'}; ${r.removed ? `${r.dir} removed` : `${r.dir} kept`}`,
      );
    });

  // A distributed cloud: a system controller and N subclouds, each a site in its own namespace
  // behind a router (dc-topology.ts).
  const dcName = (c: Command): Command =>
    c.option('--name <name>', 'lab name: prefix of its namespaces (default: dc)', 'dc').option('--dir <dir>', 'lab folder (default: /tmp/starling-dclab-NAME)');
  dcName(lab.command('dc-up'))
    .description('a distributed cloud: a system controller and N subclouds, each `starling up` with its own database in its own namespace, routed')
    .option('--subclouds <n>', 'number of subclouds (1-20)', '3')
    .option('--audit-interval <s>', "the system controller's subcloud audit interval, seconds", '5')
    .action(async (o: { name: string; dir?: string; subclouds: string; auditInterval: string }) => {
      const { requireRoot, dcLabUp, defaultDcLabDir } = await api();
      const { newSecret } = await import('../../common/ids.ts');
      requireRoot();
      const n = Number(o.subclouds);
      const interval = Number(o.auditInterval);
      if (!Number.isInteger(interval) || interval < 1 || interval > 3600) throw new StarlingError('USAGE', '--audit-interval: 1 to 3600 seconds', { field: '--audit-interval' });
      const dir = o.dir ?? defaultDcLabDir(o.name);
      const password = `Dc-${newSecret(12)}`;
      const started = performance.now();
      const s = await dcLabUp({ name: o.name, subclouds: n, dir, adminPassword: password, auditIntervalSeconds: interval });
      const fs = await import('node:fs');
      const sc = s.sites[0]!;
      // The admin password of every site, for the operator's shell only (0600), as `lab up` does.
      const openrc = `${dir}/openrc`;
      fs.writeFileSync(
        openrc,
        `export OS_AUTH_URL=${sc.url}/v3 OS_CACERT=${sc.ca} OS_USERNAME=admin OS_PASSWORD='${password}' OS_PROJECT_NAME=admin OS_USER_DOMAIN_NAME=Default OS_PROJECT_DOMAIN_NAME=Default\n`,
        { mode: 0o600 },
      );
      if (ctx.format === 'table') {
        ctx.io.out(`Distributed-cloud lab '${o.name}' is up: ${s.sites.length} sites in ${((performance.now() - started) / 1000).toFixed(1)} s.`);
        ctx.io.out(`  openrc:  ${openrc}   (the system controller; every site has the same admin password)`);
        ctx.io.out(`  Add:     starling dcmanager subcloud add --bootstrap-address URL --bootstrap-values FILE (admin_password from the openrc; ca_cert: the subcloud's CA, listed below)`);
        ctx.io.out(`  Cut:     starling lab dc-cut SUBCLOUD --name ${o.name}; dc-restore SUBCLOUD; stop: starling lab dc-down --name ${o.name}`);
      }
      ctx.list(
        s.sites.map((x) => ({ site: x.name, role: x.role, url: x.url, ca: x.ca, namespace: x.namespace, log: x.log })),
        [
          ['site', 'site'],
          ['role', 'role'],
          ['url', 'API'],
          ['ca', 'CA'],
          ['namespace', 'namespace'],
          ['log', 'log'],
        ],
      );
    });
  for (const [cmd, up] of [
    ['dc-cut', false],
    ['dc-restore', true],
  ] as const) {
    dcName(lab.command(`${cmd} <site>`))
      .description(up ? "restore a site's WAN link" : "cut a site's WAN link at the router (the site keeps running)")
      .action(async (site: string, o: { name: string; dir?: string }) => {
        const { requireRoot, readDcLab, setDcLink } = await api();
        requireRoot();
        await setDcLink(readDcLab(o).topology, site, up);
        ctx.io.out(`${site}: link ${up ? 'restored' : 'cut'}`);
      });
  }
  dcName(lab.command('dc-down'))
    .description('stop every site of the distributed-cloud lab, delete its namespaces and root link, remove its folder')
    .option('--keep', 'keep the lab folder (logs, site data)')
    .action(async (o: { name: string; dir?: string; keep?: boolean }) => {
      const { requireRoot, dcLabDown } = await api();
      requireRoot();
      const r = await dcLabDown(o);
      ctx.io.out(`dc lab down: namespaces removed: ${r.namespaces.length > 0 ? r.namespaces.join(', ') : 'none'}; processes stopped: ${r.killed.length}; folder ${r.removed ? 'removed' : 'kept'}`);
    });

  // Internal: the processes `lab up` starts.
  lab
    .command('daemon', { hidden: true })
    .requiredOption('--dir <dir>')
    .action(async (o: { dir: string }) => {
      const { runLabDaemon } = await import('../../lab/index.ts');
      if ((await runLabDaemon(o.dir)) !== 0)
        throw new StarlingError('SERVICE_UNAVAILABLE', 'the lab did not come up (see the lines above)');
    });
  lab
    .command('bmc-serve', { hidden: true })
    .requiredOption('--dir <dir>')
    .action(async (o: { dir: string }) => {
      const { runBmcServer } = await import('../../lab/index.ts');
      await runBmcServer(o.dir);
    });
}
