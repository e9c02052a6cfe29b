// Files shipped with Starling (migrations, the alarm catalog), found from the package root so
// they resolve the same from src/ (tests) and from the dist/ bundle and its chunks.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

export function packageRoot(): string {
  if (root !== undefined) return root;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json')) || !existsSync(path.join(dir, 'migrations'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find Starling's package root above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
  return (root = dir);
}
