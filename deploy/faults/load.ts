/**
 * The partners' side of the fault run: the chain mix produced at a steady rate to the partners'
 * inbound topics with an idempotent producer (acks from all in-sync replicas), and one partner's
 * events posted to the HTTPS door (POST /events of a ready hub, with its client-credentials
 * token) instead. An event counts as accepted only once its send was acknowledged (the broker's
 * ack, or the door's 202). A send that fails is sent again, the same events with the same ids,
 * before anything after it: while the broker or the hub is away the load waits, and a family's
 * events keep their order on each topic. (A send that failed may still have been written; the
 * copy is then a duplicate the hub's inbox recognises.)
 */
import { Kafka, Partitioners, type Producer } from 'kafkajs';
import { CLOUDEVENTS_CONTENT_TYPE } from '@ketenhub/messaging';
import type { ChainEvent } from '../bench/chain-mix';
import { partnerAccessToken } from '../local/https-partner';
import type { AcceptedEvent } from './verify';

/** The partner that posts its events over HTTPS, and how to reach a hub that is ready. */
export interface HttpsDoor {
  partnerId: string;
  /** The hub's PARTNER_SECRET_KEY: the partner's client secret is derived from it. */
  partnerKey: Buffer;
  /** The base URL of a hub that is ready (waits for one). */
  hubUrl(): Promise<string>;
}

const TICK_MS = 200;

export class Load {
  readonly accepted: AcceptedEvent[] = [];
  /** Events handed to a send so far (acknowledged or not yet). */
  sent = 0;
  failedSends = 0;
  /** Events accepted over the HTTPS door, and posts that were not (the hub away or busy). */
  postedOverHttps = 0;
  failedPosts = 0;
  private producer?: Producer;
  private token?: string;
  private stopped = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly prefix: string,
    private readonly mix: ChainEvent[],
    private readonly ratePerSecond: number,
    private readonly say: (line: string) => void,
    private readonly https?: HttpsDoor,
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

  /** Every event of the mix acknowledged: no new one will come. */
  get finished(): boolean {
    return this.accepted.length >= this.mix.length;
  }

  stop(): void {
    this.stopped = true;
  }

  private async sendUntilAcknowledged(all: ChainEvent[], firstSeq: number): Promise<void> {
    const seqOf = new Map(all.map((e, j) => [e, firstSeq + j]));
    const overHttps = (e: ChainEvent) => e.partner === this.https?.partnerId;
    this.sent = firstSeq + all.length;
    await this.produceUntilAcknowledged(all.filter((e) => !overHttps(e)), seqOf);
    for (const e of all.filter(overHttps)) await this.postUntilAccepted(e, seqOf.get(e)!);
  }

  private async produceUntilAcknowledged(events: ChainEvent[], seqOf: Map<ChainEvent, number>): Promise<void> {
    if (events.length === 0) return;
    const byTopic = new Map<string, ChainEvent[]>();
    for (const e of events) {
      const topic = `${this.prefix}inbound.${e.partner}`;
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), e]);
    }
    let lastComplaint = 0;
    while (!this.stopped) {
      try {
        const producer = await this.connected();
        await producer.sendBatch({
          acks: -1,
          topicMessages: [...byTopic].map(([topic, list]) => ({ topic, messages: list.map((e) => ({ key: e.key, value: Buffer.from(JSON.stringify(e.event)) })) })),
        });
        const acknowledgedAt = Date.now();
        for (const e of events) {
          this.accepted.push({ source: e.event.source as string, eventId: e.event.id, topic: `${this.prefix}inbound.${e.partner}`, key: e.key, producedSeq: seqOf.get(e)!, acknowledgedAt });
        }
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

  /**
   * Posts one event to the HTTPS door until a hub answers 202. The door writes a partner's events
   * to its inbound topic under one key, the partner's id, so that is the key their order is
   * checked by. An answer other than 202, 401 (a token to renew), 429 or 503 means the hub refused
   * a valid event: the run stops with it.
   */
  private async postUntilAccepted(e: ChainEvent, producedSeq: number): Promise<void> {
    const door = this.https!;
    let lastComplaint = 0;
    while (!this.stopped) {
      const answer = await this.post(door, e).catch((error: unknown) => (error instanceof Error ? error.message : String(error)));
      if (typeof answer !== 'string' && answer.status === 202) {
        this.accepted.push({ source: e.event.source as string, eventId: e.event.id, topic: `${this.prefix}inbound.${e.partner}`, key: door.partnerId, producedSeq, acknowledgedAt: Date.now() });
        this.postedOverHttps++;
        return;
      }
      if (typeof answer !== 'string') {
        const body = await answer.text().catch(() => '');
        if (answer.status === 401) this.token = undefined;
        else if (answer.status !== 429 && answer.status !== 503) throw new Error(`POST /events refused valid event ${e.event.id} of ${door.partnerId}: ${answer.status} ${body}`);
      }
      this.failedPosts++;
      if (Date.now() - lastComplaint > 5_000) {
        this.say(`load: ${door.partnerId}'s event was not accepted over HTTPS (${typeof answer === 'string' ? answer : answer.status}); posting it again`);
        lastComplaint = Date.now();
      }
      await sleep(500);
    }
  }

  /** One post to a ready hub, with a token asked for when there is none. */
  private async post(door: HttpsDoor, e: ChainEvent): Promise<Response> {
    const url = await door.hubUrl();
    this.token ??= await partnerAccessToken(url, door.partnerId, door.partnerKey);
    return fetch(`${url}/events`, {
      method: 'POST', body: JSON.stringify(e.event), signal: AbortSignal.timeout(30_000),
      headers: { 'content-type': CLOUDEVENTS_CONTENT_TYPE, authorization: `Bearer ${this.token}` },
    });
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
