// Pure translations between what BMCs say and the driver interface: ipmitool's `sensor list` table,
// Redfish Thermal / Power / Sensors resources, Redfish PowerState and the choice of ResetType.

import type { BmcSensor, PowerAction, PowerState, SensorKind, SensorStatus } from './types.ts';

// ---------------------------------------------------------------------------------------------
// IPMI: `ipmitool sensor list`, the table StarlingX's hwmond parses:
//   name | reading | units | status | lnr | lcr | lnc | unc | ucr | unr
// status is ok, nc (non-critical), cr (critical), nr (non-recoverable) or na; hwmond raises them as
// minor, major and critical. Discrete sensors print a hex state in the reading and status columns.

const IPMI_STATUS: Record<string, SensorStatus> = { ok: 'ok', nc: 'minor', cr: 'major', nr: 'critical' };

export function sensorKind(units: string): SensorKind {
  const u = units.toLowerCase();
  if (u.startsWith('degrees')) return 'temperature';
  if (u === 'rpm') return 'fan';
  if (u === 'volts') return 'voltage';
  if (u === 'watts') return 'power';
  if (u === 'amps') return 'current';
  return 'other';
}

export function parseIpmitoolSensorList(text: string): BmcSensor[] {
  const sensors: BmcSensor[] = [];
  for (const line of text.split('\n')) {
    const cols = line.split('|').map((c) => c.trim());
    if (cols.length < 4 || cols[0] === '') continue;
    const [name = '', value = '', rawUnits = '', status = ''] = cols;
    // Some BMCs print '% degrees C' (a tolerance marker hwmond also strips).
    const units = rawUnits.replace(/^%\s*/, '');
    const reading = /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : null;
    sensors.push({
      name,
      kind: units === 'discrete' ? 'other' : sensorKind(units),
      reading,
      units,
      status: reading === null && status === 'na' ? 'unknown' : (IPMI_STATUS[status] ?? 'unknown'),
    });
  }
  return sensors;
}

// ---------------------------------------------------------------------------------------------
// Redfish: the Thermal and Power resources of a chassis (what hwmond reads with redfishtool
// `Chassis Thermal` / `Chassis Power`), or the newer Sensors collection when those are absent.

type Json = Record<string, unknown>;

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const obj = (v: unknown): Json =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {};
const arr = (v: unknown): Json[] => (Array.isArray(v) ? v.map(obj) : []);

const RANK: Record<SensorStatus, number> = { unknown: -1, ok: 0, minor: 1, major: 2, critical: 3 };
const worst = (a: SensorStatus, b: SensorStatus): SensorStatus => (RANK[b] > RANK[a] ? b : a);

/** StarlingX hwmond: Health OK is good, Warning is major, Critical is critical. */
function healthStatus(status: Json): SensorStatus | undefined {
  switch (str(status['Health'])) {
    case 'OK':
      return 'ok';
    case 'Warning':
      return 'major';
    case 'Critical':
      return 'critical';
    default:
      return undefined;
  }
}

/** A reading at or beyond a threshold: NonCritical → minor, Critical → major, Fatal → critical (ipmitool's nc/cr/nr). */
function thresholdStatus(
  reading: number,
  limits: { upper: (number | null)[]; lower: (number | null)[] },
): SensorStatus {
  const levels: SensorStatus[] = ['minor', 'major', 'critical'];
  let s: SensorStatus = 'ok';
  levels.forEach((level, i) => {
    const up = limits.upper[i];
    const low = limits.lower[i];
    if ((up != null && reading >= up) || (low != null && reading <= low)) s = level;
  });
  return s;
}

/** Present and switched on: Status.State absent (older BMCs) or Enabled. */
function enabled(status: Json): boolean {
  const state = str(status['State']);
  return state === undefined || state === 'Enabled';
}

function classicSensor(
  m: Json,
  kind: SensorKind,
  units: string,
  readingKey: string,
  fallbackName: string,
): BmcSensor {
  const status = obj(m['Status']);
  const on = enabled(status);
  const reading = on ? num(m[readingKey]) : null;
  const health = healthStatus(status);
  let s: SensorStatus = health ?? 'unknown';
  if (reading !== null) {
    const t = thresholdStatus(reading, {
      upper: ['UpperThresholdNonCritical', 'UpperThresholdCritical', 'UpperThresholdFatal'].map((k) =>
        num(m[k]),
      ),
      lower: ['LowerThresholdNonCritical', 'LowerThresholdCritical', 'LowerThresholdFatal'].map((k) =>
        num(m[k]),
      ),
    });
    s = worst(health ?? 'ok', t);
  }
  if (!on) s = 'unknown';
  return { name: str(m['Name']) ?? str(m['FanName']) ?? fallbackName, kind, reading, units, status: s };
}

export function redfishThermalSensors(thermal: Json): BmcSensor[] {
  const temps = arr(thermal['Temperatures']).map((t, i) =>
    classicSensor(t, 'temperature', 'degrees C', 'ReadingCelsius', `Temperature ${i}`),
  );
  const fans = arr(thermal['Fans']).map((f, i) => {
    // Thermal v1.0 had ReadingRPM; later ones Reading plus ReadingUnits (RPM or Percent).
    const percent = str(f['ReadingUnits']) === 'Percent';
    const key = f['Reading'] !== undefined ? 'Reading' : 'ReadingRPM';
    return classicSensor(f, 'fan', percent ? 'percent' : 'RPM', key, `Fan ${i}`);
  });
  return [...temps, ...fans];
}

