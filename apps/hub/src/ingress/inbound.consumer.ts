import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Admin, Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import type { HubConfig } from '@ketenhub/config';
import { Topics } from '@ketenhub/messaging';
import type { Region } from '@ketenhub/routing';
import { failpointAfterCommit, failpointBeforeApply } from '../failpoint';
import { withoutParameters } from '../kafka-errors';
import { MetricsService } from '../operations/metrics.service';
import { OutboxRelay } from '../relay/outbox.relay';
import { HUB_CONFIG, KAFKA, REGION } from '../tokens';
import { AcceptMessageUseCase } from './accept-message.use-case';
import type { Outcome } from './inbound-message';

/**
 * Reads every partner's inbound topic, one message at a time per partition, hands each to the
 * use case, and commits the batch's offsets only after the use cases' transactions committed.
 */
@Injectable()
export class InboundConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private consumer?: Consumer;
  private admin?: Admin;
  private lagTimer?: NodeJS.Timeout;
  private running = false;
  /** Since when the same message keeps failing (a partition that does not move), if one does. */
  private stalled?: { since: number; topic: string; partition: number; offset: string };

  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(REGION) private readonly region: Region,
    private readonly topics: Topics,
    private readonly useCase: AcceptMessageUseCase,
    private readonly relay: OutboxRelay,
    private readonly metrics: MetricsService,
    @InjectPinoLogger(InboundConsumer.name) private readonly logger: PinoLogger,
  ) {}

  isRunning(): boolean {
    return this.running;
  }

  /** A message that has failed to apply for ms or longer, holding its partition: what readiness reports. */
  stalledFor(ms: number): { topic: string; partition: number; offset: string; seconds: number } | undefined {
    const stalled = this.stalled;
    if (!stalled || Date.now() - stalled.since < ms) return undefined;
    return { topic: stalled.topic, partition: stalled.partition, offset: stalled.offset, seconds: Math.round((Date.now() - stalled.since) / 1000) };
  }

  async onApplicationBootstrap(): Promise<void> {
    const inbound = this.region.config.partners.map((p) => this.topics.inbound(p.id));
    this.consumer = this.kafka.consumer({
      groupId: this.config.kafka.groupId,
      sessionTimeout: this.config.kafka.sessionTimeoutMs,
      heartbeatInterval: Math.floor(this.config.kafka.sessionTimeoutMs / 10),
      retry: { initialRetryTime: 300, maxRetryTime: 10_000, retries: 30 },
    });
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      this.logger.error({ err: payload.error, restart: payload.restart }, 'inbound consumer crashed');
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: inbound, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        let done: string | undefined;
        try {
          for (const message of batch.messages) {
            if (!isRunning() || isStale()) break;
            let outcome: Outcome | undefined;
            try {
              outcome = await withoutParameters('could not apply an inbound message', () => this.handle(batch.topic, batch.partition, message));
            } catch (error) {
              const same = this.stalled?.topic === batch.topic && this.stalled.partition === batch.partition && this.stalled.offset === message.offset;
              if (!same) this.stalled = { since: Date.now(), topic: batch.topic, partition: batch.partition, offset: message.offset };
              throw error;
            }
            if (this.stalled?.topic === batch.topic && this.stalled.partition === batch.partition) this.stalled = undefined;
            failpointAfterCommit(this.config.failpoint, outcome?.kind === 'accepted' ? outcome.eventId : undefined);
            resolveOffset(message.offset);
            done = message.offset;
            await heartbeat();
          }
        } finally {
          // One offset commit per batch, also when a message failed: everything before it is in
          // PostgreSQL. A crash before this commit reads those messages again, and the inbox
          // answers them as duplicates (measured: a commit per message cost a broker round trip each).
          // A commit that fails is not fatal either: the next batch's commit covers it, or the
          // messages are read again and answered as duplicates.
          if (done !== undefined) {
            await this.consumer?.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(done) + 1n).toString() }])
              .catch((error: unknown) => this.logger.warn({ err: error instanceof Error ? error.message : String(error), topic: batch.topic, partition: batch.partition }, 'could not commit consumed offsets; they will be read again'));
          }
        }
      },
    });
    this.running = true;
    this.admin = this.kafka.admin();
    await this.admin.connect();
    this.lagTimer = setInterval(() => void this.measureLag(inbound), 5_000);
    this.lagTimer.unref();
    this.logger.info({ topics: inbound.length, groupId: this.config.kafka.groupId }, 'consuming inbound topics');
  }

  private async handle(topic: string, partition: number, message: KafkaMessage): Promise<Outcome | undefined> {
    const ownerId = this.topics.ownerOfInbound(topic);
    const owner = ownerId ? this.region.partner(ownerId) : undefined;
    if (!owner) {
      // Subscribed topics come from the region, so this is a configuration change mid-flight.
      this.logger.error({ topic, partition, offset: message.offset }, 'message on a topic with no partner in the region; left uncommitted');
      throw new Error(`no partner owns ${topic}`);
    }
    this.metrics.consumed.inc({ partner: owner.id });
    failpointBeforeApply(this.config.failpoint, message.value);
    const timer = this.metrics.processing.startTimer();
    const outcome = await this.useCase.execute({ topic, partition, offset: message.offset, value: message.value }, owner);
    timer({ outcome: outcome.kind });
    const log = { partner: owner.id, topic, partition, offset: message.offset, correlationId: 'eventId' in outcome ? outcome.eventId : undefined };
    switch (outcome.kind) {
      case 'accepted':
        this.metrics.accepted.inc({ partner: owner.id, type: outcome.type });
        this.logger.info({ ...log, type: outcome.type, familyId: outcome.familyId, deliveries: outcome.deliveries }, 'event accepted');
        break;
      case 'duplicate':
        this.metrics.duplicates.inc({ partner: owner.id });
        this.logger.info(log, 'event seen before; applied once, not again');
        break;
      case 'rejected':
        if (outcome.firstTime) this.metrics.rejected.inc({ partner: owner.id, reason: outcome.reason });
        this.logger.warn({ ...log, reason: outcome.reason }, 'message rejected to the dead-letter topic');
        break;
      default: {
        const never: never = outcome;
        throw new Error(`unhandled outcome ${JSON.stringify(never)}`);
      }
    }
    this.relay.nudge();
    return outcome;
  }

  private async measureLag(topics: string[]): Promise<void> {
    if (!this.admin) return;
    try {
      const committed = await this.admin.fetchOffsets({ groupId: this.config.kafka.groupId, topics });
      for (const { topic, partitions } of committed) {
        const ends = await this.admin.fetchTopicOffsets(topic);
        for (const end of ends) {
          const done = partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
          const start = done === '-1' ? BigInt(end.low) : BigInt(done);
          this.metrics.consumerLag.set({ topic, partition: String(end.partition) }, Number(BigInt(end.high) - start));
        }
      }
    } catch (error) {
      this.logger.debug({ err: error }, 'could not measure consumer lag');
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.lagTimer) clearInterval(this.lagTimer);
    this.running = false;
    await this.consumer?.disconnect();
    await this.admin?.disconnect();
  }
}
