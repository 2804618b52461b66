import { Kafka, logLevel, Partitioners, type Consumer, type IHeaders, type Producer } from 'kafkajs';
import { pollUntil } from './poll';
import { suiteBrokers } from './test-env';

export interface Received {
  topic: string;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
  /** Parsed CloudEvent, when the value is JSON. */
  event?: Record<string, any>;
}

function headersOf(raw: IHeaders | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(raw ?? {}).map(([k, v]) => [k, Buffer.isBuffer(v) ? v.toString('utf8') : String(v)]));
}

/** Reads a topic from the start and keeps every message, for assertions. */
export class TopicReader {
  readonly messages: Received[] = [];
  private constructor(private readonly consumer: Consumer) {}

  static async start(kafka: Kafka, topic: string | string[]): Promise<TopicReader> {
    const topics = Array.isArray(topic) ? topic : [topic];
    const consumer = kafka.consumer({ groupId: `reader-${topics[0]}-${Date.now()}-${Math.random()}` });
    const reader = new TopicReader(consumer);
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic: t, message }) => {
        let event: Record<string, any> | undefined;
        try {
          event = message.value ? JSON.parse(message.value.toString('utf8')) : undefined;
        } catch {
          event = undefined;
        }
        reader.messages.push({ topic: t, key: message.key?.toString('utf8') ?? null, value: message.value, headers: headersOf(message.headers), event });
      },
    });
    return reader;
  }

  events(type?: string): Array<Record<string, any>> {
    return this.messages.flatMap((m) => (m.event && (!type || m.event.type === type) ? [m.event] : []));
  }

  async waitFor(what: string, predicate: (m: Received) => boolean, timeoutMs = 30_000): Promise<Received> {
    return pollUntil(what, () => this.messages.find(predicate), timeoutMs);
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}

/** A simulated chain partner on Kafka: writes its inbound topic, reads its outbound topic. */
export class KafkaPartner {
  private constructor(
    readonly id: string,
    private readonly producer: Producer,
    readonly outbound: TopicReader,
    private readonly inboundTopic: string,
  ) {}

  static async connect(kafka: Kafka, id: string, prefix: string): Promise<KafkaPartner> {
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const outbound = await TopicReader.start(kafka, `${prefix}outbound.${id}`);
    return new KafkaPartner(id, producer, outbound, `${prefix}inbound.${id}`);
  }

  /** Sends an event (or raw bytes); one key per partner keeps its messages in order. */
  async send(message: Record<string, unknown> | Buffer): Promise<void> {
    const value = Buffer.isBuffer(message) ? message : Buffer.from(JSON.stringify(message));
    await this.producer.send({ topic: this.inboundTopic, messages: [{ key: this.id, value }] });
  }

  /** Sends all in one produce request, so they land together and the hub reads them in one batch. */
  async sendAll(messages: Array<Record<string, unknown> | Buffer>): Promise<void> {
    await this.producer.send({
      topic: this.inboundTopic,
      messages: messages.map((m) => ({ key: this.id, value: Buffer.isBuffer(m) ? m : Buffer.from(JSON.stringify(m)) })),
    });
  }

  async close(): Promise<void> {
    await this.producer.disconnect();
    await this.outbound.stop();
  }
}

export function testKafka(): Kafka {
  return new Kafka({ clientId: 'ketenhub-test', brokers: suiteBrokers().split(','), logLevel: logLevel.NOTHING });
}
