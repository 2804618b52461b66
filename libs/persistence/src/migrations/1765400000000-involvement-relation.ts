import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Involvement is a relation with authority (docs/REGIE.md, "Who is involved, and by which
 * relation"): each row names its relation and legal basis; `first_event_id` is the event that
 * caused it. Rows written before this migration keep NULL there: they were made by the rule that
 * involved every sender, and the privacy officer can tell them apart by it.
 */
export class InvolvementRelation1765400000000 implements MigrationInterface {
  name = 'InvolvementRelation1765400000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE involvement ADD COLUMN relation varchar(40), ADD COLUMN basis varchar(64)');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE involvement DROP COLUMN relation, DROP COLUMN basis');
  }
}
