import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The relay's position instead of a mark on every published row. Outbox seqs become visible in
 * commit order (OutboxStore.add takes them under the audit head's lock), and the relay publishes
 * in seq order, so "published" is a prefix of the seqs: one row per relay batch, (up_to_seq, when),
 * says which prefix and since when. Marking each row was an UPDATE that could not be HOT (its
 * column was in the partial index's predicate): about a tenth of PostgreSQL's statement time.
 *
 * Rows published before this migration: the longest prefix of published rows becomes one position
 * row, dated at the latest of their publication times (so retention keeps them a little longer,
 * never shorter). A published row above an unpublished one, possible only before the outbox order
 * lock, is sent once more (delivery is at least once; receivers drop repeats by message id).
 */
export class OutboxPublished1764300000000 implements MigrationInterface {
  name = 'OutboxPublished1764300000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE outbox_published (
        up_to_seq bigint PRIMARY KEY,
        published_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      INSERT INTO outbox_published (up_to_seq, published_at)
      SELECT max(seq), max(published_at) FROM outbox
      WHERE published_at IS NOT NULL
        AND seq < coalesce((SELECT min(seq) FROM outbox WHERE published_at IS NULL), 9223372036854775807)
      HAVING max(seq) IS NOT NULL`);
    await db.query('DROP INDEX outbox_unpublished_idx');
    await db.query('ALTER TABLE outbox DROP COLUMN published_at');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE outbox ADD COLUMN published_at timestamptz');
    await db.query(`
      UPDATE outbox o SET published_at = p.published_at
      FROM outbox_published p
      WHERE p.up_to_seq = (SELECT min(up_to_seq) FROM outbox_published WHERE up_to_seq >= o.seq)`);
    await db.query('CREATE INDEX outbox_unpublished_idx ON outbox (seq) WHERE published_at IS NULL');
    await db.query('DROP TABLE outbox_published');
  }
}
