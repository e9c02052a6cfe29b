import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../../fault/catalog-file.ts';
import { alarmFromRaise } from '../../../fault/domain/raise.ts';
import { linkAction, linkStateOf, portAlarm, validIfname } from './links.ts';

describe('linkStateOf (sysfs operstate + carrier)', () => {
  it.each([
    ['up', '1', 'up'],
    ['up\n', '1\n', 'up'],
    ['up', '0', 'down'], // a veth whose peer is down
    ['up', undefined, 'up'],
    ['unknown', '1', 'up'], // dummy, tun
    ['unknown', '0', 'down'],
    ['down', undefined, 'down'], // admin down: carrier unreadable
    ['lowerlayerdown', '0', 'down'],
    ['dormant', '1', 'down'],
    ['notpresent', undefined, 'down'],
    [undefined, undefined, 'down'],
  ] as const)('operstate %j carrier %j → %s', (op, carrier, state) => {
    expect(linkStateOf(op, carrier)).toBe(state);
  });
});

describe('linkAction', () => {
  it.each([
    ['first reading down raises', undefined, 'down', 'mgmt', 'raise'],
    ['first reading up clears (a stale alarm of a previous run)', undefined, 'up', 'mgmt', 'clear'],
    ['down raises', 'up', 'down', 'oam', 'raise'],
    ['up again clears', 'down', 'up', 'cluster-host', 'clear'],
    ['no change does nothing', 'down', 'down', 'mgmt', null],
    ['a data port raises nothing here', 'up', 'down', 'data', null],
  ] as const)('%s', (_n, prev, now, network, kind) => {
    expect(linkAction(prev, now, 'controller-0', 'eth0', network)?.kind ?? null).toBe(kind);
  });

  it.each([
    ['oam', '100.106'],
    ['mgmt', '100.108'],
    ['cluster-host', '100.110'],
  ])('%s port alarm is %s, major, on host=<h>.port=<if>, and fm’s catalog accepts it', (network, id) => {
    const a = portAlarm('worker-0', 'enp0s3', network)!;
    expect(a).toMatchObject({
      alarm_id: id,
      entity_instance_id: 'host=worker-0.port=enp0s3',
      severity: 'major',
    });
    expect(() => alarmFromRaise(a, loadCatalog(), new Date())).not.toThrow();
  });
});

describe('validIfname', () => {
  it.each([
    ['eth0', true],
    ['enp0s31f6', true],
    ['bond0.100', true],
    ['vlan@eth0', true],
    ['', false],
    ['..', false],
    ['a/b', false],
    ['waytoolonginterface', false],
  ])('%j → %s', (name, ok) => expect(validIfname(name)).toBe(ok));
});
