// Loads the alarm catalog shipped with Starling (src/fault/alarm-catalog.yaml), once.

import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { packageRoot } from '../common/paths.ts';
import { parseCatalog, type Catalog } from './domain/catalog.ts';

export const CATALOG_FILE = path.join(packageRoot(), 'src', 'fault', 'alarm-catalog.yaml');

let loaded: Catalog | undefined;

export function loadCatalog(file = CATALOG_FILE): Catalog {
  if (file === CATALOG_FILE && loaded) return loaded;
  const catalog = parseCatalog(YAML.parse(fs.readFileSync(file, 'utf8')));
  if (file === CATALOG_FILE) loaded = catalog;
  return catalog;
}
