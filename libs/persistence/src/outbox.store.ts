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
    await db.query('SELECT 1 FROM audit_head WHERE id = 1 FOR UPDATE');
    await insertRows(db, 'INSERT INTO outbox (message_id, topic, message_key, value, headers, family_id)',
      messages.map((m) => [m.messageId, m.topic, m.key, m.value, JSON.stringify(m.headers), m.familyId]), 'ON CONFLICT (message_id) DO NOTHING');
  }

  /** Unpublished messages after seq `after`, in seq order ('0': from the start). */
  async pending(db: EntityManager, after: string, limit: number): Promise<PendingMessage[]> {
    const rows: Array<{ seq: string; message_id: string; topic: string; message_key: string | null; value: Buffer | null; headers: Record<string, string>; family_id: string | null }> =
      await db.query(
        `SELECT seq, message_id, topic, message_key, value, headers, family_id FROM outbox
         WHERE seq > $1 AND published_at IS NULL ORDER BY seq LIMIT $2`, [after, limit]);
    return rows.map((r) => ({ seq: r.seq, messageId: r.message_id, topic: r.topic, key: r.message_key, value: r.value, headers: r.headers, familyId: r.family_id }));
  }

  async markPublished(db: EntityManager, seqs: string[]): Promise<void> {
    await db.query('UPDATE outbox SET published_at = now() WHERE seq = ANY($1::bigint[])', [seqs]);
  }

  async backlog(db: EntityManager): Promise<number> {
    const rows: Array<{ n: string }> = await db.query('SELECT count(*) AS n FROM outbox WHERE published_at IS NULL');
    return Number(rows[0].n);
  }
}
