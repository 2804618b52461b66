import type { EntityManager } from 'typeorm';
import { insertRows } from './sql';

export interface OutboxMessage {
  messageId: string;
  topic: string;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
  familyId: string | null;
}

export interface PendingMessage extends OutboxMessage {
  seq: string;
}

/**
 * SQL for the relay's position: every outbox message with a seq up to it is published, every one
 * after it is not (see OutboxPublished1764300000000). For scripts that count the backlog too.
 */
export const PUBLISHED_UP_TO = '(SELECT coalesce(max(up_to_seq), 0) FROM outbox_published)';

/** Messages written in the same transaction as the effect that caused them; the relay publishes them in seq order. */
export class OutboxStore {
  /**
   * Adds messages, taking their seqs under the audit chain head's row lock, which the transaction
   * holds until it ends (audit appends take the same lock, so one lock orders both). Seqs therefore
   * become visible in order: once seq n is committed, no lower seq can still appear, and the relay
   * can read on from the last seq it published instead of searching the whole outbox.
   */
  async add(db: EntityManager, messages: OutboxMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await db.query('SELECT 1 FROM audit_head_lock()');
    await insertRows(db, 'outbox', 'message_id uuid, topic text, message_key text, value bytea, headers jsonb, family_id uuid',
      messages.map((m) => [m.messageId, m.topic, m.key, m.value, JSON.stringify(m.headers), m.familyId]), 'ON CONFLICT (message_id) DO NOTHING');
  }

  /** Unpublished messages (those after the relay's position), in seq order. */
  async pending(db: EntityManager, limit: number): Promise<PendingMessage[]> {
    const rows: Array<{ seq: string; message_id: string; topic: string; message_key: string | null; value: Buffer | null; headers: Record<string, string>; family_id: string | null }> =
      await db.query(
        `SELECT seq, message_id, topic, message_key, value, headers, family_id FROM outbox
         WHERE seq > ${PUBLISHED_UP_TO} ORDER BY seq LIMIT $1`, [limit]);
    return rows.map((r) => ({ seq: r.seq, messageId: r.message_id, topic: r.topic, key: r.message_key, value: r.value, headers: r.headers, familyId: r.family_id }));
  }

  /** Every message up to and including `seq` is published (the relay publishes in seq order). */
  async markPublished(db: EntityManager, upToSeq: string): Promise<void> {
    await db.query('INSERT INTO outbox_published (up_to_seq) VALUES ($1)', [upToSeq]);
  }

  /** One message by its id on one topic (a dead letter for `npm run dead-letter`), while retention keeps it. */
  async find(db: EntityManager, topic: string, messageId: string): Promise<OutboxMessage | undefined> {
    const rows: Array<{ message_id: string; topic: string; message_key: string | null; value: Buffer | null; headers: Record<string, string>; family_id: string | null }> =
      await db.query('SELECT message_id, topic, message_key, value, headers, family_id FROM outbox WHERE topic = $1 AND message_id = $2', [topic, messageId]);
    const r = rows[0];
    return r && { messageId: r.message_id, topic: r.topic, key: r.message_key, value: r.value, headers: r.headers, familyId: r.family_id };
  }

  /**
   * Moves a message the broker refused for good aside, keeping it whole with the broker's reason.
   * Called in the relay's transaction before it marks its position past the message, so the
   * message is either still pending or in quarantine, never neither.
   */
  async quarantine(db: EntityManager, message: PendingMessage, reason: string, detail: string): Promise<void> {
    await db.query(
      `INSERT INTO outbox_quarantine (seq, message_id, topic, message_key, value, headers, family_id, value_bytes, reason, detail)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (seq) DO NOTHING`,
      [message.seq, message.messageId, message.topic, message.key, message.value, JSON.stringify(message.headers), message.familyId,
        message.value?.length ?? 0, reason.slice(0, 100), detail.slice(0, 500)]);
  }

  /** How many messages are in quarantine (for the gauge and its alert). */
  async quarantined(db: EntityManager): Promise<number> {
    const rows: Array<{ n: string }> = await db.query('SELECT count(*) AS n FROM outbox_quarantine');
    return Number(rows[0].n);
  }

  async backlog(db: EntityManager): Promise<number> {
    const rows: Array<{ n: string }> = await db.query(`SELECT count(*) AS n FROM outbox WHERE seq > ${PUBLISHED_UP_TO}`);
    return Number(rows[0].n);
  }
}
