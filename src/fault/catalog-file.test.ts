import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { CATALOG_FILE, COMPILED_CATALOG_FILE } from './catalog-file.ts';

describe('the alarm catalog file', () => {
  it('the JSON the build writes (read at start) says what the YAML says', () => {
    if (!fs.existsSync(COMPILED_CATALOG_FILE)) return; // no build here (npm ci builds; so does bin/starling)
    expect(JSON.parse(fs.readFileSync(COMPILED_CATALOG_FILE, 'utf8'))).toEqual(
      YAML.parse(fs.readFileSync(CATALOG_FILE, 'utf8')),
    );
  });
});
