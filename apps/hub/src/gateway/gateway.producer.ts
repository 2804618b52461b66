import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import { KAFKA_RETRY, type KafkaRetry } from '@ketenhub/messaging';
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

  constructor(@Inject(DOOR_KAFKA) private readonly kafka: Kafka) {}

  get(): Producer | undefined {
    return this.producer;
  }

  async onApplicationBootstrap(): Promise<void> {
    const producer = this.kafka.producer({
      idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner,
      retry: DOOR_KAFKA_RETRY,
    });
    await producer.connect();
    this.producer = producer;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.producer?.disconnect();
  }
}
