// StarlingX's host states (administrative × operational × availability) and the rules of the
// operator's actions on them, as data: for each action, the checks it must pass (in order, the
// first failing one is the answer) and the state and task it starts. Maintenance carries the
// actions out; this module only decides whether they may start. Pure.

export const ADMINISTRATIVE = ['locked', 'unlocked'] as const;
export const OPERATIONAL = ['enabled', 'disabled'] as const;
export const AVAILABILITY = ['not-installed', 'available', 'degraded', 'failed', 'intest', 'power-off', 'offline', 'online', 'offduty'] as const;
export const PERSONALITIES = ['controller', 'worker', 'storage'] as const;

export type Administrative = (typeof ADMINISTRATIVE)[number];
export type Operational = (typeof OPERATIONAL)[number];
export type Availability = (typeof AVAILABILITY)[number];
export type Personality = (typeof PERSONALITIES)[number];
export type SystemMode = 'simplex' | 'duplex' | 'duplex-direct';

export const HOST_ACTIONS = [
  'lock',
  'force-lock',
  'unlock',
  'force-unlock',
  'reboot',
  'reset',
  'power-on',
  'power-off',
  'reinstall',
  'swact',
  'force-swact',
  'delete',
] as const;
export type HostAction = (typeof HOST_ACTIONS)[number];

export interface HostFacts {
  hostname: string | null;
  personality: Personality | null;
  subfunctions: string | null;
  mgmt_mac: string | null;
  administrative: Administrative;
  operational: Operational;
  availability: Availability;
  task: string | null;
  bm_type: 'none' | 'ipmi' | 'redfish' | 'dynamic';
}

export interface SiteFacts {
  system_mode: SystemMode;
  /** Controllers that are unlocked and enabled, this host included if it is one. */
  unlocked_enabled_controllers: number;
  /** Whether controller HA (swact) exists yet. */
  ha_available: boolean;
}

/** Error codes (see src/common/errors.ts) an action can be refused with. */
export type RefusalCode = 'HOST_STATE_CONFLICT' | 'HOST_NOT_LOCKED' | 'NOT_AVAILABLE';

export type Decision =
  | { ok: true; task: string | null; administrative?: Administrative }
  | { ok: false; code: RefusalCode; reason: string };

interface Rule {
  refuses: (h: HostFacts, s: SiteFacts) => boolean;
  code: RefusalCode;
  reason: (h: HostFacts, s: SiteFacts) => string;
}

const name = (h: HostFacts): string => h.hostname ?? 'the host';
const lastController = (h: HostFacts, s: SiteFacts): boolean =>
  h.personality === 'controller' && h.administrative === 'unlocked' && h.operational === 'enabled' && s.unlocked_enabled_controllers <= 1;

const busy: Rule = {
  refuses: (h) => h.task !== null && h.task !== '',
  code: 'HOST_STATE_CONFLICT',
  reason: (h) => `${name(h)} is busy (${h.task}); wait until it finishes`,
};
const mustBeLocked: Rule = {
  refuses: (h) => h.administrative !== 'locked',
  code: 'HOST_NOT_LOCKED',
  reason: (h) => `${name(h)} must be locked first`,
};
const notSimplex = (what: string): Rule => ({
  refuses: (_, s) => s.system_mode === 'simplex',
  code: 'HOST_STATE_CONFLICT',
  reason: () => `${what} is not possible on a simplex (AIO-SX) system: it is the only host`,
});
const provisioned: Rule = {
  refuses: (h) => h.hostname === null || h.personality === null || h.mgmt_mac === null,
  code: 'HOST_STATE_CONFLICT',
  reason: (h) =>
    `${name(h)} is not provisioned: set its ${[h.hostname === null && 'hostname', h.personality === null && 'personality', h.mgmt_mac === null && 'mgmt_mac'].filter(Boolean).join(', ')} first`,
};

