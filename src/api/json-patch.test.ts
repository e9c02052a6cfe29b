import { describe, expect, it } from 'vitest';
import { StarlingError } from '../common/errors.ts';
import { patchFields, stringField } from './json-patch.ts';

describe('patchFields', () => {
  const allowed = { name: stringField(10, 1), location: stringField(20) };
  it('turns replace operations into a patch', () => {
    expect(
      patchFields(
        [
          { op: 'replace', path: '/name', value: 'edge-1' },
          { op: 'replace', path: '/location', value: 'Ottawa' },
        ],
        allowed,
      ),
    ).toEqual({ name: 'edge-1', location: 'Ottawa' });
  });
  const bad: [string, Parameters<typeof patchFields>[0], string][] = [
    ['unknown field', [{ op: 'replace', path: '/uuid', value: 'x' }], '/uuid'],
    ['wrong type', [{ op: 'replace', path: '/name', value: 3 }], '/name'],
    ['too long', [{ op: 'replace', path: '/name', value: 'x'.repeat(11) }], '/name'],
    ['unsupported op', [{ op: 'remove', path: '/location' }], '/location'],
  ];
  it.each(bad)('%s → 400 naming the field', (_, ops, field) => {
    try {
      patchFields(ops, allowed);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(StarlingError);
      expect((e as StarlingError).code).toBe('VALIDATION_FAILED');
      expect((e as StarlingError).field).toBe(field);
    }
  });
});
