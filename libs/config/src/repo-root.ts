import * as fs from 'node:fs';
import * as path from 'node:path';

/** The folder that holds package.json and schemas/, found upward from `from` (works from src and dist). */
export function repoRoot(from: string = __dirname): string {
  let dir = path.resolve(from);
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'schemas'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no Ketenhub checkout (package.json beside schemas/) above ${from}`);
    dir = parent;
  }
}
