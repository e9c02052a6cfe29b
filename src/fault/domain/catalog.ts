// The alarm catalog: parsed and checked once at start from src/fault/alarm-catalog.yaml. Pure:
// the parsed YAML document in, a lookup table out (or an error naming the entry and field).

import { ALARM_TYPES, PROBABLE_CAUSES, SEVERITIES, type AlarmType, type Severity } from './model.ts';

export interface CatalogEntry {
  id: string;
  type: 'alarm' | 'log';
  description: string;
  entity: string;
  severities: Severity[];
  alarm_type: AlarmType;
  probable_cause: string;
  repair: string;
  service_affecting: boolean;
  suppression: boolean;
  mgmt_affecting: Severity | 'none';
  degrade_affecting: Severity | 'none';
}

export type Catalog = ReadonlyMap<string, CatalogEntry>;

export const ALARM_ID = /^\d{3}\.\d{3}$/;

export function parseCatalog(doc: unknown): Catalog {
  if (!Array.isArray(doc)) throw new Error('the alarm catalog must be a list of entries');
  const out = new Map<string, CatalogEntry>();
  doc.forEach((raw: unknown, i) => {
    const where = `alarm catalog entry ${i + 1}`;
    if (typeof raw !== 'object' || raw === null) throw new Error(`${where} is not a mapping`);
    const e = raw as Record<string, unknown>;
    const str = (k: string, required = true): string => {
      const v = e[k];
      if (v === undefined && !required) return '';
      if (typeof v !== 'string' || v === '') throw new Error(`${where} (${String(e.id)}): ${k} must be a non-empty string`);
      return v;
    };
    const id = str('id');
    if (!ALARM_ID.test(id)) throw new Error(`${where}: id '${id}' is not of the form NNN.NNN`);
    if (out.has(id)) throw new Error(`${where}: id ${id} appears twice`);
    const type = str('type');
    if (type !== 'alarm' && type !== 'log') throw new Error(`${id}: type must be alarm or log`);
    const severities = e.severities;
    if (!Array.isArray(severities) || severities.length === 0 || !severities.every((s) => (SEVERITIES as readonly unknown[]).includes(s))) {
      throw new Error(`${id}: severities must be a non-empty list of ${SEVERITIES.join(', ')}`);
    }
    const alarmType = str('alarm_type');
    if (!(ALARM_TYPES as readonly string[]).includes(alarmType)) throw new Error(`${id}: unknown alarm_type ${alarmType}`);
    const cause = str('probable_cause');
    if (!(PROBABLE_CAUSES as readonly string[]).includes(cause)) throw new Error(`${id}: unknown probable_cause ${cause}`);
    const level = (k: string): Severity | 'none' => {
      const v = e[k] ?? 'none';
      if (v !== 'none' && !(SEVERITIES as readonly unknown[]).includes(v)) throw new Error(`${id}: ${k} must be none or a severity`);
      return v as Severity | 'none';
    };
    const bool = (k: string): boolean => {
      const v = e[k] ?? false;
      if (typeof v !== 'boolean') throw new Error(`${id}: ${k} must be true or false`);
      return v;
    };
    out.set(id, {
      id,
      type,
      description: str('description'),
      entity: str('entity'),
      severities: severities as Severity[],
      alarm_type: alarmType as AlarmType,
      probable_cause: cause,
      repair: str('repair', type === 'alarm'),
      service_affecting: bool('service_affecting'),
      suppression: bool('suppression'),
      mgmt_affecting: level('mgmt_affecting'),
      degrade_affecting: level('degrade_affecting'),
    });
  });
  return out;
}