/** The checks of each action, in StarlingX's order (host.py semantic checks). */
export const ACTION_RULES: Record<HostAction, { rules: Rule[]; task: string | null; administrative?: Administrative }> = {
  lock: {
    rules: [
      { refuses: (h) => h.administrative === 'locked', code: 'HOST_STATE_CONFLICT', reason: (h) => `${name(h)} is already locked` },
      busy,
      {
        refuses: (h, s) => s.system_mode !== 'simplex' && lastController(h, s),
        code: 'HOST_STATE_CONFLICT',
        reason: (h) => `${name(h)} is the last unlocked-enabled controller and cannot be locked`,
      },
    ],
    task: 'Locking',
    administrative: 'locked',
  },
  'force-lock': {
    rules: [
      { refuses: (h) => h.administrative === 'locked', code: 'HOST_STATE_CONFLICT', reason: (h) => `${name(h)} is already locked` },
      {
        refuses: (h, s) => s.system_mode !== 'simplex' && lastController(h, s),
        code: 'HOST_STATE_CONFLICT',
        reason: (h) => `${name(h)} is the last unlocked-enabled controller and cannot be locked, even by force`,
      },
    ],
    task: 'Force Locking',
    administrative: 'locked',
  },
  unlock: {
    rules: [
      { refuses: (h) => h.administrative === 'unlocked', code: 'HOST_STATE_CONFLICT', reason: (h) => `${name(h)} is already unlocked` },
      busy,
      provisioned,
      { refuses: (h) => h.availability === 'power-off', code: 'HOST_STATE_CONFLICT', reason: (h) => `${name(h)} is powered off: power it on first` },
      {
        refuses: (h) => h.availability !== 'online' && h.availability !== 'available' && h.availability !== 'degraded',
        code: 'HOST_STATE_CONFLICT',
        reason: (h) => `${name(h)} is ${h.availability}, not online: it can be unlocked once its agent reports (or use force-unlock)`,
      },
    ],
    task: 'Unlocking',
    administrative: 'unlocked',
  },
  'force-unlock': {
    rules: [
      { refuses: (h) => h.administrative === 'unlocked', code: 'HOST_STATE_CONFLICT', reason: (h) => `${name(h)} is already unlocked` },
      provisioned,
      { refuses: (h) => h.availability === 'power-off', code: 'HOST_STATE_CONFLICT', reason: (h) => `${name(h)} is powered off: power it on first` },
    ],
    task: 'Unlocking',
    administrative: 'unlocked',
  },
  reboot: { rules: [mustBeLocked, busy, notSimplex('reboot')], task: 'Rebooting' },
  reset: { rules: [mustBeLocked, busy, notSimplex('reset')], task: 'Resetting' },
  'power-off': {
    rules: [
      mustBeLocked,
      busy,
      notSimplex('power-off'),
      { refuses: (h) => h.availability === 'power-off', code: 'HOST_STATE_CONFLICT', reason: (h) => `${name(h)} is already powered off` },
      { refuses: (h) => h.bm_type === 'none', code: 'HOST_STATE_CONFLICT', reason: (h) => `${name(h)} has no BMC configured (bm_type none)` },
    ],
    task: 'Powering-off',
  },
  'power-on': {
    rules: [
      mustBeLocked,
      busy,
      notSimplex('power-on'),
      { refuses: (h) => h.availability !== 'power-off' && h.availability !== 'offline', code: 'HOST_STATE_CONFLICT', reason: (h) => `${name(h)} is already on (${h.availability})` },
      { refuses: (h) => h.bm_type === 'none', code: 'HOST_STATE_CONFLICT', reason: (h) => `${name(h)} has no BMC configured (bm_type none)` },
    ],
    task: 'Powering-on',
  },
  reinstall: {
    rules: [
      mustBeLocked,
      busy,
      notSimplex('reinstall'),
      {
        refuses: (h) => h.availability !== 'online' && h.bm_type === 'none',
        code: 'HOST_STATE_CONFLICT',
        reason: (h) => `${name(h)} is not online and has no BMC: it cannot be reinstalled remotely`,
      },
    ],
    task: 'Reinstalling',
  },
  swact: {
    rules: [
      { refuses: (h) => h.personality !== 'controller', code: 'HOST_STATE_CONFLICT', reason: (h) => `${name(h)} is not a controller: only controllers swact` },
      { refuses: (_, s) => !s.ha_available, code: 'NOT_AVAILABLE', reason: () => 'swact needs a second controller running as standby (controller high availability), which this system does not have' },
      notSimplex('swact'),
      { refuses: (h) => h.administrative !== 'unlocked', code: 'HOST_STATE_CONFLICT', reason: (h) => `${name(h)} is locked` },
    ],
    task: 'Swacting',
  },
  'force-swact': {
    rules: [
      { refuses: (h) => h.personality !== 'controller', code: 'HOST_STATE_CONFLICT', reason: (h) => `${name(h)} is not a controller: only controllers swact` },
      { refuses: (_, s) => !s.ha_available, code: 'NOT_AVAILABLE', reason: () => 'swact needs a second controller running as standby (controller high availability), which this system does not have' },
      notSimplex('swact'),
    ],
    task: 'Swacting',
  },
  delete: {
    rules: [
      {
        // An unprovisioned (auto-discovered, never configured) host may be deleted as it is.
        refuses: (h) => h.personality !== null && h.administrative !== 'locked',
        code: 'HOST_NOT_LOCKED',
        reason: (h) => `${name(h)} must be locked before it is deleted`,
      },
      busy,
      {
        refuses: (h, s) => h.personality === 'controller' && s.system_mode === 'simplex',
        code: 'HOST_STATE_CONFLICT',
        reason: (h) => `${name(h)} is the controller of a simplex system and cannot be deleted`,
      },
    ],
    task: null,
  },
};

/** May `action` start on this host now? */
export function decide(action: HostAction, host: HostFacts, site: SiteFacts): Decision {
  const spec = ACTION_RULES[action];
  for (const r of spec.rules) {
    if (r.refuses(host, site)) return { ok: false, code: r.code, reason: r.reason(host, site) };
  }
  return { ok: true, task: spec.task, ...(spec.administrative ? { administrative: spec.administrative } : {}) };
}

/** Which fields an operator may change on a host in its current state (host-update):
 *  hostname, personality and subfunctions once, while the host is unprovisioned (StarlingX sets
 *  them on a discovered host and never after); network and boot fields while it is locked; the
 *  rest at any time. */
export function updatableFields(host: Pick<HostFacts, 'administrative' | 'personality'>): readonly string[] {
  const always = ['location', 'bm_type', 'bm_ip', 'bm_username', 'bm_password', 'console', 'install_output'];
  const locked = host.administrative === 'locked' ? ['mgmt_mac', 'mgmt_ip', 'boot_device', 'rootfs_device'] : [];
  const unprovisioned = host.personality === null ? ['hostname', 'personality', 'subfunctions'] : [];
  return [...unprovisioned, ...locked, ...always];
}
