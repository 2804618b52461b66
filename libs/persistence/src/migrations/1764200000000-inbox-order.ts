import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The order in which the hub accepted events. One transaction may accept events of several
 * partitions and partners (group commit across partitions), all with the same received_at, so
 * received_at and the Kafka offset no longer tell which came first. accepted_seq does: a group
 * writes its inbox rows in the order it applied them, and a transaction touching a family writes
 * them only after it holds the family's lock, so per family the seq order is the order in which
 * the family's events were applied. Rows that exist before this migration get seqs in no
 * particular order.
 */
export class InboxOrder1764200000000 implements MigrationInterface {
  name = 'InboxOrder1764200000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE inbox ADD COLUMN accepted_seq bigint GENERATED ALWAYS AS IDENTITY');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE inbox DROP COLUMN accepted_seq');
  }
}
