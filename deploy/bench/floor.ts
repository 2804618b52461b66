/**
 * The floor of the fixed architecture: what "effect once, deliver at least once" costs on this
 * machine when nothing else is done. A kafkajs consumer reads the bench's events batch by batch
 * and, per batch of up to the hub's group size, writes in one PostgreSQL transaction through the
 * hub's own stores what every accepted event must leave: its family row (if new), its inbox row,
 * its outbox messages and their hash-chained audit records (as many per event as the hub wrote in
 * the saturation phase); it commits, then commits the offsets. A relay publishes the outbox in seq
 * order with an idempotent producer and records its position, as the hub's relay does.
 *
 * Left out, so the floor is below anything the hub can cost: validation, the family record (no
 * persons, BSN hashing or encryption, regie, involvement or timers; no row locks), routing and
 * minimising (each outbound message is the inbound event's bytes, with the hub's headers), the
 * rejection path, metrics and logs. The hub cannot move more events per second than this does on
 * the same broker and database; the hub's throughput divided by it is what the domain costs.
 * (The bench's BSNs are made up, in the 99 range, and its topics and database are thrown away: the
 * floor stores and sends them as they come, which the hub never does.)
 *
 * After the saturation part, the paced events go in at `rate` per second and each one's latency is
 * timed from its produce to the first message the relay published for it, as the bench times the
 * hub's.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Partitioners, type Kafka, type Message } from 'kafkajs';
import type { AuditFields } from '@ketenhub/audit';
import { connectIdempotentProducer, KAFKA_RETRY } from '@ketenhub/messaging';
import { AuditStore, createDataSource, InboxStore, insertRows, migrate, OutboxStore, type InboxEntry, type OutboxMessage } from '@ketenhub/persistence';
import { eventIdOf, pace, readArrivals } from './latency';

export interface FloorShape {
  /** Outbox messages per event, as the hub wrote them in the same run (outbox rows / inbox rows). */
  messagesPerEvent: number;
  /** Audit records per event (audit rows / inbox rows); one per message, the rest refusals without one. */
  auditsPerEvent: number;
  /** Events per transaction at most: the hub's KAFKA_APPLY_BATCH_SIZE. */
  groupSize: number;
  /** The relay's batch: the hub's RELAY_BATCH_SIZE. */
  relayBatch: number;
  /** The key the floor's audit chain is written under (a fresh one when not given). */
  auditChainKey?: Buffer;
}

export interface FloorFigures {
  eventsPerSecond: number;
  /** Busy cores of the whole machine while the saturation part ran, from /proc/stat. */
  machineCores: number;
  transactions: number;
  /** Paced part: partner produce to the first outbound message the event caused, sorted, in ms. */
  latencies: number[];
  machineCoresPaced: number;
}