export function redfishPowerSensors(power: Json): BmcSensor[] {
  const volts = arr(power['Voltages']).map((v, i) =>
    classicSensor(v, 'voltage', 'Volts', 'ReadingVolts', `Voltage ${i}`),
  );
  const control = arr(power['PowerControl']).map((p, i) =>
    classicSensor(p, 'power', 'Watts', 'PowerConsumedWatts', `Power ${i}`),
  );
  // hwmond lists power supplies too, judged by their health alone.
  const supplies = arr(power['PowerSupplies']).map((p, i) =>
    classicSensor(p, 'power', 'Watts', 'LastPowerOutputWatts', `Power Supply ${i}`),
  );
  return [...volts, ...control, ...supplies];
}

/** Sensor v1.x ReadingType → kind and ipmitool-style units; ReadingUnits (UCUM) when the type is absent. */
const READING_TYPE: Record<string, [SensorKind, string]> = {
  Temperature: ['temperature', 'degrees C'],
  Voltage: ['voltage', 'Volts'],
  Power: ['power', 'Watts'],
  Current: ['current', 'Amps'],
  Rotational: ['fan', 'RPM'],
};
const UCUM: Record<string, [SensorKind, string]> = {
  Cel: ['temperature', 'degrees C'],
  V: ['voltage', 'Volts'],
  W: ['power', 'Watts'],
  A: ['current', 'Amps'],
  RPM: ['fan', 'RPM'],
  '{rev}/min': ['fan', 'RPM'],
};

/** A fan's speed given in percent: PhysicalContext says Fan, or (as in DMTF's mockups) only the name does. */
const isFan = (m: Json) =>
  str(m['PhysicalContext']) === 'Fan' || /fan/i.test(`${str(m['Name']) ?? ''} ${str(m['Id']) ?? ''}`);

/** One member of Chassis/{id}/Sensors (Sensor v1.x): Reading, ReadingType, ReadingUnits, Thresholds.{Upper,Lower}{Caution,Critical,Fatal}. */
export function redfishSensor(m: Json): BmcSensor {
  const status = obj(m['Status']);
  const on = enabled(status);
  const type = str(m['ReadingType']);
  const ucum = str(m['ReadingUnits']) ?? '';
  const percent = type === 'Percent' || ucum === '%';
  const [kind, units]: [SensorKind, string] =
    (type === undefined ? undefined : READING_TYPE[type]) ??
    UCUM[ucum] ??
    (percent ? [isFan(m) ? 'fan' : 'other', 'percent'] : ['other', ucum]);
  const reading = on ? num(m['Reading']) : null;
  const th = obj(m['Thresholds']);
  const level = (k: string) => num(obj(th[k])['Reading']);
  const health = healthStatus(status);
  let s: SensorStatus = health ?? 'unknown';
  if (reading !== null) {
    s = worst(
      health ?? 'ok',
      thresholdStatus(reading, {
        upper: ['UpperCaution', 'UpperCritical', 'UpperFatal'].map(level),
        lower: ['LowerCaution', 'LowerCritical', 'LowerFatal'].map(level),
      }),
    );
  }
  if (!on) s = 'unknown';
  return { name: str(m['Name']) ?? str(m['Id']) ?? 'sensor', kind, reading, units, status: s };
}

// ---------------------------------------------------------------------------------------------
// Redfish power.

/** PowerState On, PoweringOff and Paused still run the host; Off and PoweringOn do not (yet). */
export function redfishPowerState(value: unknown): PowerState | undefined {
  switch (value) {
    case 'On':
    case 'PoweringOff':
    case 'Paused':
      return 'on';
    case 'Off':
    case 'PoweringOn':
      return 'off';
    default:
      return undefined;
  }
}

/**
 * ResetType sequences for each action, most preferred first; a sequence of two is posted in turn
 * (ForceOff, then On once the system reports Off). Like StarlingX's mtce, the first one the BMC
 * lists in ResetType@Redfish.AllowableValues wins. A graceful request never turns into a forced one.
 */
export const RESET_PREFERENCES: Record<PowerAction, string[][]> = {
  on: [['On'], ['ForceOn']],
  off: [['ForceOff'], ['GracefulShutdown']],
  'soft-off': [['GracefulShutdown']],
  cycle: [['PowerCycle'], ['ForceOff', 'On'], ['ForceRestart']],
  reset: [['ForceRestart'], ['PowerCycle'], ['ForceOff', 'On']],
  'graceful-restart': [['GracefulRestart']],
};

/** The ResetTypes to post, or undefined when the BMC allows none of them. No list = anything goes. */
export function chooseResetTypes(
  action: PowerAction,
  allowed: readonly string[] | undefined,
): string[] | undefined {
  const options = RESET_PREFERENCES[action];
  if (allowed === undefined) return options[0];
  return options.find((seq) => seq.every((t) => allowed.includes(t)));
}
