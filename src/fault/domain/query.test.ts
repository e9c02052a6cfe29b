import { describe, expect, it } from 'vitest';
import { StarlingError } from '../../common/errors.ts';
import { parseCliQuery, parseQuery } from './query.ts';
import { summarize } from './summary.ts';

const FIELDS = ['alarm_id', 'severity', 'entity_instance_id'];

describe('parseQuery', () => {
  it('pairs q.field, q.op and q.value, op defaulting to eq', () => {
    expect(parseQuery({ field: ['alarm_id', 'severity'], op: ['eq', 'ge'], value: ['100.101', 'major'] }, FIELDS)).toEqual([
      { field: 'alarm_id', op: 'eq', value: '100.101' },
      { field: 'severity', op: 'ge', value: 'major' },
    ]);
    expect(parseQuery({ field: 'alarm_id', value: '100.101' }, FIELDS)).toEqual([{ field: 'alarm_id', op: 'eq', value: '100.101' }]);
  });
  it.each([
    ['an unknown field', { field: 'password', value: 'x' }, 'q.field'],
    ['an unknown op', { field: 'alarm_id', op: 'like', value: 'x' }, 'q.op'],
    ['uneven lists', { field: ['alarm_id', 'severity'], value: ['x'] }, 'q.field'],
    ['a bad severity', { field: 'severity', value: 'huge' }, 'q.value'],
  ])('refuses %s', (_, q, field) => {
    try {
      parseQuery(q, FIELDS);
      expect.unreachable();
    } catch (e) {
      expect((e as StarlingError).field).toBe(field);
    }
  });
});

describe('parseCliQuery', () => {
  it('reads fmclient-style queries, entity ids with = inside included', () => {
    expect(parseCliQuery('alarm_id=100.101;severity>=major;entity_instance_id=host=worker-0')).toEqual({
      field: ['alarm_id', 'severity', 'entity_instance_id'],
      op: ['eq', 'ge', 'eq'],
      value: ['100.101', 'major', 'host=worker-0'],
    });
    expect(parseCliQuery('severity!=warning')).toEqual({ field: ['severity'], op: ['ne'], value: ['warning'] });
  });
  it('refuses a part without an operator', () => {
    expect(() => parseCliQuery('alarm_id')).toThrow(/needs an operator/);
  });
});

describe('summarize', () => {
  it.each([
    [{}, 'OK'],
    [{ warning: 3 }, 'OK'],
    [{ minor: 1 }, 'degraded'],
    [{ major: 2, warning: 1 }, 'degraded'],
    [{ critical: 1, major: 5 }, 'critical'],
  ])('%j → %s', (counts, status) => expect(summarize(counts).status).toBe(status));
  it('counts warnings under "warnings"', () => {
    expect(summarize({ warning: 2 })).toEqual({ critical: 0, major: 0, minor: 0, warnings: 2, status: 'OK' });
  });
});
