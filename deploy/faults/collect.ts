/**
 * Reads what the verifier judges: the hub's inbox, outbox and audit trail (with the chain check
 * the hub's own `audit:verify` runs), and every message on the hub's outgoing topics, read from the
 * beginning by a consumer group of its own.
 */
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { PUBLISHED_UP_TO, verifyAuditChain } from '@ketenhub/persistence';
import type { AuditRow, DeadlineRow, Delivery, InboxRow, OutboxRow, SignalRow, VerifyInput } from './verify';

export async function readDatabase(databaseUrl: string, prefix: string, auditChainKey: Buffer): Promise<Omit<VerifyInput, 'accepted' | 'deliveries' | 'deadlines'> & { deadlines: { rows: DeadlineRow[]; signals: SignalRow[] } }> {
  const db = await new DataSource({ type: 'postgres', url: databaseUrl }).initialize();
  try {
    const inbox: InboxRow[] = (await db.query(
      `SELECT source, event_id, accepted_seq::text AS accepted_seq FROM inbox`,
    )).map((r: { source: string; event_id: string; accepted_seq: string }) => ({
      source: r.source, eventId: r.event_id, acceptedSeq: BigInt(r.accepted_seq),
    }));
    const outbox: OutboxRow[] = (await db.query('SELECT seq::text AS seq, message_id, topic, family_id FROM outbox'))
      .map((r: { seq: string; message_id: string; topic: string; family_id: string | null }) => ({ seq: BigInt(r.seq), messageId: r.message_id, topic: r.topic, familyId: r.family_id }));
    const audit: AuditRow[] = (await db.query('SELECT seq::text AS seq, action, outcome, message_id FROM audit_log'))
      .map((r: { seq: string; action: string; outcome: string; message_id: string | null }) => ({ seq: BigInt(r.seq), action: r.action, outcome: r.outcome, messageId: r.message_id }));
    const check = await verifyAuditChain(db.manager, { key: auditChainKey });
    const deadlines = await readDeadlines((sql, params) => db.query(sql, params), prefix);
    return { inbox, outbox, audit, deadlines, chain: check.ok ? { ok: true } : { ok: false, detail: `${check.problem} at record ${check.firstBadSeq}: ${check.detail}` } };
  } finally {
    await db.destroy();
  }
}

/**
 * The hub's deadlines, each with its family named by the smallest of the family's event ids, and
 * the messages on the outbound topics that signalled them (causation `timer:<id>`).
 */
export async function readDeadlines(query: (sql: string, params: unknown[]) => Promise<unknown[]>, prefix: string): Promise<{ rows: DeadlineRow[]; signals: SignalRow[] }> {
  const rows = (await query(
    `SELECT t.id::text AS id, t.kind, t.due_at, t.warned_at, t.fired_at, t.cancelled_at,
            (SELECT min(i.event_id) FROM inbox i WHERE i.family_id = t.family_id) AS family_key
     FROM timer t`, [])) as Array<{ id: string; kind: string; due_at: Date; warned_at: Date | null; fired_at: Date | null; cancelled_at: Date | null; family_key: string | null }>;
  const signals = (await query(
    `SELECT message_id, topic, e->>'type' AS type, substr(e->>'causationid', 7) AS timer_id
     FROM (SELECT message_id, topic, convert_from(value, 'UTF8')::jsonb AS e FROM outbox WHERE topic LIKE $1) o
     WHERE e->>'causationid' LIKE 'timer:%'`, [`${prefix}outbound.%`])) as Array<{ message_id: string; topic: string; type: string; timer_id: string }>;
  return {
    rows: rows.map((r) => ({
      timerId: r.id, kind: r.kind, familyKey: r.family_key ?? `(no events: family of timer ${r.id})`,
      dueAt: new Date(r.due_at), warnedAt: dateOrNull(r.warned_at), firedAt: dateOrNull(r.fired_at), cancelledAt: dateOrNull(r.cancelled_at),
    })),
    signals: signals.map((r) => ({ timerId: r.timer_id, messageId: r.message_id, type: r.type, recipient: r.topic.slice(`${prefix}outbound.`.length) })),
  };
}

