import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import { KAFKA_RETRY } from '@ketenhub/messaging';
import { KAFKA } from '../tokens';

/** The HTTPS door's producer onto partners' inbound topics: idempotent, so a retry never doubles a message. */
@Injectable()
export class GatewayProducer implements OnApplicationBootstrap, OnApplicationShutdown {
  private producer?: Producer;

  constructor(@Inject(KAFKA) private readonly kafka: Kafka) {}

  get(): Producer | undefined {
    return this.producer;
  }

  async onApplicationBootstrap(): Promise<void> {
    const producer = this.kafka.producer({
      idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner,
      retry: { ...KAFKA_RETRY, maxRetryTime: 5_000 },
    });
    await producer.connect();
    this.producer = producer;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.producer?.disconnect();
  }
}
