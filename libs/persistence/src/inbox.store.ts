import type { EntityManager } from 'typeorm';
import { insertRows } from './sql';

export interface InboxEntry {
  source: string;
  eventId: string;
  type: string;
  occurredAt: string;
  familyId: string;
  topic: string;
  partition: number;
  offset: string;
  payloadSha256: Buffer;
  data: unknown;
}

export interface RejectionEntry {
  topic: string;
  partition: number;
  offset: string;
  partnerId: string;
  reason: string;
  errors: unknown;
  eventId?: string;
  eventType?: string;
}

/** What the hub has taken in: accepted events by (source, id), rejected messages by their place on the topic. */
export class InboxStore {
  async payloadHashOf(db: EntityManager, source: string, eventId: string): Promise<Buffer | undefined> {
    const rows: Array<{ payload_sha256: Buffer }> = await db.query(
      'SELECT payload_sha256 FROM inbox WHERE source = $1 AND event_id = $2', [source, eventId]);
    return rows[0]?.payload_sha256;
  }

  /** The payload hashes of those of these events accepted before, by `${source} ${id}`: one round trip for a group. */
  async payloadHashesOf(db: EntityManager, events: Array<{ source: string; id: string }>): Promise<Map<string, Buffer>> {
    if (events.length === 0) return new Map();
    const rows: Array<{ source: string; event_id: string; payload_sha256: Buffer }> = await db.query(
      `SELECT i.source, i.event_id, i.payload_sha256 FROM inbox i
       JOIN unnest($1::text[], $2::text[]) AS wanted(source, event_id) ON i.source = wanted.source AND i.event_id = wanted.event_id`,
      [events.map((e) => e.source), events.map((e) => e.id)]);
    return new Map(rows.map((r) => [`${r.source} ${r.event_id}`, r.payload_sha256]));
  }

  async recordAll(db: EntityManager, entries: InboxEntry[]): Promise<void> {
    await insertRows(db, 'inbox',
      'source text, event_id text, type text, occurred_at timestamptz, family_id uuid, topic text, kafka_partition int4, kafka_offset int8, payload_sha256 bytea, data jsonb',
      entries.map((e) => [e.source, e.eventId, e.type, e.occurredAt, e.familyId, e.topic, e.partition, e.offset, e.payloadSha256, JSON.stringify(e.data)]));
  }

  /**
   * Records rejections once per topic position, in one statement; per entry, in order, whether it
   * is new (false: this message was rejected before, and is a redelivery).
   */
  async rejectAll(db: EntityManager, entries: RejectionEntry[]): Promise<boolean[]> {
    const added = await insertRows<{ topic: string; kafka_partition: number; kafka_offset: string }>(db,
      'rejection', 'topic text, kafka_partition int4, kafka_offset int8, partner_id text, reason text, errors jsonb, event_id text, event_type text',
      entries.map((r) => [r.topic, r.partition, r.offset, r.partnerId, r.reason, JSON.stringify(r.errors), r.eventId ?? null, r.eventType ?? null]),
      'ON CONFLICT (topic, kafka_partition, kafka_offset) DO NOTHING RETURNING topic, kafka_partition, kafka_offset');
    const fresh = new Set(added.map((r) => `${r.topic} ${r.kafka_partition} ${r.kafka_offset}`));
    return entries.map((r) => fresh.has(`${r.topic} ${r.partition} ${r.offset}`));
  }
}
