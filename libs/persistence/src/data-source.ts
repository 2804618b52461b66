import { DataSource, MigrationExecutor, type QueryRunner } from 'typeorm';
import { Foundation1763900000000 } from './migrations/1763900000000-foundation';
import { Regie1763990000000 } from './migrations/1763990000000-regie';
import { Governance1764000000000 } from './migrations/1764000000000-governance';
import { PartnerGateway1764100000000 } from './migrations/1764100000000-partner-gateway';
import { InboxOrder1764200000000 } from './migrations/1764200000000-inbox-order';
import { OutboxPublished1764300000000 } from './migrations/1764300000000-outbox-published';
import { OutboxQuarantine1765100000000 } from './migrations/1765100000000-outbox-quarantine';

export const MIGRATIONS = [Foundation1763900000000, Regie1763990000000, Governance1764000000000, PartnerGateway1764100000000, InboxOrder1764200000000, OutboxPublished1764300000000,
  OutboxQuarantine1765100000000];

/** The hub's PostgreSQL connection. Schema changes only through MIGRATIONS, never synchronize. */
export function createDataSource(url: string, poolSize = 10): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    synchronize: false,
    migrationsRun: false,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    extra: { max: poolSize, application_name: 'ketenhub' },
    logging: false,
  });
}

/**
 * Applies pending migrations, one transaction each; safe to run on every start, also by several
 * hubs starting at once: they take turns under a session advisory lock (TypeORM takes none, and
 * two hubs on a new database both tried to create the migrations table; one failed to start).
 * A hub that dies while holding the lock loses its session, and with it the lock.
 */
export async function migrate(dataSource: DataSource): Promise<string[]> {
  // The lock and the migrations on one connection, so that a pool of one cannot deadlock.
  const runner = dataSource.createQueryRunner();
  try {
    await runner.query("SELECT pg_advisory_lock(hashtext('ketenhub.migrations'))");
    const executor = new MigrationExecutor(dataSource, runner);
    executor.transaction = 'each';
    const applied = await executor.executePendingMigrations();
    return applied.map((m) => m.name);
  } finally {
    await unlockAndRelease(runner, "SELECT pg_advisory_unlock(hashtext('ketenhub.migrations'))");
  }
}

/**
 * Releases a session advisory lock and gives its connection back to the pool. A connection whose
 * unlock failed may still hold the lock, and back in the pool it would keep it: a later lock on
 * the same connection only counts up, and no other session could take it. So that connection is
 * ended instead, which releases the lock (pg-pool drops an ended client). Answers the unlock's
 * error, undefined when it worked.
 */
export async function unlockAndRelease(runner: QueryRunner, unlockSql: string, params: unknown[] = []): Promise<unknown> {
  let failure: unknown;
  try {
    await runner.query(unlockSql, params).catch(async (error: unknown) => {
      failure = error;
      const client = (await runner.connect()) as { end(): Promise<void> };
      await client.end().catch(() => undefined);
    });
  } finally {
    await runner.release();
  }
  return failure;
}
