// What the drivers make of BMC answers, case by case: ipmitool's sensor table (with the sample
// StarlingX's hwmond documents), DMTF's mockup Thermal / Power / Sensors resources, PowerState,
// the ResetType chosen for each action, and BMC addresses.

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MOCKUP_DIR } from '../../lab/redfish-emulator.ts';
import { parseBmcAddress } from './address.ts';
import {
  chooseResetTypes,
  parseIpmitoolSensorList,
  redfishPowerSensors,
  redfishPowerState,
  redfishSensor,
  redfishThermalSensors,
} from './parse.ts';
import type { PowerAction } from './types.ts';

const mockup = (rel: string): Record<string, any> =>
  JSON.parse(fs.readFileSync(path.join(DEFAULT_MOCKUP_DIR, rel, 'index.json'), 'utf8'));

describe('ipmitool sensor list', () => {
  it("reads hwmond's documented sample: units with '% ', a discrete sensor, a critical one", () => {
    const text = [
      'Temp_CPU0        | 54.000     | % degrees C | ok    | na        | na        | na        | 86.000    | 87.000    | na',
      'PSU2 Input       | 0.000      | % Watts     | cr    | na        | 0.000     | na        | na        | na        | na',
      'Critical IRQ     | 0x0        | discrete    | 0x0080| na        | na        | na        | na        | na        | na',
      'Fan_SYS0_2       | 4700.000   | % RPM       | ok    | na        | 500.000   | 1000.000  | na        | na        | na',
      '',
    ].join('\n');
    expect(parseIpmitoolSensorList(text)).toEqual([
      { name: 'Temp_CPU0', kind: 'temperature', reading: 54, units: 'degrees C', status: 'ok' },
      { name: 'PSU2 Input', kind: 'power', reading: 0, units: 'Watts', status: 'major' },
      { name: 'Critical IRQ', kind: 'other', reading: null, units: 'discrete', status: 'unknown' },
      { name: 'Fan_SYS0_2', kind: 'fan', reading: 4700, units: 'RPM', status: 'ok' },
    ]);
  });

  it.each([
    ['ok', 'ok'],
    ['nc', 'minor'],
    ['cr', 'major'],
    ['nr', 'critical'],
    ['na', 'unknown'],
  ])('status %s is %s', (col, status) => {
    const [s] = parseIpmitoolSensorList(`P12V | 12.100 | Volts | ${col} | na | na | na | na | na | na\n`);
    expect(s).toMatchObject({ kind: 'voltage', reading: 12.1, status });
  });

  it('a sensor without a reading (host off) is null and unknown; amps are current', () => {
    expect(
      parseIpmitoolSensorList(
        'CPU1 Temp | na |  | na | na | na | na | 42.000 | 45.000 | 48.000\nPS1 Curr | 1.5 | Amps | ok | na | na | na | na | na | na',
      ),
    ).toEqual([
      { name: 'CPU1 Temp', kind: 'other', reading: null, units: '', status: 'unknown' },
      { name: 'PS1 Curr', kind: 'current', reading: 1.5, units: 'Amps', status: 'ok' },
    ]);
  });
});

describe("Redfish Thermal and Power (DMTF's rack-mount mockup)", () => {
  it('Thermal: temperatures and fans, a disabled sensor has no reading', () => {
    expect(redfishThermalSensors(mockup('Chassis/1U/Thermal'))).toEqual([
      { name: 'CPU1 Temp', kind: 'temperature', reading: 41, units: 'degrees C', status: 'ok' },
      { name: 'CPU2 Temp', kind: 'temperature', reading: null, units: 'degrees C', status: 'unknown' },
      { name: 'Chassis Intake Temp', kind: 'temperature', reading: 25, units: 'degrees C', status: 'ok' },
      { name: 'BaseBoard System Fan', kind: 'fan', reading: 2100, units: 'RPM', status: 'ok' },
      { name: 'BaseBoard System Fan Backup', kind: 'fan', reading: 2050, units: 'RPM', status: 'ok' },
    ]);
  });

  it('Power: voltages, consumption, and a supply whose health is Warning (major, as hwmond)', () => {
    expect(redfishPowerSensors(mockup('Chassis/1U/Power'))).toEqual([
      { name: 'VRM1 Voltage', kind: 'voltage', reading: 12, units: 'Volts', status: 'ok' },
      { name: 'VRM2 Voltage', kind: 'voltage', reading: 5, units: 'Volts', status: 'ok' },
      { name: 'System Input Power', kind: 'power', reading: 344, units: 'Watts', status: 'ok' },
      { name: 'Power Supply Bay', kind: 'power', reading: 325, units: 'Watts', status: 'major' },
    ]);
  });

  // CPU1 Temp: upper 42 / 45 / 48; Chassis Intake Temp: lower 10 / 5 / 0.
  it.each([
    ['CPU1 Temp', 41.9, 'ok'],
    ['CPU1 Temp', 42, 'minor'],
    ['CPU1 Temp', 45, 'major'],
    ['CPU1 Temp', 48, 'critical'],
    ['Chassis Intake Temp', 10, 'minor'],
    ['Chassis Intake Temp', 5, 'major'],
    ['Chassis Intake Temp', 0, 'critical'],
  ] as const)('%s at %d °C is %s', (name, reading, status) => {
    const thermal = mockup('Chassis/1U/Thermal');
    const t = thermal['Temperatures'].find((x: any) => x.Name === name);
    t.ReadingCelsius = reading;
    expect(redfishThermalSensors(thermal).find((s) => s.name === name)?.status).toBe(status);
  });

  it('Health Critical wins over thresholds that are fine', () => {
    const thermal = mockup('Chassis/1U/Thermal');
    thermal['Temperatures'][0].Status.Health = 'Critical';
    expect(redfishThermalSensors(thermal)[0]?.status).toBe('critical');
  });

  it('Sensors collection (newer BMCs): kinds from ReadingType or units, absent sensors unknown', () => {
    const dir = path.join(DEFAULT_MOCKUP_DIR, 'Chassis/1U/Sensors');
    const all = fs
      .readdirSync(dir)
      .filter((d) => fs.statSync(path.join(dir, d)).isDirectory())
      .map((d) => redfishSensor(mockup(`Chassis/1U/Sensors/${d}`)));
    const by = (name: string) => all.find((s) => s.name === name);
    expect(by('CPU #1 Temperature')).toEqual({
      name: 'CPU #1 Temperature',
      kind: 'temperature',
      reading: 37,
      units: 'degrees C',
      status: 'ok',
    });
    expect(by('CPU #1 Fan Speed')).toMatchObject({
      kind: 'fan',
      reading: 80,
      units: 'percent',
      status: 'ok',
    });
    expect(all.filter((s) => s.kind === 'voltage').length).toBeGreaterThan(3);
    expect(all.filter((s) => s.reading === null).every((s) => s.status === 'unknown')).toBe(true);
    expect(all.filter((s) => s.reading === null)).toHaveLength(11); // the absent second supply
  });
});

