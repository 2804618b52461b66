import { DataSource } from 'typeorm';
import { Foundation1763900000000 } from './migrations/1763900000000-foundation';
import { Regie1763990000000 } from './migrations/1763990000000-regie';
import { Governance1764000000000 } from './migrations/1764000000000-governance';
import { PartnerGateway1764100000000 } from './migrations/1764100000000-partner-gateway';
import { InboxOrder1764200000000 } from './migrations/1764200000000-inbox-order';
import { OutboxPublished1764300000000 } from './migrations/1764300000000-outbox-published';

export const MIGRATIONS = [Foundation1763900000000, Regie1763990000000, Governance1764000000000, PartnerGateway1764100000000, InboxOrder1764200000000, OutboxPublished1764300000000];

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

/** Applies pending migrations, one transaction each; safe to run on every start. */
export async function migrate(dataSource: DataSource): Promise<string[]> {
  const applied = await dataSource.runMigrations({ transaction: 'each' });
  return applied.map((m) => m.name);
}