const dateOrNull = (value: Date | null): Date | null => (value === null ? null : new Date(value));

/** Deadlines due now that have not fired yet: the drain waits for them too. */
export const DUE_UNFIRED_TIMERS = 'SELECT count(*)::int AS n FROM timer WHERE fired_at IS NULL AND cancelled_at IS NULL AND due_at <= now()';

/** What the drain waits for: how far the hub is with the events that were acknowledged. */
export async function drainState(db: Pool, accepted: Set<string>): Promise<{ missing: number; backlog: number; inbox: number; outbox: number; dueTimers: number }> {
  const ids = (await db.query<{ event_id: string }>('SELECT event_id FROM inbox')).rows;
  const present = new Set(ids.map((r) => r.event_id));
  let missing = 0;
  for (const id of accepted) if (!present.has(id)) missing++;
  const [{ backlog, outbox }] = (await db.query<{ backlog: number; outbox: number }>(
    `SELECT count(*) FILTER (WHERE seq > ${PUBLISHED_UP_TO})::int AS backlog, count(*)::int AS outbox FROM outbox`)).rows;
  const [{ n: dueTimers }] = (await db.query<{ n: number }>(DUE_UNFIRED_TIMERS)).rows;
  return { missing, backlog, inbox: ids.length, outbox, dueTimers };
}

/**
 * Every message on the outbound topics and the dead-letter topic, each partition read up to the
 * end it had when reading began (the hub is stopped by then, so that is everything).
 */
export async function readTopics(kafka: Kafka, prefix: string, timeoutMs: number): Promise<Delivery[]> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<string, bigint>();
  let topics: string[];
  try {
    topics = (await admin.listTopics()).filter((t) => t.startsWith(`${prefix}outbound.`) || t === `${prefix}ketenhub.deadletter`);
    for (const topic of topics) {
      for (const p of await admin.fetchTopicOffsets(topic)) {
        if (BigInt(p.high) > BigInt(p.low)) ends.set(`${topic}/${p.partition}`, BigInt(p.high));
      }
    }
  } finally {
    await admin.disconnect();
  }
  const deliveries: Delivery[] = [];
  if (ends.size === 0) return deliveries;
  const consumer = kafka.consumer({ groupId: `${prefix}faults-verifier-${Date.now()}`, maxWaitTimeInMs: 200 });
  const remaining = new Set(ends.keys());
  try {
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          const header = m.headers?.['ketenhub-message-id'];
          const event = parsed(m.value);
          deliveries.push({
            topic: batch.topic, partition: batch.partition, offset: BigInt(m.offset),
            messageId: header === undefined ? stringOr(event?.id) : String(Array.isArray(header) ? header[0] : header),
            causationId: stringOr(event?.causationid),
          });
          const at = `${batch.topic}/${batch.partition}`;
          if (BigInt(m.offset) + 1n >= (ends.get(at) ?? 0n)) remaining.delete(at);
        }
      },
    });
    const deadline = Date.now() + timeoutMs;
    while (remaining.size > 0) {
      if (Date.now() > deadline) throw new Error(`could not read the outbound topics to their end within ${timeoutMs} ms; not reached: ${[...remaining].slice(0, 5).join(', ')}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await consumer.disconnect();
  }
  return deliveries;
}

/** The message as a CloudEvent in structured mode, if it is JSON (a dead letter may be anything). */
function parsed(value: Buffer | null): Record<string, unknown> | undefined {
  try {
    const event: unknown = JSON.parse(value?.toString('utf8') ?? 'null');
    return typeof event === 'object' && event !== null ? (event as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const stringOr = (value: unknown): string | null => (typeof value === 'string' ? value : null);
