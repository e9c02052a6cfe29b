// The agent–controller protocol, defined once: every event the controller pushes down an agent's
// channel (server-sent events), every command and its answer, and what the agent posts (its
// registration, channel probes' answers, reports), as TypeBox schemas with their static types.
// Both ends check against these: the controller's routes take them as request schemas (a bad
// message is a 400 naming the field), the agent checks each channel event with decodeChannelEvent.
// Pure: imported by the agent and the controller alike, it imports neither side.

import { Type, type Static, type TSchema } from 'typebox';
import { Value } from 'typebox/value';

const Str = (max: number) => Type.String({ maxLength: max });
const Closed = { additionalProperties: false } as const;

export const Hostname = Type.String({ pattern: '^[a-zA-Z0-9][a-zA-Z0-9.-]{0,62}$' });
/** Random per agent process: the same agent reconnecting replaces its own channel. */
export const Instance = Type.String({ pattern: '^[A-Za-z0-9-]{8,64}$' });
export const MacAddress = Type.String({ pattern: '^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$' });
export const CommandId = Type.String({ minLength: 1, maxLength: 64 });
/** The networks a host is heartbeated on (StarlingX hbsAgent: management, cluster-host, OAM). */
export type HbNetwork = 'mgmt' | 'cluster-host' | 'oam';
export const HB_NETWORKS: readonly HbNetwork[] = ['mgmt', 'cluster-host', 'oam'];
export const HbNetworkName = Type.Union([Type.Literal('mgmt'), Type.Literal('cluster-host'), Type.Literal('oam')]);
/** A heartbeat key: 64 bytes (HMAC-SHA-512 output), base64. */
const HbKey = Type.String({ pattern: '^[A-Za-z0-9+/]{86}==$' });

// --- Channel events (controller → agent) --------------------------------------------------------

/** First event on a new channel. */
export const HelloEvent = Type.Object({ hostname: Hostname }, Closed);
const HbKeys = Type.Object({ mgmt: Type.Optional(HbKey), 'cluster-host': Type.Optional(HbKey), oam: Type.Optional(HbKey) }, Closed);
/** This host's heartbeat keys, one per network (never the site key), the site's pulse keys (what
 *  the controller's pulses are authenticated with, the same for every host) and the pulse period. */
export const HeartbeatEvent = Type.Object(
  {
    keys: HbKeys,
    pulse_keys: HbKeys,
    period_ms: Type.Integer({ minimum: 1, maximum: 60_000 }),
  },
  Closed,
);
/** Another channel was asked for this host: the agent answers POST /v1/agents/channel/alive. */
export const ProbeEvent = Type.Object({ nonce: Str(64) }, Closed);

/** An interface as the agent renders it (Debian ifupdown). */
export const InterfaceConfig = Type.Object(
  {
    ifname: Str(255),
    iftype: Str(32),
    ifclass: Type.Union([Str(32), Type.Null()]),
    imtu: Type.Integer(),
    aemode: Type.Union([Str(32), Type.Null()]),
    txhashpolicy: Type.Union([Str(32), Type.Null()]),
    vlan_id: Type.Union([Type.Integer(), Type.Null()]),
    ports: Type.Array(Str(255)),
    uses: Type.Array(Str(255)),
    networks: Type.Array(Str(64)),
    /** Addresses from the networks' pools (`192.168.204.5/24`); none: `inet manual`. */
    addresses: Type.Optional(Type.Array(Str(64))),
  },
  Closed,
);
export type InterfaceConfig = Static<typeof InterfaceConfig>;

/** The host configuration sent at unlock (apply-config), rendered by src/agent/config-apply.ts. */
export const HostConfig = Type.Object(
  {
    hostname: Hostname,
    personality: Type.Optional(Type.Union([Str(32), Type.Null()])),
    subfunctions: Type.Optional(Type.Union([Str(64), Type.Null()])),
    cpus: Type.Optional(Type.Array(Type.Object({ cpu: Type.Integer({ minimum: 0 }), allocated_function: Str(32) }, Closed))),
    memory: Type.Optional(
      Type.Array(
        Type.Object(
          {
            numa_node: Type.Integer({ minimum: 0 }),
            vm_hugepages_nr_2M: Type.Optional(Type.Integer({ minimum: 0 })),
            vm_hugepages_nr_1G: Type.Optional(Type.Integer({ minimum: 0 })),
          },
          Closed,
        ),
      ),
    ),
    interfaces: Type.Optional(Type.Array(InterfaceConfig)),
  },
  Closed,
);
export type HostConfig = Static<typeof HostConfig>;

