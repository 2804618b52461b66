import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger as NestPinoLogger } from 'nestjs-pino';
import { ConfigError, loadHubConfig, type HubConfig } from '@ketenhub/config';
import { Contracts } from '@ketenhub/contracts';
import { createKafka, Topics } from '@ketenhub/messaging';
import { createDataSource, migrate } from '@ketenhub/persistence';
import { loadRegion, RegionConfigError, systemIdOf } from '@ketenhub/routing';
import { AppModule } from './app.module';
import { activateRegion } from './governance/activate-config';
import { RetentionConfigError } from './privacy/retention-config';
import { createRootLogger } from './logger';
import { ensureTopics } from './topic-setup';

export interface RunningHub {
  url: string;
  close(): Promise<void>;
}

/** Boots the hub: config, schemas, region, migrations, topics, then Nest with the pipeline. */
export async function startHub(config: HubConfig): Promise<RunningHub> {
  const logger = createRootLogger(config.logLevel);
  const contracts = Contracts.load();
  const region = loadRegion(config.regionDir, contracts);
  const dataSource = createDataSource(config.databaseUrl);
  await dataSource.initialize();
  const applied = await migrate(dataSource);
  if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');
  const activation = await activateRegion(dataSource, region, config.activatedBy, systemIdOf(region));
  if (activation) logger.info({ configVersion: activation.version, previous: activation.previousVersion, activatedBy: activation.activatedBy }, 'region configuration activated');
  const bootKafka = createKafka(`${config.kafka.clientId}-setup`, config.kafka.brokers, (level, message, extra) => logger[level](extra, message));
  const created = await ensureTopics(bootKafka, new Topics(config.kafka.topicPrefix), region, config.kafka.partitions);
  if (created.length > 0) logger.info({ topics: created }, 'created topics');

  const app = await NestFactory.create(AppModule.forRoot({ config, logger, dataSource, contracts, region }), { bufferLogs: true });
  app.useLogger(app.get(NestPinoLogger));
  app.enableShutdownHooks();
  const openApi = SwaggerModule.createDocument(app, new DocumentBuilder()
    .setTitle('Ketenhub')
    .setDescription('Read a family\'s record: one regisseur and safety holder of record, one veiligheidskaart, one perspectiefplan. Messages travel on Kafka; see docs/MESSAGES.md.')
    .setVersion('0.2.0')
    .build());
  SwaggerModule.setup('api', app, openApi, { jsonDocumentUrl: 'api/openapi.json' });
  await app.listen(config.http.port, config.http.host);
  const url = (await app.getUrl()).replace('[::1]', 'localhost');
  logger.info({ region: region.config.region, configVersion: region.version, url }, 'hub started');
  return {
    url,
    async close() {
      await app.close();
      await dataSource.destroy();
    },
  };
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
    process.stdout.write(`ketenhub hub ready: health ${hub.url}/health  metrics ${hub.url}/metrics  api ${hub.url}/api\n`);
  } catch (error) {
    if (error instanceof RegionConfigError || error instanceof RetentionConfigError) {
      process.stderr.write(`ketenhub: ${error.message}\n`);
      process.exit(2);
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
