/**
 * Starts the hub's real infrastructure on this machine: a single-node Kafka broker (KRaft) and an
 * embedded PostgreSQL, unless KAFKA_BROKERS or DATABASE_URL name existing ones.
 *
 * As a program (`node dist/deploy/local/devenv.js [--ephemeral] [--data-dir DIR]`) it prints one
 * line `KETENHUB_DEVENV {json}` once both answer, and stops both cleanly on SIGINT, SIGTERM or when
 * its standard input closes (so a test runner that dies takes the services with it).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startKafka } from './kafka';
import { startPostgres } from './postgres';
import { repoRoot } from './process-util';

export interface DevEnv {
  kafkaBrokers: string;
  /** The superuser's (creates databases), or DATABASE_URL when given. */
  databaseUrl: string;
  /** The owner's, for migrations (MIGRATION_DATABASE_URL); DATABASE_URL when given. */
  migrationDatabaseUrl: string;
  /** The hub's restricted login (DATABASE_URL); DATABASE_URL when given. */
  hubDatabaseUrl: string;
  kafkaVersion: string;
  postgresVersion: string;
  stop(): Promise<void>;
}

export interface DevEnvOptions {
  /** Throw-away data under the OS temp folder, removed on stop (tests). */
  ephemeral: boolean;
  dataDir?: string;
  log?: (line: string) => void;
}

export const DEVENV_MARKER = 'KETENHUB_DEVENV ';

export async function startDevEnv(options: DevEnvOptions): Promise<DevEnv> {
  const log = options.log ?? (() => undefined);
  const dataDir = options.ephemeral
    ? fs.mkdtempSync(path.join(os.tmpdir(), 'ketenhub-devenv-'))
    : (options.dataDir ?? path.join(repoRoot(), '.local', 'devenv'));
  fs.mkdirSync(dataDir, { recursive: true });
  const releaseLock = options.ephemeral ? () => undefined : lockDataDir(dataDir);
  // postgres runs as the `postgres` user and must be able to reach its data folder.
  fs.chmodSync(dataDir, 0o755);

  const external = { kafka: process.env.KAFKA_BROKERS, db: process.env.DATABASE_URL };
  const [kafka, postgres] = await Promise.all([
    external.kafka
      ? Promise.resolve({ brokers: external.kafka, version: 'external', stop: async () => undefined })
      : startKafka({ dataDir: path.join(dataDir, 'kafka'), log }),
    external.db
      ? Promise.resolve({ url: external.db, ownerUrl: process.env.MIGRATION_DATABASE_URL ?? external.db, hubUrl: external.db, version: 'external', stop: async () => undefined })
      : startPostgres({ dataDir: path.join(dataDir, 'pgdata'), database: 'ketenhub', persistent: !options.ephemeral, log }),
  ]);

  return {
    kafkaBrokers: kafka.brokers,
    databaseUrl: postgres.url,
    migrationDatabaseUrl: postgres.ownerUrl,
    hubDatabaseUrl: postgres.hubUrl,
    kafkaVersion: kafka.version,
    postgresVersion: postgres.version,
    async stop() {
      await Promise.allSettled([kafka.stop(), postgres.stop()]);
      releaseLock();
      if (options.ephemeral) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** One owner per data folder: a second `npm start` on the same folder would rewrite the broker's ports under the first. */
function lockDataDir(dataDir: string): () => void {
  const lock = path.join(dataDir, 'owner.pid');
  try {
    fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
  } catch {
    const owner = Number(fs.readFileSync(lock, 'utf8'));
    if (owner !== process.pid && isAlive(owner)) {
      throw new Error(`${dataDir} is in use by process ${owner} (another npm start?). Stop that one first, or use another folder with --data-dir.`);
    }
    fs.writeFileSync(lock, String(process.pid));
  }
  return () => fs.rmSync(lock, { force: true });
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const ephemeral = args.includes('--ephemeral');
  const dirIndex = args.indexOf('--data-dir');
  const env = await startDevEnv({
    ephemeral,
    dataDir: dirIndex >= 0 ? args[dirIndex + 1] : undefined,
    log: (line) => process.stderr.write(`[devenv] ${line}\n`),
  });
  const { stop, ...facts } = env;
  process.stdout.write(`${DEVENV_MARKER}${JSON.stringify(facts)}\n`);

  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    await stop();
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  process.stdin.on('end', shutdown);
  process.stdin.on('close', shutdown);
  process.stdin.resume();
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`[devenv] could not start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
