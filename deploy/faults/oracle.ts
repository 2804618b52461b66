/**
 * An independent oracle for "every expected delivery arrived": a second hub that no fault touches,
 * on a database and topic prefix of its own, is given the same events, each family's in the order
 * the hub under faults accepted them. The hub derives every message id from the event and the
 * recipient (apps/hub/src/ids.ts), and a family's routing depends only on that family's events in
 * their order, so the undisturbed hub must write, per event, the very message ids the disturbed
 * one should have delivered. Families are independent, so only the order within a family is kept:
 * round k carries every family's k-th event and the next round waits until the round is accepted.
 * The order is read from the inbox (acceptedBefore: its accepted_seq), which orders a family's
 * events as applied also when one transaction took events of several partitions, or when several
 * transactions ran at once (KAFKA_APPLY_TRANSACTIONS). Deadlines are compared per family and kind
 * (signalsByFamily): timer and family ids are each hub's own, the family's events are not.
 */
import * as path from 'node:path';
import { Kafka, Partitioners } from 'kafkajs';
import { Client } from 'pg';
import type { ChainEvent } from '../bench/chain-mix';
import { hubEnv, HubSupervisor } from './hub-process';
import { DUE_UNFIRED_TIMERS, readDeadlines } from './collect';
import { acceptedBefore, signalsByFamily, type InboxRow } from './verify';

export interface OracleResult {
  /** Per causing event id, the ids of the messages the undisturbed hub wrote for it. */
  expected: Map<string, Set<string>>;
  /** What it signalled per family and deadline kind (signalsByFamily), once every deadline due had fired. */
  signals: Map<string, Set<string>>;
  events: number;
}

export async function runOracle(options: {
  kafka: Kafka; brokers: string; adminDatabaseUrl: string; workDir: string;
  /** The events to replay (the acknowledged ones) and when the hub under faults accepted each. */
  events: ChainEvent[]; acceptedAt: InboxRow[];
  until: number; say: (line: string) => void;
}): Promise<OracleResult> {
  const { kafka, say } = options;
  const databaseUrl = await createDatabase(options.adminDatabaseUrl, 'oracle');
  const prefix = 'oracle.';
  const rounds = roundsInAcceptanceOrder(options.events, options.acceptedAt);
  const hub = new HubSupervisor(hubEnv({ brokers: options.brokers, databaseUrl, prefix }), path.join(options.workDir, 'oracle-hub.log'), say);
  hub.start();
  const db = new Client({ connectionString: databaseUrl });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  try {
    await hub.waitReady(120_000);
    await db.connect();
    await producer.connect();
    for (const [k, round] of rounds.entries()) {
      for (let i = 0; i < round.length; i += 500) {
        const byTopic = new Map<string, ChainEvent[]>();
        for (const e of round.slice(i, i + 500)) byTopic.set(`${prefix}inbound.${e.partner}`, [...(byTopic.get(`${prefix}inbound.${e.partner}`) ?? []), e]);
        await producer.sendBatch({
          acks: -1,
          topicMessages: [...byTopic].map(([topic, list]) => ({ topic, messages: list.map((e) => ({ key: e.key, value: Buffer.from(JSON.stringify(e.event)) })) })),
        });
      }
      const ids = round.map((e) => e.event.id);
      for (;;) {
        const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM inbox WHERE event_id = ANY($1)', [ids]);
        if (rows[0].n === ids.length) break;
        if (!hub.isRunning()) throw new Error(`the oracle hub exited during round ${k + 1}; its last lines:\n${hub.lastLines(20).join('\n')}`);
        if (Date.now() > options.until) throw new Error(`the oracle hub had accepted ${rows[0].n} of round ${k + 1}'s ${ids.length} events when time ran out`);
        await new Promise((r) => setTimeout(r, 500));
      }
      say(`oracle: round ${k + 1} of ${rounds.length} accepted (${ids.length} events)`);
    }
    // Deadlines that fell due fire on the hub's next poll of its timers.
    for (;;) {
      const { rows: [{ n }] } = await db.query<{ n: number }>(DUE_UNFIRED_TIMERS);
      if (n === 0) break;
      if (Date.now() > options.until) throw new Error(`the oracle hub still had ${n} deadlines due and not fired when time ran out`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const signals = signalsByFamily(await readDeadlines(async (sql, params) => (await db.query(sql, params)).rows, prefix));
    // Outbox rows are written in the transaction that accepted their cause: all are there now.
    const { rows } = await db.query<{ message_id: string; causation: string | null }>(
      `SELECT message_id, convert_from(value, 'UTF8')::jsonb->>'causationid' AS causation FROM outbox WHERE topic LIKE $1`, [`${prefix}outbound.%`]);
    const expected = new Map<string, Set<string>>();
    for (const r of rows) {
      // Deadlines are the hub's own causes, numbered per database: not comparable between two hubs.
      if (r.causation === null || r.causation.startsWith('timer:')) continue;
      expected.set(r.causation, (expected.get(r.causation) ?? new Set()).add(r.message_id));
    }
    return { expected, signals, events: options.events.length };
  } finally {
    await producer.disconnect().catch(() => undefined);
    await db.end().catch(() => undefined);
    await hub.stop();
    await hub.close();
  }
}

/** Round k holds every family's k-th event in the order the hub under faults accepted them. */
export function roundsInAcceptanceOrder(events: ChainEvent[], acceptedAt: InboxRow[]): ChainEvent[][] {
  const at = new Map(acceptedAt.map((r) => [r.eventId, r]));
  const families = new Map<number, ChainEvent[]>();
  for (const e of events) {
    if (!at.has(e.event.id)) continue;
    families.set(e.family, [...(families.get(e.family) ?? []), e]);
  }
  const rounds: ChainEvent[][] = [];
  for (const list of families.values()) {
    list.sort((a, b) => (acceptedBefore(at.get(a.event.id)!, at.get(b.event.id)!) ? -1 : 1));
    list.forEach((e, k) => (rounds[k] ??= []).push(e));
  }
  return rounds;
}

async function createDatabase(adminUrl: string, name: string): Promise<string> {
  const url = new URL(adminUrl);
  url.pathname = '/postgres';
  const admin = new Client({ connectionString: url.toString() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  url.pathname = `/${name}`;
  return url.toString();
}