/** Commands, by name: what maintenance's workflows ask of an agent (src/maintenance/domain/workflow.ts). */
export const AGENT_COMMANDS = {
  /** The host is being locked: the agent acknowledges (nothing to stop yet). */
  lock: Type.Object({ id: CommandId, command: Type.Literal('lock') }, Closed),
  /** Render the host's configuration; the answer's detail lists the files written. */
  'apply-config': Type.Object({ id: CommandId, command: Type.Literal('apply-config'), host: HostConfig }, Closed),
  /** Answer, then reboot (silent for the boot time). */
  reboot: Type.Object({ id: CommandId, command: Type.Literal('reboot') }, Closed),
  /** Is the host healthy (pmon's processes)? Refused with the problems when not. */
  goenabled: Type.Object({ id: CommandId, command: Type.Literal('goenabled') }, Closed),
} as const;
export type AgentCommandName = keyof typeof AGENT_COMMANDS;
export const AGENT_COMMAND_NAMES = Object.keys(AGENT_COMMANDS) as AgentCommandName[];
export const AgentCommand = Type.Union(Object.values(AGENT_COMMANDS));
export type AgentCommand = { [N in AgentCommandName]: Static<(typeof AGENT_COMMANDS)[N]> }[AgentCommandName];

/** Every event of the channel, by name. */
export const CHANNEL_EVENTS = {
  hello: HelloEvent,
  heartbeat: HeartbeatEvent,
  probe: ProbeEvent,
  command: AgentCommand,
} as const;
export type ChannelEventName = keyof typeof CHANNEL_EVENTS;
export type ChannelEventData<E extends ChannelEventName> = E extends 'command' ? AgentCommand : Static<(typeof CHANNEL_EVENTS)[E]>;
export type ChannelEvent = { [E in ChannelEventName]: { event: E; data: ChannelEventData<E> } }[ChannelEventName];
export type ChannelSend = <E extends ChannelEventName>(event: E, data: ChannelEventData<E>) => void;

// --- Agent → controller (REST, as the service user starling-agent) ------------------------------

/** GET /v1/agents/channel: opens the channel (server-sent events). */
export const ChannelQuery = Type.Object(
  { hostname: Hostname, mgmt_mac: MacAddress, instance: Instance, version: Type.Optional(Str(32)) },
  Closed,
);
export type ChannelQuery = Static<typeof ChannelQuery>;

/** POST /v1/agents/channel/alive: the agent of a channel answers its probe. */
export const AliveBody = Type.Object({ hostname: Hostname, instance: Instance, nonce: Type.Optional(Str(64)) }, Closed);
export type AliveBody = Static<typeof AliveBody>;

/** POST /v1/agents/commands/:id: a command's answer. */
export const CommandAnswerParams = Type.Object({ id: CommandId });
export const CommandAnswer = Type.Object(
  { hostname: Str(63), ok: Type.Boolean(), error: Type.Optional(Str(2000)), detail: Type.Optional(Type.Unknown()) },
  Closed,
);
export type CommandAnswer = Static<typeof CommandAnswer>;

/** POST /v1/agents/events: something maintenance acts on (a critical process that cannot be restored). */
export const AgentEventBody = Type.Object({ hostname: Str(63), type: Type.Literal('critical-failure'), reason: Str(2000) }, Closed);
export type AgentEventBody = Static<typeof AgentEventBody>;

/** Where the agent answers heartbeat, one endpoint per network (0.0.0.0/:: = the address the
 *  registration comes from). */
