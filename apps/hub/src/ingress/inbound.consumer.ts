import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Admin, Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import type { HubConfig } from '@ketenhub/config';
import { hubConsumerConfig, Topics } from '@ketenhub/messaging';
import type { Partner, Region } from '@ketenhub/routing';
import { failpointAfterCommit, failsToApply } from '../failpoint';
import { withoutParametersError } from '../kafka-errors';
import { MetricsService } from '../operations/metrics.service';
import { OutboxRelay } from '../relay/outbox.relay';
import { HUB_CONFIG, KAFKA, REGION } from '../tokens';
import { AcceptMessageUseCase, type BatchResult } from './accept-message.use-case';
import { GroupCommitQueue } from './group-commit-queue';
import type { InboundMessage, Outcome } from './inbound-message';
import { OffsetCommitter } from './offset-committer';

/**
 * Reads every partner's inbound topic, many partitions at a time (KAFKA_PARTITIONS_CONCURRENTLY),
 * hands each partition's messages to the group commit queue, which applies what all partitions
 * handed in together in transactions of up to KAFKA_APPLY_BATCH_SIZE messages, and commits a
 * partition's offsets only after the transactions holding its messages committed.
 */
@Injectable()
export class InboundConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private consumer?: Consumer;
  private admin?: Admin;
  private lagTimer?: NodeJS.Timeout;
  private running = false;
  /** Per topic and partition: since when the same message keeps failing there (a partition that does not move). */
  private readonly stalled = new Map<string, { since: number; topic: string; partition: number; offset: string }>();
  private readonly queue: GroupCommitQueue<InboundMessage>;
  private readonly offsets = new OffsetCommitter(async (offsets) => { await this.consumer?.commitOffsets(offsets); });

  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(REGION) private readonly region: Region,
    private readonly topics: Topics,
    private readonly useCase: AcceptMessageUseCase,
    private readonly relay: OutboxRelay,
    private readonly metrics: MetricsService,
    @InjectPinoLogger(InboundConsumer.name) private readonly logger: PinoLogger,
  ) {
    this.queue = new GroupCommitQueue((messages) => this.applyGroup(messages), {
      maxGroup: config.kafka.applyBatchSize, transactions: config.kafka.applyTransactions,
    });
  }

  isRunning(): boolean {
    return this.running;
  }

  /** A message that has failed to apply for ms or longer, holding its partition: what readiness reports. */
  stalledFor(ms: number): { topic: string; partition: number; offset: string; seconds: number } | undefined {
    const stalled = [...this.stalled.values()].sort((a, b) => a.since - b.since)[0];
    if (!stalled || Date.now() - stalled.since < ms) return undefined;
    return { topic: stalled.topic, partition: stalled.partition, offset: stalled.offset, seconds: Math.round((Date.now() - stalled.since) / 1000) };
  }

  async onApplicationBootstrap(): Promise<void> {
    const inbound = this.region.config.partners.map((p) => this.topics.inbound(p.id));
    this.consumer = this.kafka.consumer(hubConsumerConfig(this.config.kafka.groupId, this.config.kafka.sessionTimeoutMs));
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      this.logger.error({ err: payload.error, restart: payload.restart }, 'inbound consumer crashed');
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: inbound, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      // Many partitions at once, so that the partitions of one fetch reach the queue together and
      // share transactions. Families are locked in id order per group, and a clash on a new person
      // splits the group and retries (see executeBatch).
      partitionsConsumedConcurrently: this.config.kafka.partitionsConcurrently,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        const { topic, partition } = batch;
        let done: string | undefined;
        try {
          for (let at = 0; at < batch.messages.length;) {
            if (!isRunning() || isStale()) break;
            const group = batch.messages.slice(at, at + this.config.kafka.applyBatchSize);
            const { outcomes, failure } = await this.handle(topic, partition, group);
            for (const [i, outcome] of outcomes.entries()) {
              failpointAfterCommit(this.config.failpoint, outcome.kind === 'accepted' ? outcome.eventId : undefined);
              resolveOffset(group[i].offset);
              done = group[i].offset;
            }
            if (failure !== undefined) {
              const offset = group[outcomes.length].offset;
              if (this.stalled.get(`${topic}:${partition}`)?.offset !== offset) this.stalled.set(`${topic}:${partition}`, { since: Date.now(), topic, partition, offset });
              throw failure;
            }
            this.stalled.delete(`${topic}:${partition}`);
            at += group.length;
            await heartbeat();
          }
        } finally {
          // One offset commit per batch, also when a message failed: everything before it is in
          // PostgreSQL; partitions that finish together share one request (OffsetCommitter). A
          // crash before this commit reads those messages again, and the inbox answers them as
          // duplicates (measured: a commit per message cost a broker round trip each).
          // A commit that fails is not fatal either: the next batch's commit covers it, or the
          // messages are read again and answered as duplicates.
          if (done !== undefined) {
            await this.offsets.commit({ topic, partition, offset: (BigInt(done) + 1n).toString() })
              .catch((error: unknown) => this.logger.warn({ err: error instanceof Error ? error.message : String(error), topic, partition }, 'could not commit consumed offsets; they will be read again'));
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

  /** One transaction's worth of messages, from the queue (see AcceptMessageUseCase.executeBatch). */
  private async applyGroup(messages: InboundMessage[]): Promise<BatchResult> {
    this.metrics.applyGroup.observe(messages.length);
    const started = process.hrtime.bigint();
    const result = await this.useCase.executeBatch(messages);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    for (const outcome of result.outcomes) this.metrics.processing.observe({ outcome: outcome.kind }, seconds / Math.max(1, result.outcomes.length));
    if (result.outcomes.length > 0) this.relay.nudge();
    return result;
  }

  /** Hands messages of one partition to the queue and waits for them, then counts and logs each outcome. */
  private async handle(topic: string, partition: number, messages: KafkaMessage[]): Promise<BatchResult> {
    const ownerId = this.topics.ownerOfInbound(topic);
    const owner = ownerId ? this.region.partner(ownerId) : undefined;
    if (!owner) {
      // Subscribed topics come from the region, so this is a configuration change mid-flight.
      this.logger.error({ topic, partition, offset: messages[0]?.offset }, 'message on a topic with no partner in the region; left uncommitted');
      return { outcomes: [], failure: new Error(`no partner owns ${topic}`) };
    }
    this.metrics.consumed.inc({ partner: owner.id }, messages.length);
    // A message the failpoint marks fails before anything of it is applied; the ones before it go through.
    const failing = messages.findIndex((m) => failsToApply(this.config.failpoint, m.value));
    const group = failing < 0 ? messages : messages.slice(0, failing);
    const result = await this.queue.submit(group.map((m) => ({ owner, topic, partition, offset: m.offset, value: m.value })));
    for (const [i, outcome] of result.outcomes.entries()) this.logOutcome(owner, topic, partition, group[i].offset, outcome);
    if (result.failure !== undefined) return { outcomes: result.outcomes, failure: withoutParametersError('could not apply an inbound message', result.failure) };
    if (failing >= 0) return { outcomes: result.outcomes, failure: new Error('failpoint fail-apply: this message cannot be applied') };
    return result;
  }

  private logOutcome(owner: Partner, topic: string, partition: number, offset: string, outcome: Outcome): void {
    const log = { partner: owner.id, topic, partition, offset, correlationId: 'eventId' in outcome ? outcome.eventId : undefined };
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
