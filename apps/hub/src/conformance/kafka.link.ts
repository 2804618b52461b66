import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Partitioners, type Consumer, type Producer } from 'kafkajs';
import { CLOUDEVENTS_CONTENT_TYPE, kafkaSecurityOptions, type KafkaSecurity } from '@ketenhub/messaging';
import { OutboundReceiver, parseEvent } from './outbound';

const CONNECT_TIMEOUT_MS = 15_000;

/**
 * A Kafka partner's side of the run: a producer on its inbound topic (key = partner id, as the
 * hub expects) and a consumer of its outbound topic in a consumer group of its own, named after
 * the partner as its ACLs require (<prefix><partnerId>-conformance-…), read from the beginning
 * and filtered by the run's event ids.
 */
export class KafkaLink extends OutboundReceiver {
  private readonly kafka: Kafka;
  private producer?: Producer;
  private consumer?: Consumer;
  readonly groupId: string;
  /** kafkajs's last error lines, for the report. */
  readonly problems: string[] = [];

  constructor(
    brokers: string[], private readonly partnerId: string, private readonly inboundTopic: string, private readonly outboundTopic: string, topicPrefix: string,
    security: KafkaSecurity = {},
  ) {
    super();
    this.groupId = `${topicPrefix}${partnerId}-conformance-${randomUUID().slice(0, 8)}`;
    this.kafka = new Kafka({
      clientId: `${partnerId}-conformance`, brokers, connectionTimeout: 3_000, retry: { initialRetryTime: 250, retries: 4 },
      ...kafkaSecurityOptions(security),
      logLevel: logLevel.ERROR,
      logCreator: () => ({ log }) => {
        this.problems.push(`${String(log.message)}${log.error ? ` (${String(log.error)})` : ''}`);
        if (this.problems.length > 20) this.problems.shift();
      },
    });
  }

  get where(): string {
    return `topic ${this.outboundTopic}`;
  }

  async start(): Promise<string> {
    const producer = this.kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
    const consumer = this.kafka.consumer({ groupId: this.groupId, allowAutoTopicCreation: false });
    this.producer = producer;
    this.consumer = consumer;
    await withTimeout(Promise.all([producer.connect(), consumer.connect()]), CONNECT_TIMEOUT_MS, 'connecting to the brokers');
    await withTimeout(consumer.subscribe({ topics: [this.outboundTopic], fromBeginning: true }), CONNECT_TIMEOUT_MS, `subscribing to ${this.outboundTopic}`);
    await consumer.run({
      eachMessage: async ({ message }) => {
        const event = message.value ? parseEvent(message.value) : undefined;
        if (event) this.add({ event });
      },
    });
    return `connected; reading ${this.outboundTopic} as consumer group ${this.groupId}, writing ${this.inboundTopic}`;
  }

  /** Writes one event to the inbound topic; where it landed. */
  async send(event: object): Promise<string> {
    if (!this.producer) throw new Error('not connected');
    const [meta] = await withTimeout(this.producer.send({
      topic: this.inboundTopic, acks: -1,
      messages: [{ key: this.partnerId, value: Buffer.from(JSON.stringify(event)), headers: { 'content-type': CLOUDEVENTS_CONTENT_TYPE } }],
    }), CONNECT_TIMEOUT_MS, `writing to ${this.inboundTopic}`);
    return `partition ${meta.partition}, offset ${meta.baseOffset ?? meta.offset ?? '?'}`;
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.consumer?.disconnect(), this.producer?.disconnect()]);
    // The group was the run's alone; a partner's ACLs may not allow deleting it, which is fine.
    const admin = this.kafka.admin();
    await withTimeout(admin.connect().then(() => admin.deleteGroups([this.groupId])), 5_000, 'deleting the consumer group').catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${Math.round(ms / 1000)} s`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
