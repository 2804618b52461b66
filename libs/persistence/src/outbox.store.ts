import type { EntityManager } from 'typeorm';

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
  async add(db: EntityManager, messages: OutboxMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const params: unknown[] = [];
    const rows = messages.map((m, i) => {
      params.push(m.messageId, m.topic, m.key, m.value, JSON.stringify(m.headers), m.familyId);
      const b = i * 6;
      return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6})`;
    });
    await db.query(
      `INSERT INTO outbox (message_id, topic, message_key, value, headers, family_id) VALUES ${rows.join(', ')}
       ON CONFLICT (message_id) DO NOTHING`, params);
  }

  async pending(db: EntityManager, limit: number): Promise<PendingMessage[]> {
    const rows: Array<{ seq: string; message_id: string; topic: string; message_key: string | null; value: Buffer | null; headers: Record<string, string>; family_id: string | null }> =
      await db.query(
        `SELECT seq, message_id, topic, message_key, value, headers, family_id FROM outbox
         WHERE published_at IS NULL ORDER BY seq LIMIT $1`, [limit]);
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
