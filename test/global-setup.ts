/**
 * Starts the real Kafka broker and PostgreSQL once for the integration tier (or uses
 * KAFKA_BROKERS / DATABASE_URL when set) and prints their versions, so the test log shows what
 * the suite ran against. The services stop when the run ends, and also when it is killed: they
 * watch this process.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';

const MARKER = 'KETENHUB_DEVENV ';

export default async function globalSetup(): Promise<void> {
  const root = path.resolve(__dirname, '..');
  const started = Date.now();
  const child = spawn(process.execPath, [path.join(root, 'dist', 'deploy', 'local', 'devenv.js'), '--ephemeral'], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'inherit'],
    env: process.env,
  });
  const facts = await new Promise<{ kafkaBrokers: string; databaseUrl: string; kafkaVersion: string; postgresVersion: string }>((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      if (line.startsWith(MARKER)) resolve(JSON.parse(line.slice(MARKER.length)));
    });
    child.once('exit', (code) => reject(new Error(`the test environment (deploy/local/devenv) exited with code ${code} before it was ready`)));
  });
  process.env.KAFKA_BROKERS = facts.kafkaBrokers;
  process.env.DATABASE_URL = facts.databaseUrl;
  process.env.KETENHUB_KAFKA_VERSION = facts.kafkaVersion;
  process.env.KETENHUB_POSTGRES_VERSION = facts.postgresVersion;
  (globalThis as { __KETENHUB_DEVENV__?: unknown }).__KETENHUB_DEVENV__ = child;
  process.stdout.write(
    `\n[integration] real Apache Kafka ${facts.kafkaVersion} (KRaft, single node) at ${facts.kafkaBrokers}; ` +
      `real PostgreSQL ${facts.postgresVersion}; ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
}
