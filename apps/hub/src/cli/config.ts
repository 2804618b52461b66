/**
 * `npm run config -- <command>`: the information manager's tool for region configuration.
 *
 *   validate <regionDir>                       check a region (and its regie table); exit 1 with every problem
 *   diff <oldRegionDir> <newRegionDir>         what changed between two versions
 *   explain <regionDir> <event.json> [--municipality GM0034] [--involved a,b] [--kader OTS] [--perspectief THUIS]
 *                                              who would receive the event, under which rule and basis,
 *                                              and which of its fields; sends nothing
 *   replay <candidateRegionDir> [--since T] [--until T] [--json]
 *                                              the period's events (default: the last 30 days) under the
 *                                              active version in DATABASE_URL and under the candidate:
 *                                              what would have gone to whom differently, and the regie
 *                                              decisions that would differ; changes nothing
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, loadDatabaseUrl } from '@ketenhub/config';
import { Contracts } from '@ketenhub/contracts';
import { createDataSource } from '@ketenhub/persistence';
import { loadRegion, diffRegions, describeLocalChoices, explainEvent, formatReplayReport, RegionConfigError, type Region } from '@ketenhub/routing';
import { ConfigAdminError, ConfigReplayUseCase, replayPeriod } from '../governance/config-replay.use-case';

const USAGE = `usage:
  npm run config -- validate <regionDir>
  npm run config -- diff <oldRegionDir> <newRegionDir>
  npm run config -- explain <regionDir> <event.json> [--municipality GM0034] [--involved partnerA,partnerB] [--kader OTS] [--perspectief THUIS]
  DATABASE_URL=… npm run config -- replay <candidateRegionDir> [--since 2026-11-01T00:00:00Z] [--until 2026-12-01T00:00:00Z] [--json]`;

class UsageError extends Error {}

function load(dir: string | undefined, contracts: Contracts): Region {
  if (!dir) throw new UsageError('a region folder is missing');
  return loadRegion(path.resolve(dir), contracts);
}

const VALUE_OPTIONS = ['--municipality', '--involved', '--kader', '--perspectief', '--since', '--until'];

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = args[i + 1];
  if (value === undefined || value.startsWith('--')) throw new UsageError(`${name} needs a value`);
  return value;
}

/** The arguments that are not options or option values. */
function positional(args: string[]): string[] {
  return args.filter((arg, i) => !arg.startsWith('--') && !VALUE_OPTIONS.includes(args[i - 1] ?? ''));
}

interface Io {
  out(line: string): void;
  progress(line: string): void;
}

async function run(args: string[], io: Io): Promise<number> {
  const contracts = Contracts.load();
  const [command, ...rest] = args;
  const { out } = io;
  switch (command) {
    case 'validate': {
      const region = load(rest[0], contracts);
      const c = region.config;
      out(`valid: region ${c.region} (${c.name}), version ${region.version}: ${c.municipalities.length} municipalities, ${c.partners.length} partners, ${c.routes.length} routes, regie table ${region.regieTable.table} ${region.regieTable.version}`);
      return 0;
    }
    case 'diff': {
      const changes = diffRegions(load(rest[0], contracts), load(rest[1], contracts));
      if (changes.length === 0) out('no differences');
      changes.forEach(out);
      return 0;
    }
    case 'explain': {
      const [dir, file] = positional(rest);
      const region = load(dir, contracts);
      if (!file) throw new UsageError('the event file is missing');
      const explanation = explainEvent(region, contracts, fs.readFileSync(path.resolve(file)), {
        municipality: option(rest, '--municipality'),
        involved: (option(rest, '--involved') ?? '').split(',').filter(Boolean),
        kader: option(rest, '--kader'),
        perspectief: option(rest, '--perspectief'),
      });
      if (!explanation.ok) {
        if (explanation.reason === 'GEEN_PARTNER') {
          out(`${file}: source '${explanation.source}' is not a partner of region ${region.config.region}`);
        } else {
          out(`${file}: would be rejected (${explanation.reason}):`);
          explanation.errors.forEach((e) => out(`  ${e.pointer || '/'}: ${e.message} (${e.keyword})`));
        }
        return 1;
      }
      const { eventType, senderId, municipality, involved, localChoices, recipients } = explanation;
      out(`${eventType} from ${senderId} (municipality ${municipality ?? 'unknown'}, involved: ${involved.join(', ') || 'none'}), configuration ${region.version}:`);
      if (localChoices) out(`  local choices of ${municipality ?? ''}: ${describeLocalChoices(localChoices)}`);
      if (recipients.length === 0) out('  nobody: no route names this event for these facts');
      for (const r of recipients) out(`  → ${r.partnerId}: ${r.receives}, rule ${r.routeId}, legal basis ${r.legalBasis}, purpose "${r.purpose}"`);
      out('  (the hub\'s own decisions that may follow, e.g. regisseur-toegewezen, depend on the family\'s history and are not shown)');
      return 0;
    }
    case 'replay': {
      const [dir, extra] = positional(rest);
      if (extra !== undefined) throw new UsageError(`replay takes one region folder (the candidate); it compares with the active version in the database, got also '${extra}'`);
      if (!dir) throw new UsageError('the candidate region folder is missing');
      const period = replayPeriod(option(rest, '--since'), option(rest, '--until'));
      let url: string;
      try {
        url = loadDatabaseUrl();
      } catch (error) {
        throw new UsageError(error instanceof ConfigError ? error.message : String(error));
      }
      const candidate = load(dir, contracts);
      const dataSource = createDataSource(url, 1);
      try {
        await dataSource.initialize();
        io.progress(`replaying ${period.since} until ${period.until} against candidate ${candidate.version}`);
        const report = await new ConfigReplayUseCase({ dataSource, contracts }).replay(candidate, period, io.progress);
        if (rest.includes('--json')) out(JSON.stringify(report, null, 2));
        else formatReplayReport(report).forEach(out);
        return 0;
      } catch (error) {
        if (error instanceof ConfigAdminError) throw error;
        throw new Error(`could not read the period from the database: ${error instanceof Error ? error.message : String(error)}`);
      } finally {
        if (dataSource.isInitialized) await dataSource.destroy();
      }
    }
    default:
      throw new UsageError(command ? `unknown command '${command}'` : 'a command is missing');
  }
}

run(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  progress: (line) => process.stderr.write(`config: ${line}\n`),
}).then((code) => {
  process.exitCode = code;
}, (error: unknown) => {
  if (error instanceof UsageError) {
    process.stderr.write(`config: ${error.message}\n${USAGE}\n`);
    process.exitCode = 2;
  } else if (error instanceof RegionConfigError) {
    // The region given is invalid (the candidate, for replay).
    process.stderr.write(`config: ${error.message}\n`);
    process.exitCode = 1;
  } else if (error instanceof ConfigAdminError) {
    process.stderr.write(`config: ${error.message}\n`);
    process.exitCode = 2;
  } else {
    // Database unreachable, a file that cannot be read, …
    process.stderr.write(`config: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  }
});
