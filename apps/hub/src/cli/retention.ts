/**
 * `npm run retention -- [--dry-run]`: enforces the bewaartermijnen of config/retention.yaml (or
 * RETENTION_FILE) once, as the hub's daily job does, and prints what it removed per category.
 * With --dry-run it removes nothing and prints what it would remove; that is audited too (one
 * RETENTION record per category, "proefrun"). Exit 0 when every category ran; 1 when a category
 * failed (named, and audited as FAILURE); 2 when it cannot run at all.
 */
import * as os from 'node:os';
import { ConfigError, loadAuditChain, loadDatabaseUrl, loadRetentionFile } from '@ketenhub/config';
import { Contracts } from '@ketenhub/contracts';
import { AuditStore, createDataSource, RetentionStore } from '@ketenhub/persistence';
import { loadRetentionConfig, RetentionConfigError, type RetentionConfig } from '../privacy/retention-config';
import { RunRetentionUseCase, type CategoryReport } from '../privacy/run-retention.use-case';

const USAGE = 'usage: npm run retention -- [--dry-run]';

function fail(message: string): number {
  process.stderr.write(`retention: ${message}\n`);
  return 2;
}

function describe(c: CategoryReport, dryRun: boolean): string {
  const head = `${c.category} (bewaartermijn ${c.period}, before ${c.cutoff})`;
  if (c.outcome === 'FAILURE') return `${head}: FAILED after ${c.removed} removed: ${c.error}`;
  if (dryRun) return `${head}: would remove ${c.removed}`;
  const tables = Object.entries(c.tables).map(([t, n]) => `${t} ${n}`).join(', ');
  return `${head}: removed ${c.removed} in ${c.batches} transaction(s)${tables ? ` (rows: ${tables})` : ''}`;
}

/** os.userInfo() throws when the user has no passwd entry (some containers); the run must not fail for that. */
function userName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return 'onbekend';
  }
}

async function main(args: string[]): Promise<number> {
  const unknown = args.filter((a) => a !== '--dry-run');
  if (unknown.length > 0) return fail(`unknown argument(s) ${unknown.join(' ')}\n${USAGE}`);
  const dryRun = args.includes('--dry-run');
  let url: string;
  let config: RetentionConfig;
  let chainKey: Buffer;
  try {
    url = loadDatabaseUrl();
    chainKey = loadAuditChain().key;
    config = loadRetentionConfig(loadRetentionFile(), Contracts.load());
  } catch (error) {
    if (error instanceof ConfigError || error instanceof RetentionConfigError) return fail(error.message);
    throw error;
  }
  const dataSource = createDataSource(url, 2);
  try {
    await dataSource.initialize();
    const useCase = new RunRetentionUseCase({
      dataSource, store: new RetentionStore(), audit: new AuditStore(chainKey), config, systemId: 'ketenhub/cli', accessPoint: 'cli:npm run retention',
      // A manual removal names who ran it.
      actorPerson: `${userName()}@${os.hostname()}`,
    });
    const report = await useCase.run({ dryRun });
    process.stdout.write(`retention: ${dryRun ? 'dry run, nothing removed' : 'run'} ${report.runId} with ${config.file} (version ${config.version})\n`);
    for (const c of report.categories) process.stdout.write(`retention: ${describe(c, dryRun)}\n`);
    return report.categories.some((c) => c.outcome === 'FAILURE') ? 1 : 0;
  } catch (error) {
    return fail(`could not run: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
  }
}

main(process.argv.slice(2))
  .catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)))
  .then((code) => process.exit(code));
