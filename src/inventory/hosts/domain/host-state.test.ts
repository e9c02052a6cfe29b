// Every action's rules, case by case: the first failing check is the answer, with its code.

import { describe, expect, it } from 'vitest';
import { HOST_ACTIONS, decide, updatableFields, type HostAction, type HostFacts, type SiteFacts } from './host-state.ts';

const worker = (over: Partial<HostFacts> = {}): HostFacts => ({
  hostname: 'worker-0',
  personality: 'worker',
  subfunctions: 'worker',
  mgmt_mac: '08:00:27:00:00:01',
  administrative: 'locked',
  operational: 'disabled',
  availability: 'online',
  task: null,
  bm_type: 'ipmi',
  ...over,
});
const controller = (over: Partial<HostFacts> = {}): HostFacts =>
  worker({ hostname: 'controller-0', personality: 'controller', subfunctions: 'controller', administrative: 'unlocked', operational: 'enabled', availability: 'available', ...over });
const standard: SiteFacts = { system_mode: 'duplex', unlocked_enabled_controllers: 2, ha_available: false };
const simplex: SiteFacts = { system_mode: 'simplex', unlocked_enabled_controllers: 1, ha_available: false };

type Case = [string, HostAction, HostFacts, SiteFacts, string | true];
const unlockedWorker = worker({ administrative: 'unlocked', operational: 'enabled', availability: 'available' });

const cases: Case[] = [
  // lock
  ['lock an unlocked worker', 'lock', unlockedWorker, standard, true],
  ['lock a locked host', 'lock', worker(), standard, 'HOST_STATE_CONFLICT:already locked'],
  ['lock a busy host', 'lock', worker({ administrative: 'unlocked', task: 'Unlocking' }), standard, 'HOST_STATE_CONFLICT:busy'],
  ['lock one of two controllers', 'lock', controller(), standard, true],
  ['lock the last unlocked-enabled controller', 'lock', controller(), { ...standard, unlocked_enabled_controllers: 1 }, 'HOST_STATE_CONFLICT:last unlocked-enabled controller'],
  ['lock the only controller of a simplex system', 'lock', controller(), simplex, true],
  ['force-lock a busy host', 'force-lock', worker({ administrative: 'unlocked', task: 'Unlocking' }), standard, true],
  ['force-lock the last controller', 'force-lock', controller(), { ...standard, unlocked_enabled_controllers: 1 }, 'HOST_STATE_CONFLICT:even by force'],
  ['force-lock a locked host', 'force-lock', worker(), standard, 'HOST_STATE_CONFLICT:already locked'],
  // unlock
  ['unlock a locked online worker', 'unlock', worker(), standard, true],
  ['unlock an unlocked host', 'unlock', unlockedWorker, standard, 'HOST_STATE_CONFLICT:already unlocked'],
  ['unlock a busy host', 'unlock', worker({ task: 'Rebooting' }), standard, 'HOST_STATE_CONFLICT:busy'],
  ['unlock an unprovisioned host', 'unlock', worker({ personality: null, hostname: null }), standard, 'HOST_STATE_CONFLICT:hostname, personality'],
  ['unlock a powered-off host', 'unlock', worker({ availability: 'power-off' }), standard, 'HOST_STATE_CONFLICT:powered off'],
  ['unlock an offline host', 'unlock', worker({ availability: 'offline' }), standard, 'HOST_STATE_CONFLICT:not online'],
  ['force-unlock an offline host', 'force-unlock', worker({ availability: 'offline' }), standard, true],
  ['force-unlock a powered-off host', 'force-unlock', worker({ availability: 'power-off' }), standard, 'HOST_STATE_CONFLICT:powered off'],
  ['force-unlock a host without mgmt_mac', 'force-unlock', worker({ mgmt_mac: null }), standard, 'HOST_STATE_CONFLICT:mgmt_mac'],
  // reboot, reset, power, reinstall
  ['reboot a locked worker', 'reboot', worker(), standard, true],
  ['reboot an unlocked worker', 'reboot', unlockedWorker, standard, 'HOST_NOT_LOCKED:locked first'],
  ['reboot on simplex', 'reboot', controller({ administrative: 'locked' }), simplex, 'HOST_STATE_CONFLICT:simplex'],
  ['reset a locked worker', 'reset', worker(), standard, true],
  ['reset an unlocked worker', 'reset', unlockedWorker, standard, 'HOST_NOT_LOCKED:locked first'],
  ['power-off a locked worker', 'power-off', worker(), standard, true],
  ['power-off without a BMC', 'power-off', worker({ bm_type: 'none' }), standard, 'HOST_STATE_CONFLICT:no BMC'],
  ['power-off a powered-off host', 'power-off', worker({ availability: 'power-off' }), standard, 'HOST_STATE_CONFLICT:already powered off'],
  ['power-off an unlocked host', 'power-off', unlockedWorker, standard, 'HOST_NOT_LOCKED:locked first'],
  ['power-on a powered-off host', 'power-on', worker({ availability: 'power-off' }), standard, true],
  ['power-on a host that is on', 'power-on', worker(), standard, 'HOST_STATE_CONFLICT:already on'],
  ['power-on an unlocked host', 'power-on', unlockedWorker, standard, 'HOST_NOT_LOCKED:locked first'],
  ['power-on on simplex', 'power-on', controller({ administrative: 'locked', availability: 'power-off' }), simplex, 'HOST_STATE_CONFLICT:simplex'],
  ['reinstall a locked online host', 'reinstall', worker({ bm_type: 'none' }), standard, true],
  ['reinstall an offline host with a BMC', 'reinstall', worker({ availability: 'offline' }), standard, true],
  ['reinstall an offline host without a BMC', 'reinstall', worker({ availability: 'offline', bm_type: 'none' }), standard, 'HOST_STATE_CONFLICT:no BMC'],
  ['reinstall an unlocked host', 'reinstall', unlockedWorker, standard, 'HOST_NOT_LOCKED:locked first'],
  // swact
  ['swact a worker', 'swact', unlockedWorker, standard, 'HOST_STATE_CONFLICT:not a controller'],
  ['swact a controller without HA', 'swact', controller(), standard, 'NOT_AVAILABLE:high availability'],
  ['swact with HA on duplex', 'swact', controller(), { ...standard, ha_available: true }, true],
  ['swact on simplex', 'swact', controller(), { ...simplex, ha_available: true }, 'HOST_STATE_CONFLICT:simplex'],
  ['swact a locked controller', 'swact', controller({ administrative: 'locked' }), { ...standard, ha_available: true }, 'HOST_STATE_CONFLICT:is locked'],
  ['force-swact a locked controller', 'force-swact', controller({ administrative: 'locked' }), { ...standard, ha_available: true }, true],
  // delete
  ['delete a locked worker', 'delete', worker(), standard, true],
  ['delete an unlocked worker', 'delete', unlockedWorker, standard, 'HOST_NOT_LOCKED:locked before'],
  ['delete an unprovisioned discovered host', 'delete', worker({ personality: null, hostname: null, administrative: 'locked' }), standard, true],
  ['delete the simplex controller', 'delete', controller({ administrative: 'locked' }), simplex, 'HOST_STATE_CONFLICT:simplex'],
  ['delete a busy host', 'delete', worker({ task: 'Rebooting' }), standard, 'HOST_STATE_CONFLICT:busy'],
];