export const HeartbeatEndpoint = Type.Object(
  { network: HbNetworkName, address: Str(45), port: Type.Integer({ minimum: 1, maximum: 65535 }) },
  Closed,
);
const InvRow = Type.Array(Type.Record(Type.String(), Type.Unknown()), { maxItems: 4096 });
/** POST /v1/agents/register: the host's registration and inventory report (each row is checked
 *  further by the inventory, which names the bad one). */
export const RegisterBody = Type.Object(
  {
    mgmt_mac: Str(17),
    hostname: Type.Optional(Str(63)),
    /** The first controller of a new site (the agent `starling up` starts): becomes controller-0. */
    bootstrap_controller: Type.Optional(Type.Boolean()),
    heartbeat: Type.Optional(Type.Array(HeartbeatEndpoint, { maxItems: 3 })),
    inventory: Type.Object(
      {
        icpus: Type.Optional(InvRow),
        imemorys: Type.Optional(InvRow),
        ethernet_ports: Type.Optional(InvRow),
        idisks: Type.Optional(InvRow),
        pci_devices: Type.Optional(InvRow),
      },
      Closed,
    ),
  },
  Closed,
);
export type RegisterBody = Static<typeof RegisterBody>;
/** What the agent reads of the registration's answer (the host record; more fields come). */
export const RegisterAnswer = Type.Object({ uuid: Str(64), hostname: Type.Union([Str(255), Type.Null()]) });
export type RegisterAnswer = Static<typeof RegisterAnswer>;

// --- Checking ------------------------------------------------------------------------------------

export type Checked<T> = { ok: true; value: T } | { ok: false; field: string; error: string };

/** Checks a value against a schema; on failure names the first field that is wrong (a JSON pointer)
 *  and what is wrong with it. */
export function check<S extends TSchema>(schema: S, value: unknown): Checked<Static<S>> {
  if (Value.Check(schema, value)) return { ok: true, value };
  const errors = Value.Errors(schema, value);
  // The most precise error: a field's own, rather than a union's "matches none" or the
  // "schema is false" that stands for an extra property.
  const e = errors.find((x) => x.keyword !== 'anyOf' && x.keyword !== 'boolean') ?? errors[0];
  if (e === undefined) return { ok: false, field: '/', error: '/ is invalid' };
  let field = e.instancePath || '/';
  let problem = e.message;
  const params = e.params as { requiredProperties?: unknown; additionalProperties?: unknown };
  if (e.keyword === 'required' && Array.isArray(params.requiredProperties)) {
    field = `${e.instancePath}/${String(params.requiredProperties[0])}`;
    problem = 'is required';
  } else if (e.keyword === 'additionalProperties' && Array.isArray(params.additionalProperties)) {
    field = `${e.instancePath}/${String(params.additionalProperties[0])}`;
    problem = 'is not allowed here';
  }
  return { ok: false, field, error: `${field} ${problem}` };
}

/**
 * A channel event as the agent receives it (name and JSON text), checked. A name this agent does
 * not know is `unknown` (a newer controller's event: ignored, not an error); a known one with bad
 * data is an error naming the field; a command with a name this agent does not know is an error
 * on /command (the agent answers it as failed, so the controller does not wait).
 */
export function decodeChannelEvent(event: string, data: string): Checked<ChannelEvent> | { ok: 'unknown'; event: string } {
  if (!Object.hasOwn(CHANNEL_EVENTS, event)) return { ok: 'unknown', event };
  const name = event as ChannelEventName;
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch (e) {
    return { ok: false, field: '/', error: `the ${name} event's data is not JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
  let schema: TSchema = CHANNEL_EVENTS[name];
  if (name === 'command') {
    const command = (value as { command?: unknown } | null)?.command;
    if (typeof command !== 'string' || !Object.hasOwn(AGENT_COMMANDS, command)) {
      return { ok: false, field: '/command', error: `/command must be one of ${AGENT_COMMAND_NAMES.join(', ')}` };
    }
    schema = AGENT_COMMANDS[command as AgentCommandName];
  }
  const r = check(schema, value);
  return r.ok ? { ok: true, value: { event: name, data: r.value } as ChannelEvent } : { ...r, error: `${name} event: ${r.error}` };
}