describe('Redfish PowerState and ResetType', () => {
  it.each([
    ['On', 'on'],
    ['PoweringOff', 'on'],
    ['Paused', 'on'],
    ['Off', 'off'],
    ['PoweringOn', 'off'],
    [undefined, undefined],
    ['Bogus', undefined],
  ])('PowerState %s is %s', (value, state) => {
    expect(redfishPowerState(value)).toBe(state);
  });

  const MOCKUP = [
    'On',
    'ForceOff',
    'GracefulShutdown',
    'GracefulRestart',
    'ForceRestart',
    'Nmi',
    'ForceOn',
    'PushPowerButton',
  ];
  it.each<[PowerAction, string[] | undefined, string[] | undefined]>([
    ['on', MOCKUP, ['On']],
    ['on', ['ForceOn', 'ForceOff'], ['ForceOn']],
    ['off', MOCKUP, ['ForceOff']],
    ['off', ['On', 'GracefulShutdown'], ['GracefulShutdown']],
    ['soft-off', MOCKUP, ['GracefulShutdown']],
    ['soft-off', ['On', 'ForceOff'], undefined], // never forced when asked to be graceful
    ['cycle', [...MOCKUP, 'PowerCycle'], ['PowerCycle']],
    ['cycle', MOCKUP, ['ForceOff', 'On']],
    ['cycle', ['ForceRestart'], ['ForceRestart']],
    ['reset', MOCKUP, ['ForceRestart']],
    ['reset', ['On', 'ForceOff'], ['ForceOff', 'On']],
    ['graceful-restart', MOCKUP, ['GracefulRestart']],
    ['graceful-restart', ['ForceRestart'], undefined],
    ['cycle', undefined, ['PowerCycle']], // no list: the standard's own choice
  ])('%s with %j posts %j', (action, allowed, expected) => {
    expect(chooseResetTypes(action, allowed)).toEqual(expected);
  });
});

describe('BMC addresses', () => {
  it.each([
    ['10.10.10.5', { scheme: undefined, host: '10.10.10.5', port: undefined }],
    ['10.10.10.5:6230', { scheme: undefined, host: '10.10.10.5', port: 6230 }],
    ['bmc-0.lab', { scheme: undefined, host: 'bmc-0.lab', port: undefined }],
    ['fd00:ab::5', { scheme: undefined, host: 'fd00:ab::5', port: undefined }],
    ['[fd00:ab::5]', { scheme: undefined, host: 'fd00:ab::5', port: undefined }],
    ['[fd00:ab::5]:8443', { scheme: undefined, host: 'fd00:ab::5', port: 8443 }],
    ['http://169.254.1.100', { scheme: 'http', host: '169.254.1.100', port: undefined }],
    ['HTTPS://[::1]:8443/', { scheme: 'https', host: '::1', port: 8443 }],
  ])('%s', (address, expected) => {
    expect(parseBmcAddress(address)).toEqual(expected);
  });

  it.each([
    '',
    '10.0.0.1:0',
    '10.0.0.1:99999',
    '[fd00::1',
    '[10.0.0.1]:623',
    'fd00::1:623x',
    'http://10.0.0.1/redfish',
    'admin@10.0.0.1',
    'bad host',
  ])('%j is refused with the field named', (address) => {
    expect(() => parseBmcAddress(address)).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED', field: 'bm_ip' }),
    );
  });
});
