/**
 * `npm start`: Kafka and PostgreSQL on this machine (kept in .local/ between runs), then the hub
 * with the demo region. Ctrl-C stops all three cleanly.
 */
import * as path from 'node:path';
import { loadHubConfig } from '@ketenhub/config';
import { startHub } from '../../apps/hub/src/main';
import { localKeys } from './dev-keys';
import { startDevEnv } from './devenv';
import { repoRoot } from './process-util';

async function main(): Promise<void> {
  const started = Date.now();
  const say = (line: string) => process.stdout.write(`[ketenhub] ${line}\n`);
  say('starting Kafka and PostgreSQL');
  const env = await startDevEnv({ ephemeral: false, log: say });
  say(`Kafka ${env.kafkaVersion} at ${env.kafkaBrokers}; PostgreSQL ${env.postgresVersion}`);
  const keys = localKeys();
  const config = loadHubConfig({
    ...process.env,
    KAFKA_BROKERS: env.kafkaBrokers,
    DATABASE_URL: env.hubDatabaseUrl,
    ...(env.migrationDatabaseUrl !== env.hubDatabaseUrl ? { MIGRATION_DATABASE_URL: env.migrationDatabaseUrl } : {}),
    BSN_HASH_KEY: process.env.BSN_HASH_KEY ?? keys.hash,
    BSN_ENCRYPTION_KEY: process.env.BSN_ENCRYPTION_KEY ?? keys.encryption,
    API_TOKEN_KEY: process.env.API_TOKEN_KEY ?? keys.api,
    PARTNER_SECRET_KEY: process.env.PARTNER_SECRET_KEY ?? keys.partner,
    AUDIT_CHAIN_KEY: process.env.AUDIT_CHAIN_KEY ?? keys.audit,
  });
  const hub = await startHub(config);
  say(`hub up in ${((Date.now() - started) / 1000).toFixed(1)} s with region ${path.relative(repoRoot(), config.regionDir)}`);
  say(`  health:  ${hub.url}/health`);
  say(`  metrics: ${hub.url}/metrics`);
  say(`  API:     ${hub.url}/api (OpenAPI: ${hub.url}/api/openapi.json)`);
  say('  tokens:  npm run token -- --partner toegang-lelystad | --privacy-officer "<name>" | --information-manager "<name>"');
  say(`  Kafka:   ${env.kafkaBrokers} (partners write inbound.<partnerId>, read outbound.<partnerId>; described at ${hub.url}/asyncapi.json)`);
  say(`  HTTPS partners: npm run partner -- secrets <partnerId>, then POST ${hub.url}/oauth/token, POST ${hub.url}/events, GET ${hub.url}/feed (docs/API.md)`);
  say(`  PostgreSQL: ${env.hubDatabaseUrl} (the hub's login; migrations as ${new URL(env.migrationDatabaseUrl).username})`);
  say(`  audit:   DATABASE_URL='${env.hubDatabaseUrl}' AUDIT_CHAIN_KEY=<"audit" in .local/dev-keys.json> npm run audit:verify`);
  say('Ctrl-C stops the hub, Kafka and PostgreSQL.');

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    say('stopping');
    await hub.close().catch(() => undefined);
    await env.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`[ketenhub] could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
