import { EventEmitter } from 'node:events';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Consumer, Kafka } from 'kafkajs';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import type { DataSource } from 'typeorm';
import type { HubConfig } from '@ketenhub/config';
import { hubConsumerConfig, Topics } from '@ketenhub/messaging';
import { DeliveryStore } from '@ketenhub/persistence';
import type { Partner, Region } from '@ketenhub/routing';
import { withoutParameters } from '../kafka-errors';
import { DATA_SOURCE, HUB_CONFIG, KAFKA, REGION } from '../tokens';

export const isHttpsPartner = (p: Partner): boolean => p.connection?.via === 'HTTPS_WEBHOOK' || p.connection?.via === 'HTTPS_FEED';
export const isWebhookPartner = (p: Partner): boolean => p.connection?.via === 'HTTPS_WEBHOOK';

/**
 * The gateway's way out: reads the outbound topics of partners connected over HTTPS and keeps each
 * message, in topic order, in partner_delivery, where the webhook dispatcher pushes it and the
 * feed serves it. The Kafka offset is committed only after the rows are, so a crash reads the
 * batch again and the unique message id keeps each message once.
 */
@Injectable()
export class DeliveryBridge implements OnApplicationBootstrap, OnApplicationShutdown {
  private consumer?: Consumer;
  private readonly added = new EventEmitter().setMaxListeners(0);
  private readonly listeners: Array<() => void> = [];

  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(REGION) private readonly region: Region,
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly topics: Topics,
    private readonly deliveries: DeliveryStore,
    @InjectPinoLogger(DeliveryBridge.name) private readonly logger: PinoLogger,
  ) {}

  /** Called after new rows for a partner are committed (the dispatcher listens). */
  onAdded(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Resolves when something new for the partner is committed, or after ms. */
  waitForNew(partnerId: string, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.added.off(partnerId, done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.added.once(partnerId, done);
      signal?.addEventListener('abort', done);
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    const partners = this.region.config.partners.filter(isHttpsPartner);
    if (partners.length === 0) return;
    const status = new Map(partners.map((p) => [p.id, isWebhookPartner(p) ? ('PENDING' as const) : ('FEED' as const)]));
    this.consumer = this.kafka.consumer(hubConsumerConfig(`${this.config.kafka.groupId}-delivery`, this.config.kafka.sessionTimeoutMs));
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => this.logger.error({ err: payload.error, restart: payload.restart }, 'delivery bridge crashed'));
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: partners.map((p) => this.topics.outbound(p.id)), fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
        const partnerId = this.topics.ownerOfOutbound(batch.topic);
        const kind = partnerId ? status.get(partnerId) : undefined;
        if (!partnerId || !kind || batch.messages.length === 0) return;
        let added = 0;
        await withoutParameters('could not store deliveries', () => this.dataSource.transaction(async (db) => {
          for (const message of batch.messages) {
            if (!message.value) continue;
            const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, v?.toString()]));
            const event = parse(message.value);
            const fresh = await this.deliveries.add(db, {
              partnerId, messageId: headers['ketenhub-message-id'] ?? event?.id ?? `${batch.topic}:${batch.partition}:${message.offset}`,
              eventType: event?.type ?? null, familyId: event?.familyid ?? null, value: message.value,
              topic: batch.topic, partition: batch.partition, offset: message.offset, status: kind,
            });
            if (fresh) added += 1;
          }
        }));
        const last = batch.messages[batch.messages.length - 1].offset;
        resolveOffset(last);
        await this.consumer?.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() }]);
        await heartbeat();
        if (added > 0) {
          this.logger.debug({ partner: partnerId, added }, 'messages ready for the partner');
          this.added.emit(partnerId);
          for (const listener of this.listeners) listener();
        }
      },
    });
    this.logger.info({ partners: partners.map((p) => `${p.id} (${p.connection?.via})`) }, 'delivering to partners over HTTPS');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer?.disconnect();
  }
}

function parse(value: Buffer): { id?: string; type?: string; familyid?: string } | undefined {
  try {
    const event = JSON.parse(value.toString('utf8')) as Record<string, unknown>;
    const text = (key: string) => (typeof event[key] === 'string' ? (event[key] as string) : undefined);
    const familyid = text('familyid');
    return { id: text('id'), type: text('type'), familyid: familyid && /^[0-9a-f-]{36}$/.test(familyid) ? familyid : undefined };
  } catch {
    return undefined;
  }
}
