/**
 * CI step (part of `npm test`): every schema in schemas/ must stay backward compatible with every
 * version of it that was ever committed, and no committed schema may disappear. A breaking change
 * is a new major version in a new file beside the old one (…​.v2.schema.json).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { breakingChanges } from '../libs/contracts/src/schema-compat';
import { SCHEMA_ROOT, listSchemaFiles } from './schema-files';

const root = path.dirname(SCHEMA_ROOT);

function git(args: string[]): string {
  return execFileSync('git', args, { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

function main(): void {
  try {
    git(['rev-parse', '--verify', 'HEAD']);
  } catch {
    process.stdout.write('check-schema-compat: no git history here; nothing to compare against\n');
    return;
  }
  const problems: string[] = [];
  const everCommitted = new Set(git(['log', '--format=', '--name-only', '--diff-filter=A', '--', 'schemas/']).split('\n').filter((p) => p.endsWith('.schema.json')));
  const current = new Set(listSchemaFiles().map((f) => path.relative(root, f).split(path.sep).join('/')));
  for (const file of everCommitted) {
    if (!current.has(file)) problems.push(`${file}: removed; a schema version that was published stays (add a new major version beside it)`);
  }
  let compared = 0;
  for (const file of current) {
    const now = JSON.parse(fs.readFileSync(path.join(root, file), 'utf8')) as unknown;
    const commits = git(['log', '--format=%H', '--', file]).split('\n').filter(Boolean);
    for (const commit of commits) {
      let before: unknown;
      try {
        before = JSON.parse(git(['show', `${commit}:${file}`]));
      } catch {
        continue; // deleted in that commit, or not valid JSON there
      }
      compared++;
      for (const problem of breakingChanges(before, now)) problems.push(`${file} (against ${commit.slice(0, 10)}): ${problem}`);
    }
  }
  if (problems.length > 0) {
    process.stderr.write(`check-schema-compat: ${problems.length} breaking change(s); a breaking change needs a new major version beside the old one:\n  - ${[...new Set(problems)].join('\n  - ')}\n`);
    process.exit(1);
  }
  process.stdout.write(`check-schema-compat: ${current.size} schemas compatible with their ${compared} committed versions\n`);
}

main();