/** The events to push through: `saturation` all at once (timed until all is published), then `paced` at `rate` per second. */
export interface FloorLoad {
  saturation: Array<{ key: string; value: Buffer }>;
  paced: Array<{ id: string; key: string; value: Buffer }>;
  rate: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How many of `perEvent` (a mean, e.g. 2.4) the i-th event gets, so that n events get n × perEvent in all. */
function shareOf(i: number, perEvent: number): number {
  return Math.floor((i + 1) * perEvent) - Math.floor(i * perEvent);
}

/** A family id from the partner's key (the same key, the same family), as a uuid. */
function familyIdOf(key: string): string {
  const h = createHash('sha256').update(key).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export async function floorPipe(
  kafka: Kafka, prefix: string, databaseUrl: string, load: FloorLoad, shape: FloorShape,
  machineBusySeconds: () => number, progress: (line: string) => void,
): Promise<FloorFigures> {
  const events = load.saturation;
  const from = `${prefix}floor.in`;
  const to = `${prefix}floor.out`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: from, numPartitions: 3 }, { topic: to, numPartitions: 3 }], waitForLeaders: true });
  await admin.disconnect();
  const loader = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await loader.connect();
  for (let i = 0; i < events.length; i += 1000) {
    await loader.send({ topic: from, messages: events.slice(i, i + 1000).map((e) => ({ key: e.key, value: e.value })) });
  }
  await loader.disconnect();

  const dataSource = createDataSource(databaseUrl);
  await dataSource.initialize();
  await migrate(dataSource);
  const inbox = new InboxStore();
  const outbox = new OutboxStore();
  const audit = new AuditStore(shape.auditChainKey ?? randomBytes(32));
  const producer = await connectIdempotentProducer(kafka, KAFKA_RETRY);

  // Read what the relay publishes, from the start (as the bench's reader of the hub's outbound
  // topics does during the hub's saturation phase), to time the paced events' first delivery.
  const reader = await readArrivals(kafka, `${prefix}floor-reader`, [to], eventIdOf);
  const firstDelivery = reader.first;

  const total = events.length + load.paced.length;
  // What shareOf gives the first n events, in all.
  const messagesOf = (n: number) => Math.floor(n * shape.messagesPerEvent);
  const expectedMessages = messagesOf(total);
  let consumed = 0;
  let published = 0;
  let transactions = 0;
  let ordinal = 0;
  let failure: unknown;
  let nudged = false;
  let wake: (() => void) | undefined;
  const nudge = () => {
    nudged = true;
    wake?.();
  };

  const consumer = kafka.consumer({ groupId: `${prefix}floor` });
  await consumer.connect();
  await consumer.subscribe({ topics: [from], fromBeginning: true });
  const machineBefore = machineBusySeconds();
  const started = Date.now();

  let relaying = true;
  const relay = (async () => {
    while (relaying) {
      const sent = await dataSource.transaction(async (db) => {
        const pending = await outbox.pending(db, shape.relayBatch);
        if (pending.length === 0) return 0;
        const messages: Message[] = pending.map((m) => ({ key: m.key, value: m.value, headers: m.headers }));
        await producer.send({ topic: to, acks: -1, messages });
        await outbox.markPublished(db, pending[pending.length - 1].seq);
        return pending.length;
      });
      published += sent;
      if (sent === 0 && !nudged) await new Promise<void>((resolve) => { wake = resolve; setTimeout(resolve, 200); });
      nudged = false;
      wake = undefined;
    }
  })().catch((error: unknown) => { failure = error; });

  await consumer.run({
    autoCommit: false,
    partitionsConsumedConcurrently: 3,
    eachBatch: async ({ batch, heartbeat }) => {
      for (let at = 0; at < batch.messages.length; at += shape.groupSize) {
        const group = batch.messages.slice(at, at + shape.groupSize);
        const families = new Map<string, null>();
        const entries: InboxEntry[] = [];
        const messages: OutboxMessage[] = [];
        const records: AuditFields[] = [];
        const now = new Date().toISOString();
        for (const m of group) {
          const event = JSON.parse(m.value!.toString('utf8')) as { id: string; source: string; type: string; time: string; data: unknown };
          const familyId = familyIdOf(m.key!.toString('utf8'));
          const i = ordinal++;
          families.set(familyId, null);
          entries.push({
            source: event.source, eventId: event.id, type: event.type, occurredAt: event.time, familyId, topic: batch.topic,
            partition: batch.partition, offset: m.offset, payloadSha256: createHash('sha256').update(m.value!).digest(), data: event.data,
          });
          const sends = shareOf(i, shape.messagesPerEvent);
          const audits = sends + shareOf(i, Math.max(0, shape.auditsPerEvent - shape.messagesPerEvent));
          for (let k = 0; k < audits; k++) {
            const messageId = k < sends ? randomUUID() : null;
            if (messageId) {
              messages.push({ messageId, topic: to, key: familyId, familyId, value: m.value, headers: { 'content-type': 'application/cloudevents+json; charset=UTF-8', 'ketenhub-message-id': messageId } });
            }
            records.push({
              auditId: randomUUID(), action: 'DISCLOSE', occurredAt: now, outcome: messageId ? 'SUCCESS' : 'REFUSED', systemId: 'ketenhub-floor',
              actorPartnerId: event.source, actorRole: 'BENCH', recipientPartnerId: `partner-${k}`, purpose: 'floor', accessPoint: `kafka:${to}`,
              familyId, dataCategories: [event.type], legalBasis: 'floor', ruleId: 'floor', configVersion: 'floor', messageId, causationId: event.id,
            });
          }
        }
        await dataSource.transaction(async (db) => {
          await insertRows(db, 'family', 'id uuid, municipality text', [...families.keys()].map((id) => [id, null]), 'ON CONFLICT (id) DO NOTHING');
          await inbox.recordAll(db, entries);
          await outbox.add(db, messages);
          await audit.append(db, records);
        }).catch((error: unknown) => {
          // The bench stops on it rather than wait for a count that can no longer come.
          failure ??= error;
          throw error;
        });
        transactions++;
        nudge();
        const last = group[group.length - 1];
        await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() }]);
        consumed += group.length;
        await heartbeat();
      }
    },
  });

  const expectedAtSaturation = messagesOf(events.length);
  const drain = async (toConsume: number, toPublish: number) => {
    let lastProgress = Date.now();
    while ((consumed < toConsume || published < toPublish) && failure === undefined) {
      await sleep(50);
      if (Date.now() - lastProgress > 2000) {
        progress(`floor: consumed ${consumed}/${toConsume}, published ${published}/${toPublish}`);
        lastProgress = Date.now();
      }
    }
  };
  try {
    await drain(events.length, expectedAtSaturation);
    const seconds = (Date.now() - started) / 1000;
    const machineCores = (machineBusySeconds() - machineBefore) / seconds;

    // Paced, as the bench paces the hub.
    const sentAt = new Map<string, number>();
    const pacer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await pacer.connect();
    const machinePacedBefore = machineBusySeconds();
    const rateStart = Date.now();
    await pace(load.paced, load.rate, (slice) => {
      if (failure !== undefined) throw failure;
      return pacer.send({ topic: from, acks: -1, messages: slice.map((e) => ({ key: e.key, value: e.value })) });
    }, sentAt).finally(() => pacer.disconnect());
    const machineCoresPaced = (machineBusySeconds() - machinePacedBefore) / ((Date.now() - rateStart) / 1000);
    await drain(total, expectedMessages);
    // Every event's messages are published here, but the reader may be a fetch behind the relay.
    const readBy = Date.now() + 10_000;
    while (load.paced.some((e) => !firstDelivery.has(e.id)) && Date.now() < readBy) await sleep(100);
    const latencies = load.paced.flatMap((e) => (firstDelivery.has(e.id) && sentAt.has(e.id) ? [firstDelivery.get(e.id)! - sentAt.get(e.id)!] : [])).sort((a, b) => a - b);
    if (failure !== undefined) throw failure;
    return { eventsPerSecond: events.length / seconds, machineCores, transactions, latencies, machineCoresPaced };
  } finally {
    relaying = false;
    wake?.();
    await relay;
    await consumer.disconnect();
    await reader.consumer.disconnect();
    await producer.disconnect();
    await dataSource.destroy();
  }
}
