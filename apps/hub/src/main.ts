import 'reflect-metadata';
import * as fs from 'node:fs';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import express from 'express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger as NestPinoLogger } from 'nestjs-pino';
import { ConfigError, loadHubConfig, type HubConfig } from '@ketenhub/config';
import { Contracts } from '@ketenhub/contracts';
import { createKafka, Topics } from '@ketenhub/messaging';
import { AuditStore, auditTrailExposure, createDataSource, migrate } from '@ketenhub/persistence';
import type { DataSource } from 'typeorm';
import { loadRegion, RegionConfigError, systemIdOf } from '@ketenhub/routing';
import { AppModule } from './app.module';
import { BootError, databaseAddress, kafkaBootHint } from './boot-error';
import { activateRegion } from './governance/activate-config';
import { RetentionConfigError } from './privacy/retention-config';
import { createRootLogger } from './logger';
import { ensureTopics } from './topic-setup';
import { ProblemFilter, problemErrorHandler } from './operations/problem.filter';
import { listenPartnerDoor } from './gateway/partner-door';

export interface RunningHub {
  url: string;
  /** The partner door's own listener, where GATEWAY_PORT is set. */
  gatewayUrl?: string;
  close(): Promise<void>;
}

/** Boots the hub: config, schemas, region, migrations, topics, then Nest with the pipeline. */
export async function startHub(config: HubConfig): Promise<RunningHub> {
  // Readable lines on a terminal, JSON lines everywhere else (collectors and tests parse them).
  const logger = createRootLogger(config.logLevel, { pretty: process.stdout.isTTY === true });
  if (config.production && !config.people) {
    logger.warn('no OpenID Connect provider set (OIDC_ISSUER, OIDC_JWKS_URL, OIDC_AUDIENCE): with NODE_ENV=production no privacy officer or information manager can sign in');
  }
  const contracts = Contracts.load();
  const region = loadRegion(config.regionDir, contracts);
  const dataSource = createDataSource(config.databaseUrl);
  await dataSource.initialize().catch((error: unknown) => {
    throw new BootError(`could not connect to the database at ${databaseAddress(config.databaseUrl)} (DATABASE_URL)`, error);
  });
  const applied = await migrateDatabase(config, dataSource);
  if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');
  const exposure = await auditTrailExposure(dataSource);
  if (exposure.length > 0) {
    const what = "the hub's database login (DATABASE_URL) could rewrite the audit trail";
    if (config.production) {
      throw new BootError(`${what}; give the hub a restricted login in DATABASE_URL and the owner's in MIGRATION_DATABASE_URL (docs/OPERATIONS.md, Security)`, new Error(exposure.join('; ')));
    }
    logger.warn({ reasons: exposure }, `${what} (allowed outside production; docs/OPERATIONS.md, Security)`);
  }
  const activation = await activateRegion(dataSource, new AuditStore(config.secrets.auditChainKey), region, config.activatedBy, systemIdOf(region));
  if (activation) logger.info({ configVersion: activation.version, previous: activation.previousVersion, activatedBy: activation.activatedBy }, 'region configuration activated');
  // A hub may start before its broker: wait about a minute for it (30 tries, 2 s apart at most).
  const bootKafka = createKafka(`${config.kafka.clientId}-setup`, config.kafka.brokers, (level, message, extra) => logger[level](extra, message), { retries: 30 }, config.kafka.security);
  const created = await ensureTopics(bootKafka, new Topics(config.kafka.topicPrefix), region, config.kafka.partitions).catch((error: unknown) => {
    throw new BootError(`could not set up the topics on the Kafka broker at ${config.kafka.brokers.join(', ')} (KAFKA_BROKERS)`, error, kafkaBootHint(error, config.kafka.security.ssl !== undefined));
  });
  if (created.length > 0) logger.info({ topics: created }, 'created topics');

  const tls = config.gateway.tls;
  const httpsOptions = tls ? {
    cert: fs.readFileSync(tls.certFile), key: fs.readFileSync(tls.keyFile),
    // Mutual TLS: a client certificate is asked for and checked against the partners' CA, but
    // not required: a partner may authenticate with a token instead (see docs/API.md).
    ...(tls.clientCaFile ? { ca: fs.readFileSync(tls.clientCaFile), requestCert: true, rejectUnauthorized: false } : {}),
  } : undefined;
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot({ config, logger, dataSource, contracts, region }), {
    bufferLogs: true,
    // Body parsers are ours: POST /events needs the exact bytes the partner sent.
    bodyParser: false,
    ...(httpsOptions ? { httpsOptions } : {}),
  });
  // Answers do not advertise what the hub is built with.
  app.disable('x-powered-by');
  app.useLogger(app.get(NestPinoLogger));
  app.enableShutdownHooks();
  // The envelope adds a few hundred bytes to the data in binary mode; the decoder enforces the real limit.
  app.use('/events', express.raw({ type: () => true, limit: config.maxMessageBytes + 16 * 1024 }));
  app.use(express.json({ limit: '1mb' }));
  app.use(express.urlencoded({ extended: false, limit: '64kb' }));
  app.useGlobalFilters(new ProblemFilter(logger));
  const openApi = SwaggerModule.createDocument(app, new DocumentBuilder()
    .setTitle('Ketenhub')
    .setDescription('Partner systems: OAuth2 client credentials (POST /oauth/token) or mutual TLS; CloudEvents in at POST /events; signed webhooks or the cursor feed (GET /feed) out; '
      + 'the topics and messages are in /asyncapi.json. Read a family\'s record: one regisseur and safety holder of record, one veiligheidskaart, one perspectiefplan. '
      + 'The privacy officer\'s trail and the information manager\'s configuration tools (people sign in at the organisation\'s OpenID Connect provider). '
      + 'Every token carries kid, iat and exp and lives at most an hour. Errors are RFC 9457 problems. See docs/API.md.')
    .setVersion('0.3.0')
    .addBearerAuth()
    .build());
  SwaggerModule.setup('api', app, openApi, { jsonDocumentUrl: 'api/openapi.json' });
  await app.init();
  app.use(problemErrorHandler(logger));
  await app.listen(config.http.port, config.http.host);
  const url = (await app.getUrl()).replace('[::1]', 'localhost');
  // The same application on a second port that serves the partner paths alone, so the door can be
  // exposed to partners while /metrics, /api and the people's APIs stay on the internal listener.
  const door = config.http.gatewayPort === undefined
    ? undefined
    : await listenPartnerDoor(app.getHttpAdapter().getInstance(), config.http.gatewayPort, config.http.host, httpsOptions);
  if (door) (app.getHttpServer() as import('node:http').Server).once('close', () => void door.close());
  logger.info({ region: region.config.region, configVersion: region.version, url, ...(door ? { gatewayUrl: door.url } : {}) }, 'hub started');
  return {
    url,
    ...(door ? { gatewayUrl: door.url } : {}),
    async close() {
      await door?.close();
      await app.close();
      await dataSource.destroy();
    },
  };
}

