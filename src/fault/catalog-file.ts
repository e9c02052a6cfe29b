// Loads the alarm catalog shipped with Starling (src/fault/alarm-catalog.yaml), once. The build
// also writes it as JSON (dist/alarm-catalog.json), read instead while it is not older than the
// YAML: parsing the YAML cost the controller's start-up ~120 ms (library and parse).

import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../common/paths.ts';
import { yaml } from '../common/yaml.ts';
import { parseCatalog, type Catalog } from './domain/catalog.ts';

export const CATALOG_FILE = path.join(packageRoot(), 'src', 'fault', 'alarm-catalog.yaml');
/** Written by scripts/build.mjs from CATALOG_FILE. */
export const COMPILED_CATALOG_FILE = path.join(packageRoot(), 'dist', 'alarm-catalog.json');

let loaded: Catalog | undefined;

function compiled(): unknown {
  try {
    if (fs.statSync(COMPILED_CATALOG_FILE).mtimeMs < fs.statSync(CATALOG_FILE).mtimeMs) return undefined;
    return JSON.parse(fs.readFileSync(COMPILED_CATALOG_FILE, 'utf8')) as unknown;
  } catch {
    return undefined; // not built (tests from src/), or unreadable: the YAML is the source
  }
}

export function loadCatalog(file = CATALOG_FILE): Catalog {
  if (file === CATALOG_FILE && loaded) return loaded;
  const data: unknown =
    (file === CATALOG_FILE ? compiled() : undefined) ??
    (yaml().parse(fs.readFileSync(file, 'utf8')) as unknown);
  const catalog = parseCatalog(data);
  if (file === CATALOG_FILE) loaded = catalog;
  return catalog;
}
