/**
 * The partners' side of the fault run: the chain mix produced at a steady rate to the partners'
 * inbound topics with an idempotent producer (acks from all in-sync replicas). An event counts as
 * accepted only once its send was acknowledged. A send that fails is sent again, the same events
 * with the same ids, before anything after it: while the broker is away the load waits, and a
 * family's events keep their order on each topic. (A send that failed may still have been written;
 * the copy is then a duplicate the hub's inbox recognises.)
 */
import { Kafka, Partitioners, type Producer } from 'kafkajs';
import type { ChainEvent } from '../bench/chain-mix';
import type { AcceptedEvent } from './verify';

const TICK_MS = 200;

export class Load {
  readonly accepted: AcceptedEvent[] = [];
  /** Events handed to a send so far (acknowledged or not yet). */
  sent = 0;
  failedSends = 0;
  private producer?: Producer;
  private stopped = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly prefix: string,
    private readonly mix: ChainEvent[],
    private readonly ratePerSecond: number,
    private readonly say: (line: string) => void,
  ) {}

  /** Produces the whole mix at the rate; resolves when every event was acknowledged, or on stop(). */
  async run(): Promise<void> {
    const perTick = Math.max(1, Math.round((this.ratePerSecond * TICK_MS) / 1000));
    const started = Date.now();
    for (let i = 0; i < this.mix.length && !this.stopped; i += perTick) {
      const slice = this.mix.slice(i, i + perTick);
      await this.sendUntilAcknowledged(slice, i);
      // Behind schedule (the broker was away): go on at once, the backlog is part of the load.
      const due = started + ((i + perTick) / this.ratePerSecond) * 1000;
      if (due > Date.now()) await sleep(due - Date.now());
    }
    await this.producer?.disconnect().catch(() => undefined);
  }

  stop(): void {
    this.stopped = true;
  }

  private async sendUntilAcknowledged(events: ChainEvent[], firstSeq: number): Promise<void> {
    const byTopic = new Map<string, ChainEvent[]>();
    for (const e of events) {
      const topic = `${this.prefix}inbound.${e.partner}`;
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), e]);
    }
    this.sent = firstSeq + events.length;
    let lastComplaint = 0;
    while (!this.stopped) {
      try {
        const producer = await this.connected();
        await producer.sendBatch({
          acks: -1,
          topicMessages: [...byTopic].map(([topic, list]) => ({ topic, messages: list.map((e) => ({ key: e.key, value: Buffer.from(JSON.stringify(e.event)) })) })),
        });
        events.forEach((e, j) => this.accepted.push({
          source: e.event.source as string, eventId: e.event.id, topic: `${this.prefix}inbound.${e.partner}`, key: e.key, producedSeq: firstSeq + j,
        }));
        return;
      } catch (error) {
        this.failedSends++;
        if (Date.now() - lastComplaint > 5_000) {
          this.say(`load: a send of ${events.length} events was not acknowledged (${error instanceof Error ? error.message : String(error)}); sending it again`);
          lastComplaint = Date.now();
        }
        // A producer that gave up is replaced: its connections may point at a broker that is gone.
        await this.producer?.disconnect().catch(() => undefined);
        this.producer = undefined;
        await sleep(500);
      }
    }
  }

  private async connected(): Promise<Producer> {
    if (!this.producer) {
      const producer = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner,
        retry: { initialRetryTime: 200, maxRetryTime: 2_000, retries: 20 },
      });
      await producer.connect();
      this.producer = producer;
    }
    return this.producer;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