/**
 * Migrations under the owner's login (MIGRATION_DATABASE_URL), which then grants the hub's login
 * what it needs; that connection is closed before the hub takes any traffic. Without it, the
 * hub's own login migrates, as before the two logins.
 */
async function migrateDatabase(config: HubConfig, dataSource: DataSource): Promise<string[]> {
  if (!config.migrationDatabaseUrl) return migrate(dataSource);
  const [{ login }] = await dataSource.query('SELECT current_user AS login');
  const owner = createDataSource(config.migrationDatabaseUrl, 1);
  await owner.initialize().catch((error: unknown) => {
    throw new BootError(`could not connect to the database at ${databaseAddress(config.migrationDatabaseUrl!)} (MIGRATION_DATABASE_URL)`, error);
  });
  try {
    return await migrate(owner, { grantTo: login as string }).catch((error: unknown) => {
      throw new BootError(`could not migrate the database at ${databaseAddress(config.migrationDatabaseUrl!)} (MIGRATION_DATABASE_URL)`, error);
    });
  } finally {
    await owner.destroy();
  }
}

async function main(): Promise<void> {
  let config: HubConfig;
  try {
    config = loadHubConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`ketenhub: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  try {
    const hub = await startHub(config);
    process.stdout.write(`ketenhub hub ready: health ${hub.url}/health  metrics ${hub.url}/metrics  api ${hub.url}/api${hub.gatewayUrl ? `  gateway ${hub.gatewayUrl}` : ''}\n`);
  } catch (error) {
    if (error instanceof RegionConfigError || error instanceof RetentionConfigError) {
      process.stderr.write(`ketenhub: ${error.message}\n`);
      process.exit(2);
    }
    if (error instanceof BootError) {
      process.stderr.write(`ketenhub: could not start: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`ketenhub: could not start: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exit(1);
  });
}
