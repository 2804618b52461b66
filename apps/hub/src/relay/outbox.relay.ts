import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Kafka, Message, Producer } from 'kafkajs';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import type { DataSource, EntityManager } from 'typeorm';
import type { HubConfig } from '@ketenhub/config';
import { connectIdempotentProducer, KAFKA_RETRY } from '@ketenhub/messaging';
import { OutboxStore, type PendingMessage } from '@ketenhub/persistence';
import { MetricsService } from '../operations/metrics.service';
import { DATA_SOURCE, HUB_CONFIG, KAFKA } from '../tokens';
import { producerStateLost, refusedForGood } from '../kafka-errors';
import { WakeableSleep } from '../wakeable-sleep';

/** Any number (here: 'KHUB') that no other advisory lock in this database uses. */
export const RELAY_LOCK = 0x4b485542;

/** A relay that found the lock taken tries again after this, doubling up to its idle poll while the lock stays taken. */
const LOCK_RETRY_MS = 20;

/** What one look at the outbox did: how many messages it published, or that another relay holds the lock. */
type Look = { sent: number } | { lockTaken: true };

/**
 * Publishes the outbox in seq order with an idempotent producer, then records how far it got (one
 * outbox_published row per batch). A crash between send and record sends those messages again
 * with the same message id: delivery is at least once and receivers drop the repeat. One relay at
 * a time holds the advisory lock, so order per family holds across hub instances.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private producer?: Producer;
  private stopped = false;
  private readonly pause = new WakeableSleep();
  private loop?: Promise<void>;
  private lastError?: string;

  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly outbox: OutboxStore,
    private readonly metrics: MetricsService,
    @InjectPinoLogger(OutboxRelay.name) private readonly logger: PinoLogger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.producer = await this.connectProducer();
    this.metrics.outboxQuarantined.set(await this.outbox.quarantined(this.dataSource.manager));
    this.loop = this.run();
  }

  private connectProducer(): Promise<Producer> {
    // An idempotent producer keeps retrying rather than give up on a sequence: a broker that is
    // away delays delivery, it does not lose or reorder it.
    return connectIdempotentProducer(this.kafka, { ...KAFKA_RETRY, retries: Number.MAX_SAFE_INTEGER });
  }

  /**
   * A new producer (a new producer id) in place of one whose sequence the broker refuses. What the
   * old one sent before its last batch was marked is sent again from the outbox, in order: a
   * receiver may see a message twice and drops the repeat, as after a crash.
   */
  private async renewProducer(why = 'the broker no longer accepted its producer\'s sequence; publishing again with a new producer'): Promise<void> {
    const old = this.producer;
    this.producer = undefined;
    await old?.disconnect().catch(() => undefined);
    this.producer = await this.connectProducer();
    this.metrics.producerRenewals.inc({ producer: 'outbox-relay' });
    this.logger.warn(`outbox relay: ${why}`);
  }

  /** Something was written to the outbox: publish now instead of at the next idle tick. */
  nudge(): void {
    this.pause.wake();
  }

  healthy(): boolean {
    return this.producer !== undefined && this.lastError === undefined;
  }

  private async run(): Promise<void> {
    let backoff = 0;
    let lockRetry = 0;
    while (!this.stopped) {
      let look: Look = { sent: 0 };
      try {
        look = await this.publishBatch();
        this.lastError = undefined;
        backoff = 0;
      } catch (error) {
        this.lastError = error instanceof Error ? error.message : String(error);
        backoff = Math.min(backoff === 0 ? 200 : backoff * 2, 10_000);
        const renew = producerStateLost(error) || this.producer === undefined;
        this.logger.warn({ err: error, retryInMs: backoff }, renew ? 'outbox relay could not publish; will retry with a new producer' : 'outbox relay could not publish; will retry');
        if (renew) {
          // Not retried by the old producer: the broker would refuse it the same way every time.
          await this.renewProducer().catch((renewError: unknown) => {
            this.logger.warn({ err: renewError, retryInMs: backoff }, 'outbox relay could not start a new producer; will retry');
          });
        }
      }
      const { idleMs } = this.config.relay;
      if (backoff > 0) {
        lockRetry = 0;
        await this.pause.sleep(backoff);
      } else if ('lockTaken' in look) {
        // Another hub instance's relay holds the lock. Rows this instance wrote meanwhile nudged
        // only this relay, and the holder's last look may have come just before they committed:
        // try again soon rather than leave them to an idle poll.
        lockRetry = Math.min(lockRetry === 0 ? LOCK_RETRY_MS : lockRetry * 2, idleMs);
        await this.pause.sleep(lockRetry);
      } else {
        lockRetry = 0;
        // After a batch, look again at once: rows another instance wrote while this one held the
        // lock may be waiting. After an empty look, sleep; a nudge that came while this relay was
        // busy is kept (WakeableSleep) and cuts that sleep short.
        if (look.sent === 0) await this.pause.sleep(idleMs);
      }
    }
  }

  private async publishBatch(): Promise<Look> {
    const producer = this.producer;
    if (!producer) throw new Error('the relay has no producer: the last attempt to start one failed');
    return this.dataSource.transaction(async (db): Promise<Look> => {
      const [{ locked }] = (await db.query('SELECT pg_try_advisory_xact_lock($1) AS locked', [RELAY_LOCK])) as Array<{ locked: boolean }>;
      if (!locked) return { lockTaken: true };
      const pending = await this.outbox.pending(db, this.config.relay.batchSize);
      this.metrics.outboxBacklog.set(pending.length);
      if (pending.length === 0) return { sent: 0 };
      const byTopic = new Map<string, Message[]>();
      for (const m of pending) {
        const messages = byTopic.get(m.topic) ?? [];
        messages.push({ key: m.key, value: m.value, headers: m.headers });
        byTopic.set(m.topic, messages);
      }
      try {
        await producer.sendBatch({
          acks: -1,
          topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
        });
      } catch (error) {
        if (refusedForGood(error) === undefined) throw error;
        return this.publishAroundRefused(db, pending);
      }
      await this.outbox.markPublished(db, pending[pending.length - 1].seq);
      for (const [topic, messages] of byTopic) this.metrics.delivered.inc({ topic }, messages.length);
      return { sent: pending.length };
    });
  }

  /**
   * The broker refused something in the batch for good. One by one, in seq order, with a new
   * producer: each message the broker refuses again for good goes to quarantine with the reason,
   * the others are published, and the position moves past all of them in this one transaction.
   * Order per family (per key) holds for the rest: each is sent only after the one before it has
   * its answer. The new producer, because kafkajs takes back the sequence numbers of the whole
   * failed request though the broker kept its other partitions' messages: the old producer's next
   * send would be out of sequence. Those messages are sent again (at least once; receivers drop
   * the repeat by message id). Any other error ends the pass as before: nothing is marked, the
   * quarantine rows of this pass are rolled back with it, and the next look starts over.
   */
  private async publishAroundRefused(db: EntityManager, pending: PendingMessage[]): Promise<Look> {
    await this.renewProducer('the broker refused a message in the batch for good; publishing the batch one by one with a new producer');
    const producer = this.producer;
    if (!producer) throw new Error('the relay has no producer: the last attempt to start one failed');
    let refused = 0;
    for (const m of pending) {
      try {
        await producer.send({ topic: m.topic, acks: -1, messages: [{ key: m.key, value: m.value, headers: m.headers }] });
        this.metrics.delivered.inc({ topic: m.topic });
      } catch (error) {
        const reason = refusedForGood(error);
        if (reason === undefined) throw error;
        const detail = error instanceof Error ? error.message : String(error);
        await this.outbox.quarantine(db, m, reason, detail);
        refused++;
        this.metrics.quarantinedTotal.inc({ reason });
        // The message id and where it was going, never its content.
        this.logger.error({ messageId: m.messageId, topic: m.topic, bytes: m.value?.length ?? 0, reason, seq: m.seq },
          'outbox relay: the broker refused a message for good; moved it to quarantine (outbox_quarantine) and went on with the rest');
      }
    }
    await this.outbox.markPublished(db, pending[pending.length - 1].seq);
    this.metrics.outboxQuarantined.set(await this.outbox.quarantined(db));
    // The position moved past every one of them: look again at once, as after any batch.
    return { sent: pending.length };
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.pause.wake();
    await this.loop;
    await this.producer?.disconnect();
  }
}