describe('host action rules', () => {
  it.each(cases)('%s', (_, action, host, site, expected) => {
    const d = decide(action, host, site);
    if (expected === true) {
      expect(d).toMatchObject({ ok: true });
    } else {
      const [code, words] = expected.split(':') as [string, string];
      expect(d).toMatchObject({ ok: false, code });
      expect(d.ok === false && d.reason).toContain(words);
    }
  });

  it('covers every action', () => {
    const covered = new Set(cases.map((c) => c[1]));
    expect(HOST_ACTIONS.filter((a) => !covered.has(a))).toEqual([]);
  });

  it('starts the StarlingX task text and the new administrative state', () => {
    expect(decide('lock', unlockedWorker, standard)).toEqual({ ok: true, task: 'Locking', administrative: 'locked' });
    expect(decide('force-lock', unlockedWorker, standard)).toEqual({ ok: true, task: 'Force Locking', administrative: 'locked' });
    expect(decide('unlock', worker(), standard)).toEqual({ ok: true, task: 'Unlocking', administrative: 'unlocked' });
    expect(decide('reboot', worker(), standard)).toEqual({ ok: true, task: 'Rebooting' });
  });
});

describe('updatableFields', () => {
  it('identity once (unprovisioned), network and boot while locked, the rest always', () => {
    expect(updatableFields({ administrative: 'locked', personality: null })).toEqual(expect.arrayContaining(['hostname', 'personality', 'mgmt_mac', 'bm_ip']));
    expect(updatableFields({ administrative: 'locked', personality: 'worker' })).not.toContain('hostname');
    expect(updatableFields({ administrative: 'locked', personality: 'worker' })).toContain('boot_device');
    const unlocked = updatableFields({ administrative: 'unlocked', personality: 'worker' });
    expect(unlocked).not.toContain('mgmt_mac');
    expect(unlocked).toContain('location');
    expect(unlocked).toContain('bm_password');
  });
});
