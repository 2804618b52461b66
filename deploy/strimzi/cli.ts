/**
 * `npm run deploy:strimzi -- [--region config/regions/<name>] [--cluster ketenhub] [--namespace <ns>] [--prefix acc.]
 *   [--partitions 3] [--replicas 3] [--out deploy/strimzi/<name>/kafka-access.yaml] [--check]`
 *
 * Writes each region's KafkaTopics and KafkaUsers (see generate.ts) to deploy/strimzi/<name>/kafka-access.yaml;
 * without --region, for every folder under config/regions. `--check` writes nothing and exits 1 when a
 * committed file differs from what its region generates (for CI). Exit 2 on a usage error, a region
 * folder that does not exist, or a region that is not valid.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '@ketenhub/config';
import { Contracts } from '@ketenhub/contracts';
import { loadRegion, RegionConfigError } from '@ketenhub/routing';
import { accessFileOf, DEFAULT_CLUSTER, strimziManifests, StrimziAccessError, type StrimziOptions } from './generate';

const USAGE = `usage: npm run deploy:strimzi -- [--region config/regions/<name>] [--cluster ${DEFAULT_CLUSTER}] [--namespace <namespace>]
         [--prefix <topic prefix, e.g. acc.>] [--partitions 3] [--replicas 3] [--out deploy/strimzi/<name>/kafka-access.yaml] [--check]`;

const VALUE_OPTIONS = ['--region', '--cluster', '--namespace', '--prefix', '--partitions', '--replicas', '--out'];
const FLAGS = ['--check'];

class UsageError extends Error {}

interface Args {
  regionDir?: string;
  out?: string;
  check: boolean;
  options: StrimziOptions;
}

function parseArgs(args: string[]): Args {
  const values = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (FLAGS.includes(arg)) continue;
    if (!VALUE_OPTIONS.includes(arg)) throw new UsageError(`unknown argument '${arg}'`);
    const value = args[i + 1];
    if (value === undefined || value.startsWith('--')) throw new UsageError(`${arg} needs a value`);
    if (values.has(arg)) throw new UsageError(`${arg} is given twice`);
    values.set(arg, value);
    i++;
  }
  const count = (name: string): number | undefined => {
    const raw = values.get(name);
    if (raw === undefined) return undefined;
    if (!/^[0-9]+$/.test(raw)) throw new UsageError(`${name} must be a whole number (got '${raw}')`);
    return Number(raw);
  };
  if (values.has('--out') && !values.has('--region')) throw new UsageError('--out needs --region: without it every region gets its own file');
  return {
    regionDir: values.get('--region'),
    out: values.get('--out'),
    check: args.includes('--check'),
    options: {
      cluster: values.get('--cluster') ?? DEFAULT_CLUSTER,
      namespace: values.get('--namespace'),
      prefix: values.get('--prefix'),
      partitions: count('--partitions'),
      replicas: count('--replicas'),
    },
  };
}

interface Target {
  dir: string;
  out: string;
}

function targets(args: Args, root: string): Target[] {
  if (args.regionDir) {
    const dir = path.resolve(args.regionDir);
    return [{ dir, out: args.out ? path.resolve(args.out) : accessFileOf(root, path.basename(dir)) }];
  }
  const regions = path.join(root, 'config', 'regions');
  const dirs = fs.readdirSync(regions, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  if (dirs.length === 0) throw new UsageError(`no region folders under ${shown(regions)}`);
  return dirs.map((name) => ({ dir: path.join(regions, name), out: accessFileOf(root, name) }));
}

/** A path as the user would type it: relative to the working folder when inside it. */
function shown(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative === '' || relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}

/** "line N: expected …, found …" for the first line where the committed file and the generated text differ. */
function firstDifference(found: string, expected: string): string {
  const a = found.split('\n');
  const b = expected.split('\n');
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return `line ${i + 1}: expected ${JSON.stringify(b[i] ?? '(end of file)')}, found ${JSON.stringify(a[i] ?? '(end of file)')}`;
  }
  return 'no line differs';
}

interface Io {
  out(line: string): void;
  err(line: string): void;
}

function run(argv: string[], io: Io): number {
  const args = parseArgs(argv);
  const root = repoRoot();
  const contracts = Contracts.load();
  let stale = 0;
  let failed = 0;
  for (const { dir, out } of targets(args, root)) {
    let text: string;
    try {
      if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UsageError(`no region folder ${shown(dir)} (it should hold region.yaml)`);
      if (!fs.existsSync(path.join(dir, 'region.yaml'))) throw new UsageError(`${shown(dir)} holds no region.yaml`);
      const region = loadRegion(dir, contracts);
      try {
        text = strimziManifests(region, args.options);
      } catch (error) {
        if (error instanceof StrimziAccessError) throw new StrimziAccessError(error.problems.map((p) => `${shown(region.file)}: ${p}`));
        throw error;
      }
    } catch (error) {
      if (error instanceof RegionConfigError) io.err(`${shown(error.file)} is not a valid region configuration:\n  - ${error.problems.join('\n  - ')}`);
      else if (error instanceof StrimziAccessError || error instanceof UsageError) io.err(error.message);
      else throw error;
      failed++;
      continue;
    }
    if (args.check) {
      const committed = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : undefined;
      if (committed === text) {
        io.out(`${shown(out)} is up to date`);
      } else {
        stale++;
        io.err(committed === undefined
          ? `${shown(out)} is missing; run \`npm run deploy:strimzi\` and commit the result`
          : `${shown(out)} differs from what ${shown(path.join(dir, 'region.yaml'))} generates (${firstDifference(committed, text)}); run \`npm run deploy:strimzi\` and commit the result`);
      }
    } else {
      fs.mkdirSync(path.dirname(out), { recursive: true });
      fs.writeFileSync(out, text);
      const users = (text.match(/^kind: KafkaUser$/gm) ?? []).length;
      const topics = (text.match(/^kind: KafkaTopic$/gm) ?? []).length;
      io.out(`wrote ${shown(out)}: ${topics} KafkaTopics, ${users} KafkaUsers`);
    }
  }
  if (failed > 0) return 2;
  return stale > 0 ? 1 : 0;
}

if (require.main === module) {
  const io: Io = {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`deploy:strimzi: ${line}\n`),
  };
  try {
    process.exitCode = run(process.argv.slice(2), io);
  } catch (error) {
    if (error instanceof UsageError) io.err(`${error.message}\n${USAGE}`);
    else io.err(error instanceof Error ? error.message : String(error));
    process.exitCode = 2;
  }
}
