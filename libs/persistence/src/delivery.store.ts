import type { EntityManager } from 'typeorm';

export type DeliveryStatus = 'PENDING' | 'FAILING' | 'DELIVERED' | 'DEAD' | 'FEED';
export const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['PENDING', 'FAILING', 'DELIVERED', 'DEAD', 'FEED'];

export interface NewDelivery {
  partnerId: string;
  messageId: string;
  eventType: string | null;
  familyId: string | null;
  value: Buffer;
  topic: string;
  partition: number;
  offset: string;
  /** PENDING for a webhook partner (the dispatcher pushes it), FEED for a partner that pulls. */
  status: 'PENDING' | 'FEED';
}

export interface Delivery {
  partnerId: string;
  seq: string;
  messageId: string;
  eventType: string | null;
  familyId: string | null;
  status: DeliveryStatus;
  attempts: number;
  receivedAt: Date;
  nextAttemptAt: Date | null;
  lastAttemptAt: Date | null;
  lastHttpStatus: number | null;
  lastError: string | null;
  deliveredAt: Date | null;
}

export interface DeliveryWithValue extends Delivery {
  value: Buffer;
}

export interface DeliveryFilter {
  partnerId?: string;
  status?: DeliveryStatus;
  messageId?: string;
  familyId?: string;
  eventType?: string;
  from?: Date;
  until?: Date;
}

type Row = {
  partner_id: string; seq: string; message_id: string; event_type: string | null; family_id: string | null; status: DeliveryStatus; attempts: number;
  received_at: Date; next_attempt_at: Date | null; last_attempt_at: Date | null; last_http_status: number | null; last_error: string | null;
  delivered_at: Date | null; value?: Buffer;
};

const COLUMNS = `partner_id, seq, message_id, event_type, family_id, status, attempts, received_at, next_attempt_at, last_attempt_at,
  last_http_status, last_error, delivered_at`;

function toDelivery(r: Row): Delivery {
  return {
    partnerId: r.partner_id, seq: r.seq, messageId: r.message_id, eventType: r.event_type, familyId: r.family_id, status: r.status,
    attempts: r.attempts, receivedAt: r.received_at, nextAttemptAt: r.next_attempt_at, lastAttemptAt: r.last_attempt_at,
    lastHttpStatus: r.last_http_status, lastError: r.last_error, deliveredAt: r.delivered_at,
  };
}

/**
 * What the hub has for each partner connected over HTTPS: one row per message from the partner's
 * outbound topic, in topic order, with its webhook delivery state. The same message read twice
 * (the relay sends at least once) is kept once: (partner, message id) is unique.
 */
export class DeliveryStore {
  /** Adds the message at the partner's next feed position, unless it is there already. True when added. */
  async add(db: EntityManager, d: NewDelivery): Promise<boolean> {
    const exists: unknown[] = await db.query('SELECT 1 FROM partner_delivery WHERE partner_id = $1 AND message_id = $2', [d.partnerId, d.messageId]);
    if (exists.length > 0) return false;
    await db.query('INSERT INTO partner_feed (partner_id) VALUES ($1) ON CONFLICT DO NOTHING', [d.partnerId]);
    // The row lock taken by this UPDATE is held to commit: positions are handed out and become
    // visible in the same order.
    const [rows] = (await db.query('UPDATE partner_feed SET last_seq = last_seq + 1 WHERE partner_id = $1 RETURNING last_seq', [d.partnerId])) as [Array<{ last_seq: string }>, number];
    await db.query(
      `INSERT INTO partner_delivery (partner_id, seq, message_id, event_type, family_id, value, source_topic, source_partition, source_offset, status, next_attempt_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::varchar, CASE WHEN $10::varchar = 'PENDING' THEN now() END)`,
      [d.partnerId, rows[0].last_seq, d.messageId, d.eventType, d.familyId, d.value, d.topic, d.partition, d.offset, d.status]);
    return true;
  }

  /** The partner's messages after a feed position, in order. */
  async after(db: EntityManager, partnerId: string, seq: string, limit: number): Promise<DeliveryWithValue[]> {
    const rows: Row[] = await db.query(
      `SELECT ${COLUMNS}, value FROM partner_delivery WHERE partner_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`, [partnerId, seq, limit]);
    return rows.map((r) => ({ ...toDelivery(r), value: r.value! }));
  }

  /** Remembers where the partner's reader got to, so a reader that lost its cursor resumes there. Never moves back. */
  async acknowledge(db: EntityManager, partnerId: string, seq: string): Promise<void> {
    await db.query(
      `INSERT INTO partner_feed (partner_id, acked_seq) VALUES ($1, $2)
       ON CONFLICT (partner_id) DO UPDATE SET acked_seq = GREATEST(partner_feed.acked_seq, EXCLUDED.acked_seq)`, [partnerId, seq]);
  }

