import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Outbox messages the broker refused for good (too large, an invalid record, a topic it will not
 * have): the relay moves each here, with the broker's reason, in the same transaction that moves
 * its position past it, so one such message no longer stops every message behind it. The row
 * keeps the message whole (bytes, key, headers) so that operations can see what it was and send
 * it again by hand once the cause is fixed; the outbox's own retention does not touch it.
 */
export class OutboxQuarantine1765100000000 implements MigrationInterface {
  name = 'OutboxQuarantine1765100000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE outbox_quarantine (
        seq bigint PRIMARY KEY,
        message_id uuid NOT NULL,
        topic varchar(300) NOT NULL,
        message_key varchar(200),
        value bytea,
        headers jsonb NOT NULL DEFAULT '{}',
        family_id uuid,
        value_bytes integer NOT NULL,
        reason varchar(100) NOT NULL,
        detail varchar(500) NOT NULL,
        quarantined_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE outbox_quarantine');
  }
}
