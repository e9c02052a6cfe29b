import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../catalog-file.ts';
import { parseCatalog } from './catalog.ts';

describe('alarm catalog', () => {
  const catalog = loadCatalog();
  it('loads the shipped catalog, ids kept as strings (100.110 is not 100.11)', () => {
    expect(catalog.get('100.110')?.description).toMatch(/cluster-host port/i);
    expect(catalog.get('200.010')?.severities).toEqual(['warning']);
    expect([...catalog.keys()].every((id) => /^\d{3}\.\d{3}$/.test(id))).toBe(true);
  });
  it('covers the alarms the platform raises (maintenance, HA, DC, software, PTP) and the host logs', () => {
    for (const id of [
      '100.101',
      '100.103',
      '100.104',
      '100.108',
      '100.109',
      '100.110',
      '100.111',
      '100.119',
      '200.001',
      '200.004',
      '200.005',
      '200.006',
      '200.007',
      '200.009',
      '200.010',
      '200.011',
      '200.013',
      '250.001',
      '280.001',
      '280.002',
      '400.001',
      '400.002',
      '400.005',
      '900.201',
      '900.203',
    ]) {
      expect(catalog.get(id)?.type, id).toBe('alarm');
    }
    for (const id of ['200.020', '200.021', '200.022']) expect(catalog.get(id)?.type, id).toBe('log');
  });
  it.each([
    ['a numeric id', [{ id: 100.11, type: 'alarm' }], /id must be a non-empty string/],
    ['a duplicate id', [minimal('100.101'), minimal('100.101')], /appears twice/],
    ['an unknown severity', [{ ...minimal('100.101'), severities: ['fatal'] }], /severities/],
    ['an unknown probable cause', [{ ...minimal('100.101'), probable_cause: 'gremlins' }], /probable_cause/],
  ])('refuses %s', (_, doc, message) => {
    expect(() => parseCatalog(doc)).toThrow(message);
  });
});

function minimal(id: string) {
  return {
    id,
    type: 'alarm',
    description: 'd',
    entity: 'host=<h>',
    severities: ['major'],
    alarm_type: 'other',
    probable_cause: 'unknown',
    repair: 'r',
  };
}
