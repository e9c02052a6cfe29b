// The YAML library, loaded on first use: it costs ~50 ms to load, which every CLI command and the
// controller's start-up would otherwise pay (most never print or read YAML).

import { createRequire } from 'node:module';

type Yaml = typeof import('yaml');
let lib: Yaml | undefined;

/** The `yaml` package (loaded now if it was not). */
export function yaml(): Yaml {
  return (lib ??= createRequire(import.meta.url)('yaml') as Yaml);
}
