/**
 * The bench's floor (deploy/bench/floor.ts) on the suite's broker and database: the figure it gives
 * is only a floor if it really wrote and published what every accepted event must cost, so this
 * checks what it left behind.
 */
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { DataSource } from 'typeorm';
import { createDataSource, PUBLISHED_UP_TO, verifyAuditChain } from '@ketenhub/persistence';
import { interleavedMix, type ChainEvent } from '../../deploy/bench/chain-mix';
import { floorPipe } from '../../deploy/bench/floor';
import { createTestDatabase, suiteBrokers, uniquePrefix } from '../support/test-env';

describe('the bench floor', () => {
  let db: DataSource;
  afterAll(async () => {
    if (db?.isInitialized) await db.destroy();
  });

  it('writes inbox, outbox and a verifying audit chain for every event, publishes every message, and times every paced event', async () => {
    const url = await createTestDatabase();
    const auditChainKey = randomBytes(32);
    const kafka = new Kafka({ clientId: 'bench-floor-spec', brokers: suiteBrokers().split(','), logLevel: logLevel.NOTHING });
    const prefix = uniquePrefix();
    const bytes = (e: ChainEvent) => ({ id: e.event.id, key: e.key, value: Buffer.from(JSON.stringify(e.event)) });
    const saturation = interleavedMix(20).map(bytes);
    const paced = interleavedMix(10, 20).map(bytes);
    const lines: string[] = [];
    let busy = 0;

    // Groups of 7 and relay batches of 11, so that batches split into several transactions and
    // the relay needs many looks; 2.6 audit records per event where 2.4 are messages: refusals too.
    const figures = await floorPipe(kafka, prefix, url, { saturation, paced, rate: 200 },
      { messagesPerEvent: 2.4, auditsPerEvent: 2.6, groupSize: 7, relayBatch: 11, auditChainKey }, () => (busy += 0.5), (line) => lines.push(line));

    db = createDataSource(url, 2);
    await db.initialize();
    const [counts] = await db.query(`SELECT (SELECT count(*) FROM inbox)::int AS inbox, (SELECT count(DISTINCT event_id) FROM inbox)::int AS events,
      (SELECT count(*) FROM family)::int AS families, (SELECT count(*) FROM outbox)::int AS outbox,
      (SELECT count(*) FROM outbox WHERE seq > ${PUBLISHED_UP_TO})::int AS unpublished,
      (SELECT count(*) FROM audit_log WHERE outcome = 'SUCCESS' AND message_id IN (SELECT message_id FROM outbox))::int AS disclosed,
      (SELECT count(*) FROM audit_log WHERE outcome = 'REFUSED' AND message_id IS NULL)::int AS refused`);
    // 150 events of 30 families; 150 × 2.4 messages, each audited, and 150 × 0.2 refusals.
    expect(counts).toEqual({ inbox: 150, events: 150, families: 30, outbox: 360, unpublished: 0, disclosed: 360, refused: 30 });
    expect(await db.transaction((tx) => verifyAuditChain(tx, { key: auditChainKey }))).toEqual({ ok: true, records: 390 });

    // Every message reached the outbound topic: 360 on its three partitions.
    const admin = kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(`${prefix}floor.out`);
    await admin.disconnect();
    expect(offsets.reduce((n, p) => n + Number(p.high), 0)).toBe(360);

    expect(figures.latencies).toHaveLength(paced.length);
    expect(figures.latencies.every((ms, i) => ms >= 0 && (i === 0 || ms >= figures.latencies[i - 1]))).toBe(true);
    expect(figures.transactions).toBeGreaterThanOrEqual(Math.ceil(150 / 7));
    expect(figures.eventsPerSecond).toBeGreaterThan(0);
    expect(figures.machineCores).toBeGreaterThan(0);
  }, 120_000);
});
