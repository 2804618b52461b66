import { Module, type DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { HubConfig } from '@ketenhub/config';
import type { Contracts } from '@ketenhub/contracts';
import { createKafka, Topics, type KafkaLog } from '@ketenhub/messaging';
import { AuditStore, ConsentStore, DeliveryStore, FamilyStore, InboxStore, OutboxStore, RegieStore } from '@ketenhub/persistence';
import { BsnVault } from '@ketenhub/privacy';
import { systemIdOf, type Region } from '@ketenhub/routing';
import { FamilyRecord } from './family/family-record';
import { FamilyController } from './family/family.controller';
import { ReadFamilyUseCase } from './family/read-family.use-case';
import { RouteViewFilter } from './family/view-filter';
import { AuthGuard } from './auth/auth.guard';
import { AdminConfigController } from './governance/admin-config.controller';
import { KaartAccessController, PrivacyController } from './privacy/privacy.controller';
import { PrivacyService } from './privacy/privacy.service';
import { AcceptMessageUseCase } from './ingress/accept-message.use-case';
import { ConsentGate } from './ingress/consent-gate';
import { InboundConsumer } from './ingress/inbound.consumer';
import { AsyncApiController } from './operations/asyncapi.controller';
import { HealthController } from './operations/health.controller';
import { MetricsController } from './operations/metrics.controller';
import { MetricsService } from './operations/metrics.service';
import { OutboxRelay } from './relay/outbox.relay';
import { CONTRACTS, DATA_SOURCE, DOOR_KAFKA, HUB_CONFIG, KAFKA, REGION } from './tokens';
import { TimerScheduler } from './family/timer.scheduler';
import { RetentionJob } from './privacy/retention.job';
import { DeliveryBridge } from './gateway/delivery.bridge';
import { GatewayController } from './gateway/gateway.controller';
import { DOOR_KAFKA_RETRY, GatewayProducer } from './gateway/gateway.producer';
import { HttpIngress } from './gateway/http-ingress';
import { OAuthController } from './gateway/oauth.controller';
import { WebhookDispatcher } from './gateway/webhook.dispatcher';

export interface HubDependencies {
  config: HubConfig;
  logger: Logger;
  dataSource: DataSource;
  contracts: Contracts;
  region: Region;
}

@Module({})
export class AppModule {
  /** Everything is built from dependencies main.ts checked before Nest starts. */
  static forRoot(deps: HubDependencies): DynamicModule {
    const { config, logger, dataSource, contracts, region } = deps;
    const kafkaLogger = logger.child({ context: 'kafkajs' });
    const kafkaLog: KafkaLog = (level, message, extra) => kafkaLogger[level](extra, message);
    return {
      module: AppModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: { logger, autoLogging: { ignore: (req) => req.url === '/metrics' || (req.url ?? '').startsWith('/health') } },
        }),
      ],
      controllers: [HealthController, MetricsController, FamilyController, PrivacyController, KaartAccessController, AdminConfigController, OAuthController, GatewayController, AsyncApiController],
      providers: [
        { provide: HUB_CONFIG, useValue: config },
        { provide: DATA_SOURCE, useValue: dataSource },
        { provide: REGION, useValue: region },
        { provide: CONTRACTS, useValue: contracts },
        { provide: KAFKA, useValue: createKafka(config.kafka.clientId, config.kafka.brokers, kafkaLog, {}, config.kafka.security) },
        { provide: DOOR_KAFKA, useValue: createKafka(config.kafka.clientId, config.kafka.brokers, kafkaLog, DOOR_KAFKA_RETRY, config.kafka.security) },
        { provide: Topics, useValue: new Topics(config.kafka.topicPrefix) },
        { provide: OutboxStore, useValue: new OutboxStore() },
        {
          provide: AcceptMessageUseCase,
          inject: [Topics, OutboxStore],
          useFactory: (topics: Topics, outbox: OutboxStore) => new AcceptMessageUseCase({
            dataSource, contracts, region, topics, outbox,
            vault: new BsnVault(config.secrets.bsnHashKey, config.secrets.bsnEncryptionKey),
            families: new FamilyStore(), inbox: new InboxStore(), regie: new RegieStore(), audit: new AuditStore(config.secrets.auditChainKey), familyRecord: new FamilyRecord(region),
            consent: new ConsentGate(region, new ConsentStore()),
            maxMessageBytes: config.maxMessageBytes, systemId: systemIdOf(region),
          }),
        },
        {
          provide: ReadFamilyUseCase,
          useFactory: () => new ReadFamilyUseCase({
            dataSource, regie: new RegieStore(), audit: new AuditStore(config.secrets.auditChainKey), region, filter: new RouteViewFilter(region, new FamilyStore()), systemId: systemIdOf(region),
          }),
        },
        AuthGuard,
        {
          provide: PrivacyService,
          useFactory: () => new PrivacyService({
            dataSource, region, vault: new BsnVault(config.secrets.bsnHashKey, config.secrets.bsnEncryptionKey), systemId: systemIdOf(region),
            auditChainKey: config.secrets.auditChainKey,
          }),
        },
        MetricsService,
        OutboxRelay,
        InboundConsumer,
        TimerScheduler,
        RetentionJob,
        { provide: DeliveryStore, useValue: new DeliveryStore() },
        GatewayProducer,
        {
          provide: HttpIngress,
          inject: [Topics, GatewayProducer],
          useFactory: (topics: Topics, producer: GatewayProducer) => new HttpIngress({
            contracts, topics, dataSource, inbox: new InboxStore(), send: (record) => producer.send(record), maxMessageBytes: config.maxMessageBytes,
          }),
        },
        DeliveryBridge,
        WebhookDispatcher,
      ],
    };
  }
}
