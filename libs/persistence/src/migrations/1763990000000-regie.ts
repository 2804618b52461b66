import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The regie of record (one row per family: the primary key is the "exactly one"), its history, and timers. */
export class Regie1763990000000 implements MigrationInterface {
  name = 'Regie1763990000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE regie_of_record (
        family_id uuid PRIMARY KEY REFERENCES family(id),
        regisseur_role varchar(30),
        regisseur_partner varchar(64),
        veiligheid_role varchar(30),
        veiligheid_partner varchar(64),
        row_id varchar(64),
        table_name varchar(64) NOT NULL,
        table_version varchar(64) NOT NULL,
        config_version varchar(64) NOT NULL,
        cause_event_id varchar(200) NOT NULL,
        since timestamptz NOT NULL,
        gap_raised boolean NOT NULL DEFAULT false,
        CHECK ((regisseur_role IS NULL) = (row_id IS NULL))
      )`);
    await db.query(`
      CREATE TABLE regie_history (
        id bigserial PRIMARY KEY,
        family_id uuid NOT NULL REFERENCES family(id),
        recorded_at timestamptz NOT NULL DEFAULT now(),
        kind varchar(20) NOT NULL CHECK (kind IN ('REGISSEUR', 'VEILIGHEID', 'REGIE_GAT')),
        from_role varchar(30),
        from_partner varchar(64),
        to_role varchar(30),
        to_partner varchar(64),
        row_id varchar(64),
        table_name varchar(64) NOT NULL,
        table_version varchar(64) NOT NULL,
        config_version varchar(64) NOT NULL,
        cause_event_id varchar(200) NOT NULL
      )`);
    await db.query('CREATE INDEX regie_history_family_idx ON regie_history (family_id, id)');
    await db.query('ALTER TABLE involvement ADD COLUMN dossier_sent_at timestamptz');
    await db.query(`
      CREATE TABLE timer (
        id bigserial PRIMARY KEY,
        family_id uuid NOT NULL REFERENCES family(id),
        kind varchar(60) NOT NULL,
        timer_key varchar(200) NOT NULL,
        due_at timestamptz NOT NULL,
        warn_at timestamptz,
        person_id uuid,
        warned_at timestamptz,
        fired_at timestamptz,
        cancelled_at timestamptz,
        UNIQUE (family_id, timer_key)
      )`);
    await db.query('CREATE INDEX timer_due_idx ON timer (due_at) WHERE fired_at IS NULL AND cancelled_at IS NULL');
    await db.query('CREATE INDEX timer_warn_idx ON timer (warn_at) WHERE warned_at IS NULL AND fired_at IS NULL AND cancelled_at IS NULL');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE timer');
    await db.query('ALTER TABLE involvement DROP COLUMN dossier_sent_at');
    await db.query('DROP TABLE regie_history');
    await db.query('DROP TABLE regie_of_record');
  }
}
