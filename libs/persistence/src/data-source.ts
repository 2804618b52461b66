import { DataSource, MigrationExecutor, type EntityManager, type QueryRunner } from 'typeorm';
import { Foundation1763900000000 } from './migrations/1763900000000-foundation';
import { Regie1763990000000 } from './migrations/1763990000000-regie';
import { Governance1764000000000 } from './migrations/1764000000000-governance';
import { PartnerGateway1764100000000 } from './migrations/1764100000000-partner-gateway';
import { InboxOrder1764200000000 } from './migrations/1764200000000-inbox-order';
import { OutboxPublished1764300000000 } from './migrations/1764300000000-outbox-published';
import { OutboxQuarantine1765100000000 } from './migrations/1765100000000-outbox-quarantine';
import { AuditChainKeyed1765200000000 } from './migrations/1765200000000-audit-chain-keyed';
import { InvolvementRelation1765400000000 } from './migrations/1765400000000-involvement-relation';

export const MIGRATIONS = [Foundation1763900000000, Regie1763990000000, Governance1764000000000, PartnerGateway1764100000000, InboxOrder1764200000000, OutboxPublished1764300000000,
  OutboxQuarantine1765100000000, AuditChainKeyed1765200000000, InvolvementRelation1765400000000];

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
export async function migrate(dataSource: DataSource, options: { grantTo?: string } = {}): Promise<string[]> {
  // The lock and the migrations on one connection, so that a pool of one cannot deadlock.
  const runner = dataSource.createQueryRunner();
  try {
    await runner.query("SELECT pg_advisory_lock(hashtext('ketenhub.migrations'))");
    const executor = new MigrationExecutor(dataSource, runner);
    executor.transaction = 'each';
    const applied = await executor.executePendingMigrations();
    // Under the same lock: two hubs granting at once would update the same catalogue rows.
    if (options.grantTo !== undefined) {
      await runner.startTransaction();
      try {
        await grantHubRole(runner.manager, options.grantTo);
        await runner.commitTransaction();
      } catch (error) {
        await runner.rollbackTransaction();
        throw error;
      }
    }
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

/** The tables the hub may read but not write: the audit chain's head and checkpoint, and the migrations' record. */
const READ_ONLY_TABLES = ['audit_head', 'audit_chain', 'migrations'];

/**
 * Gives the hub's login (`role`, not the owner) what it needs and nothing more, in the schema the
 * migrations ran in: SELECT, INSERT, UPDATE, DELETE on the operational tables; SELECT and INSERT
 * on audit_log (the append-only trigger stays, and a login that does not own the table can
 * neither disable nor drop it); SELECT only on the head, the chain's checkpoint and the
 * migrations table; USAGE on the sequences (nextval, not setval); EXECUTE on `audit_head_lock()`
 * and none on the trail's trigger functions (a trigger runs its function without that right);
 * USAGE on the schema but not CREATE, for it or for PUBLIC. No TRUNCATE, REFERENCES or TRIGGER
 * anywhere. Run as the owner after every migration (idempotent, in the caller's transaction),
 * so a table a later migration adds is granted too. Refuses a role that is a superuser, owns
 * anything in the schema or is a member of audit_log's owner: such a login could rewrite the
 * trail whatever it is granted.
 */
export async function grantHubRole(db: EntityManager, role: string): Promise<void> {
  const found: Array<{ superuser: boolean; owner: boolean; owns: number }> = await db.query(
    `SELECT r.rolsuper AS superuser,
            pg_has_role(r.oid, (SELECT relowner FROM pg_class WHERE oid = 'audit_log'::regclass), 'USAGE') AS owner,
            (SELECT count(*)::int FROM pg_class c WHERE c.relowner = r.oid AND c.relnamespace = current_schema()::regnamespace)
          + (SELECT count(*)::int FROM pg_proc p WHERE p.proowner = r.oid AND p.pronamespace = current_schema()::regnamespace) AS owns
     FROM pg_roles r WHERE r.rolname = $1`, [role]);
  if (found.length === 0) throw new Error(`the hub's database login '${role}' (DATABASE_URL) does not exist`);
  const [{ superuser, owner, owns }] = found;
  if (superuser || owner || owns > 0) {
    const why = superuser ? 'is a superuser' : owner ? 'owns audit_log, or is a member of the role that does (MIGRATION_DATABASE_URL\'s?)' : `owns ${owns} objects in the schema`;
    throw new Error(`the hub's database login '${role}' (DATABASE_URL) ${why}: it could disable the audit trigger and rewrite the trail; `
      + 'give the hub a login of its own (docs/OPERATIONS.md, Security)');
  }
  const [{ schema, who }] = await db.query('SELECT quote_ident(current_schema()) AS schema, quote_ident($1) AS who', [role]);
  for (const sql of [
    `REVOKE CREATE ON SCHEMA ${schema} FROM PUBLIC`,
    `REVOKE ALL ON SCHEMA ${schema} FROM ${who}`,
    `GRANT USAGE ON SCHEMA ${schema} TO ${who}`,
    `REVOKE ALL ON ALL TABLES IN SCHEMA ${schema} FROM ${who}`,
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${schema} TO ${who}`,
    `REVOKE INSERT, UPDATE, DELETE ON ${READ_ONLY_TABLES.join(', ')} FROM ${who}`,
    `REVOKE UPDATE, DELETE ON audit_log FROM ${who}`,
    `REVOKE ALL ON ALL SEQUENCES IN SCHEMA ${schema} FROM ${who}`,
    `GRANT USAGE ON ALL SEQUENCES IN SCHEMA ${schema} TO ${who}`,
    `REVOKE ALL ON FUNCTION audit_log_advance_head(), audit_log_append_only() FROM PUBLIC, ${who}`,
    `GRANT EXECUTE ON FUNCTION audit_head_lock() TO ${who}`,
  ]) await db.query(sql);
}

/**
 * Why the login this data source uses could rewrite the audit trail: a superuser, the owner of
 * audit_log, or a login with UPDATE, DELETE or TRUNCATE on it or UPDATE on its head. Empty when it
 * cannot.
 */
export async function auditTrailExposure(dataSource: DataSource): Promise<string[]> {
  const [r] = await dataSource.query(
    `SELECT current_user AS login, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser,
            pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = 'audit_log'::regclass), 'USAGE') AS owner,
            has_table_privilege('audit_log', 'UPDATE') OR has_table_privilege('audit_log', 'DELETE') OR has_table_privilege('audit_log', 'TRUNCATE') AS change,
            has_table_privilege('audit_head', 'UPDATE') AS head`);
  const reasons: string[] = [];
  if (r.superuser) reasons.push(`the login '${r.login}' is a superuser`);
  if (r.owner) reasons.push(`the login '${r.login}' owns audit_log (it may disable its trigger)`);
  if (r.change) reasons.push(`the login '${r.login}' may UPDATE, DELETE or TRUNCATE audit_log`);
  if (r.head) reasons.push(`the login '${r.login}' may UPDATE audit_head`);
  return reasons;
}
