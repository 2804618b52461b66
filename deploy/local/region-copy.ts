import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from './process-util';

/**
 * A copy of an example region with some partners given a `connection` (their lines are one-line
 * YAML flow maps), e.g. `{ 'toegang-almere': '{ via: HTTPS_FEED }' }`, in `dir` or a new
 * temporary folder. For tests and the fault run.
 */
export function regionWithConnections(connections: Record<string, string>, region = 'flevoland', dir = fs.mkdtempSync(path.join(os.tmpdir(), `ketenhub-${region}-`))): string {
  fs.mkdirSync(dir, { recursive: true });
  let text = fs.readFileSync(path.join(repoRoot(), 'config', 'regions', region, 'region.yaml'), 'utf8');
  for (const [id, connection] of Object.entries(connections)) {
    const line = new RegExp(`(  - \\{ id: ${id}, [^\\n]*?) \\}\\n`);
    if (!line.test(text)) throw new Error(`no one-line partner entry for ${id} in ${region}`);
    text = text.replace(line, `$1, connection: ${connection} }\n`);
  }
  fs.writeFileSync(path.join(dir, 'region.yaml'), text);
  return dir;
}
