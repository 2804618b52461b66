import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Kafka, Producer, ProducerRecord } from 'kafkajs';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { connectIdempotentProducer, KAFKA_RETRY, type KafkaRetry } from '@ketenhub/messaging';
import { producerStateLost } from '../kafka-errors';
import { MetricsService } from '../operations/metrics.service';
import { DOOR_KAFKA } from '../tokens';

/**
 * How often the HTTPS door's client tries to reach the broker before the door answers 503: four
 * tries, so a partner has its answer about 5 s after posting to a hub whose broker is out of reach
 * (http-unavailable.spec.ts; 22 s with the hub's other clients' eight). It rides out a broker that
 * is away for a few seconds; a partner that gets 503 sends the event again, and the same id is
 * stored once.
 */
export const DOOR_KAFKA_RETRY: KafkaRetry = { ...KAFKA_RETRY, retries: 4 };

/** The HTTPS door's producer onto partners' inbound topics: idempotent, so a retry never doubles a message. */
@Injectable()
export class GatewayProducer implements OnApplicationBootstrap, OnApplicationShutdown {
  private producer?: Producer;
  /** A replacement being started, shared by the requests that need it meanwhile. */
  private renewing?: Promise<Producer>;

  constructor(
    @Inject(DOOR_KAFKA) private readonly kafka: Kafka,
    private readonly metrics: MetricsService,
    @InjectPinoLogger(GatewayProducer.name) private readonly logger: PinoLogger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.producer = await this.connectProducer();
  }

  /**
   * Sends one partner's event. A broker that no longer takes this producer's sequence (after it
   * was killed: see producerStateLost) would refuse every later send as well, so the door starts a
   * new producer and sends once more; a copy the broker did write is dropped by the inbox.
   */
  async send(record: ProducerRecord): Promise<void> {
    const producer = this.producer ?? await this.renew();
    try {
      await producer.send(record);
    } catch (error) {
      if (!producerStateLost(error)) throw error;
      this.logger.warn({ err: error }, 'HTTPS door: the broker no longer accepted its producer\'s sequence; sending again with a new producer');
      await (await this.renew(producer)).send(record);
    }
  }

  private connectProducer(): Promise<Producer> {
    return connectIdempotentProducer(this.kafka, DOOR_KAFKA_RETRY);
  }

  /** A new producer in place of `stale` (once, however many requests met the refusal). */
  private renew(stale?: Producer): Promise<Producer> {
    if (this.producer !== stale && this.producer) return Promise.resolve(this.producer);
    this.renewing ??= (async () => {
      this.producer = undefined;
      await stale?.disconnect().catch(() => undefined);
      const fresh = await this.connectProducer();
      this.producer = fresh;
      this.metrics.producerRenewals.inc({ producer: 'https-door' });
      return fresh;
    })().finally(() => { this.renewing = undefined; });
    return this.renewing;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.producer?.disconnect();
  }
}
