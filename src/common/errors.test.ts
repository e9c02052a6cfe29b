// docs/errors.md is the operator's copy of the error catalog: this keeps the two equal.

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERRORS, StarlingError, errorBody } from './errors.ts';

function catalogTable(): string {
  const rows = Object.entries(ERRORS).map(([code, e]) => `| \`${code}\` | ${e.status} | ${e.exit} | ${e.message} |`);
  return ['| code | HTTP status | CLI exit code | default message |', '|---|---|---|---|', ...rows].join('\n');
}

describe('error catalog', () => {
  it('docs/errors.md lists exactly the catalog', () => {
    const doc = fs.readFileSync(path.resolve(import.meta.dirname, '../../docs/errors.md'), 'utf8');
    expect(doc).toContain(catalogTable());
  });

  it('every code maps to a 4xx/5xx status and exit code 1 or 2', () => {
    for (const e of Object.values(ERRORS)) {
      expect(e.status).toBeGreaterThanOrEqual(400);
      expect(e.status).toBeLessThan(600);
      expect([1, 2]).toContain(e.exit);
    }
  });

  it('renders the one error shape with the field named', () => {
    const body = errorBody(new StarlingError('VALIDATION_FAILED', 'field /a is required', { field: '/a' }), 'req-1');
    expect(body).toEqual({
      error: { code: 400, title: 'Bad Request', error_code: 'VALIDATION_FAILED', message: 'field /a is required', field: '/a', request_id: 'req-1' },
    });
  });
});