  async acknowledged(db: EntityManager, partnerId: string): Promise<string> {
    const rows: Array<{ acked_seq: string }> = await db.query('SELECT acked_seq FROM partner_feed WHERE partner_id = $1', [partnerId]);
    return rows[0]?.acked_seq ?? '0';
  }

  /** The partner's last feed position (0 when nothing was ever added). */
  async lastSeq(db: EntityManager, partnerId: string): Promise<string> {
    const rows: Array<{ last_seq: string }> = await db.query('SELECT last_seq FROM partner_feed WHERE partner_id = $1', [partnerId]);
    return rows[0]?.last_seq ?? '0';
  }

  /**
   * A webhook partner's oldest messages still to deliver, in order, when the oldest is due; none
   * while it waits for its retry. A later message never overtakes an earlier one still retried.
   */
  async due(db: EntityManager, partnerId: string, limit: number): Promise<DeliveryWithValue[]> {
    const rows: Row[] = await db.query(
      `WITH waiting AS (
         SELECT * FROM partner_delivery WHERE partner_id = $1 AND status IN ('PENDING', 'FAILING') ORDER BY seq LIMIT $2
       )
       SELECT ${COLUMNS}, value FROM waiting
       WHERE (SELECT coalesce(next_attempt_at, now()) <= now() FROM waiting ORDER BY seq LIMIT 1)
       ORDER BY seq`, [partnerId, limit]);
    return rows.map((r) => ({ ...toDelivery(r), value: r.value! }));
  }

  async markDelivered(db: EntityManager, partnerId: string, seq: string, httpStatus: number): Promise<void> {
    await db.query(
      `UPDATE partner_delivery SET status = 'DELIVERED', attempts = attempts + 1, last_attempt_at = now(), last_http_status = $3,
         last_error = NULL, delivered_at = now(), next_attempt_at = NULL WHERE partner_id = $1 AND seq = $2`, [partnerId, seq, httpStatus]);
  }

  /** Records a failed attempt: FAILING with the next attempt's time, or DEAD when none is left. */
  async markFailed(db: EntityManager, partnerId: string, seq: string, failure: { httpStatus: number | null; error: string; nextAttemptAt: Date | null }): Promise<void> {
    await db.query(
      `UPDATE partner_delivery SET status = CASE WHEN $5::timestamptz IS NULL THEN 'DEAD' ELSE 'FAILING' END, attempts = attempts + 1,
         last_attempt_at = now(), last_http_status = $3, last_error = $4, next_attempt_at = $5 WHERE partner_id = $1 AND seq = $2`,
      [partnerId, seq, failure.httpStatus, failure.error.slice(0, 500), failure.nextAttemptAt]);
  }

  async list(db: EntityManager, filter: DeliveryFilter, page: { limit: number; offset: number }): Promise<{ total: number; items: Delivery[] }> {
    const { where, params } = whereOf(filter);
    const [{ n }]: Array<{ n: string }> = await db.query(`SELECT count(*) AS n FROM partner_delivery ${where}`, params);
    const rows: Row[] = await db.query(
      `SELECT ${COLUMNS} FROM partner_delivery ${where} ORDER BY received_at, partner_id, seq LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.limit, page.offset]);
    return { total: Number(n), items: rows.map(toDelivery) };
  }

  /** Queues the matching webhook deliveries again, attempts reset; feed rows are left alone. Returns how many. */
  async resend(db: EntityManager, filter: DeliveryFilter): Promise<number> {
    const { where, params } = whereOf(filter);
    const [, count] = (await db.query(
      `UPDATE partner_delivery SET status = 'PENDING', attempts = 0, next_attempt_at = now(), last_error = NULL
       ${where ? `${where} AND` : 'WHERE'} status <> 'FEED'`, params)) as [unknown, number];
    return count;
  }

  async countByStatus(db: EntityManager): Promise<Array<{ partnerId: string; status: DeliveryStatus; n: number }>> {
    const rows: Array<{ partner_id: string; status: DeliveryStatus; n: string }> = await db.query(
      'SELECT partner_id, status, count(*) AS n FROM partner_delivery GROUP BY partner_id, status');
    return rows.map((r) => ({ partnerId: r.partner_id, status: r.status, n: Number(r.n) }));
  }
}

function whereOf(filter: DeliveryFilter): { where: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    clauses.push(sql.replace('?', `$${params.length}`));
  };
  if (filter.partnerId) add('partner_id = ?', filter.partnerId);
  if (filter.status) add('status = ?', filter.status);
  if (filter.messageId) add('message_id = ?', filter.messageId);
  if (filter.familyId) add('family_id = ?::uuid', filter.familyId);
  if (filter.eventType) add('event_type = ?', filter.eventType);
  if (filter.from) add('received_at >= ?', filter.from);
  if (filter.until) add('received_at < ?', filter.until);
  return { where: clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '', params };
}
