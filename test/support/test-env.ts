import { randomBytes, randomUUID } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { Client } from 'pg';
import { testOidcIssuer } from './oidc';
import { LOCAL_ROLES, asLogin } from '../../deploy/local/postgres';

export const ROOT = path.resolve(__dirname, '..', '..');

/**
 * A database of its own for one test file, on the suite's real PostgreSQL, owned by the owner
 * login (ketenhub_owner): the URL it answers is the owner's, for migrations and for a test's own
 * reads and writes. A hub started on it with startHubProcess runs as the restricted login.
 */
export async function createTestDatabase(): Promise<string> {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) throw new Error('DATABASE_URL is not set: run the integration tier through jest (global-setup starts PostgreSQL)');
  const name = `t_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} OWNER ${LOCAL_ROLES.owner.user}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return asLogin(url.toString(), LOCAL_ROLES.owner);
}

/** The same database as the hub's restricted login (ketenhub_hub), as the hub under test uses it. */
export function asHubLogin(databaseUrl: string): string {
  return asLogin(databaseUrl, LOCAL_ROLES.hub);
}

/** The suite's real Kafka broker(s), as global-setup started them. */
export function suiteBrokers(): string {
  const brokers = process.env.KAFKA_BROKERS;
  if (!brokers) throw new Error('KAFKA_BROKERS is not set: run the integration tier through jest (global-setup starts Kafka)');
  return brokers;
}

export function uniquePrefix(): string {
  return `t${randomUUID().replace(/-/g, '').slice(0, 10)}.`;
}

/**
 * For the tests that inject a fault (KETENHUB_FAILPOINT): a production hub refuses to boot with
 * one, so these hubs run as NODE_ENV=development (kafkajs only changes its retries for 'test').
 */
export const FAILPOINT_ENV = { NODE_ENV: 'development' } as const;

export interface HubOptions {
  /** The owner's URL (createTestDatabase's): the hub migrates with it and runs as ketenhub_hub on the same address. */
  databaseUrl: string;
  topicPrefix: string;
  keys?: TestKeys;
  env?: Record<string, string>;
}

export interface HubProcess {
  url: string;
  child: ChildProcess;
  logs: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

export interface TestKeys {
  hash: string;
  encryption: string;
  api: string;
  partner: string;
  audit: string;
}

export const testKeys = (): TestKeys => ({
  hash: randomBytes(32).toString('base64'),
  encryption: randomBytes(32).toString('base64'),
  api: randomBytes(32).toString('base64'),
  partner: randomBytes(32).toString('base64'),
  audit: randomBytes(32).toString('base64'),
});

/**
 * Runs the built hub (dist/apps/hub/src/main.js) as its own process, as production does, so a
 * test can SIGKILL it. Resolves once it printed its ready line.
 */
export async function startHubProcess(options: HubOptions): Promise<HubProcess> {
  const keys = options.keys ?? testKeys();
  const oidc = await testOidcIssuer();
  const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'apps', 'hub', 'src', 'main.js')], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      // jest sets NODE_ENV=test, and kafkajs then retries with other defaults (at most 1 s apart
      // instead of 30 s): the hub under test runs as it runs in production.
      NODE_ENV: 'production',
      // The suite's broker is plaintext on 127.0.0.1 (kafka-tls.spec.ts runs the hub over TLS).
      KAFKA_ALLOW_PLAINTEXT_LOOPBACK: 'true',
      // As production runs it: the migrations as the owner, the hub as a login that may only
      // append to the audit trail.
      DATABASE_URL: asHubLogin(options.databaseUrl),
      MIGRATION_DATABASE_URL: options.databaseUrl,
      KETENHUB_TOPIC_PREFIX: options.topicPrefix,
      HTTP_PORT: '0',
      BSN_HASH_KEY: keys.hash,
      BSN_ENCRYPTION_KEY: keys.encryption,
      API_TOKEN_KEY: keys.api,
      PARTNER_SECRET_KEY: keys.partner,
      AUDIT_CHAIN_KEY: keys.audit,
      LOG_LEVEL: 'info',
      RELAY_IDLE_MS: '50',
      TIMER_POLL_MS: '250',
      // A killed hub's group membership expires sooner, so a restart rebalances quickly.
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      // People (privacy officer, information manager) sign in at the organisation's OpenID
      // Connect provider; in production the hub takes their tokens from nowhere else.
      ...oidc.env,
      ...options.env,
    },
  });
  const logs: string[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })));
  readline.createInterface({ input: child.stderr! }).on('line', (line) => logs.push(line));
  const url = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      logs.push(line);
      const ready = /^ketenhub hub ready: health (\S+)\/health/.exec(line);
      if (ready) resolve(ready[1]);
    });
    void exited.then(({ code, signal }) => reject(new Error(`hub exited (code ${code}, signal ${signal}) before it was ready:\n${logs.slice(-20).join('\n')}`)));
    setTimeout(() => reject(new Error(`hub not ready within 60 s:\n${logs.slice(-20).join('\n')}`)), 60_000).unref();
  });
  return {
    url,
    child,
    logs,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
