import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Governance: every region configuration the hub ran, who activated it and when; consent as
 * given and revoked; and the NEN 7513 fields the first audit records had no column for (the
 * person acting and whom they acted for).
 */
export class Governance1764000000000 implements MigrationInterface {
  name = 'Governance1764000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE config_version (
        version varchar(64) PRIMARY KEY,
        region varchar(64) NOT NULL,
        -- json, not jsonb: the text is kept as written, so a version rebuilt from it hashes the same.
        content json NOT NULL,
        stored_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE config_activation (
        id bigserial PRIMARY KEY,
        version varchar(64) NOT NULL REFERENCES config_version(version),
        previous_version varchar(64) REFERENCES config_version(version),
        activated_by varchar(200) NOT NULL,
        activated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE consent (
        id uuid PRIMARY KEY,
        family_id uuid NOT NULL REFERENCES family(id),
        -- The child the consent is about, and the person who gave it (both persoonIds).
        subject_person_id uuid NOT NULL REFERENCES person(id),
        given_by_person_id uuid NOT NULL REFERENCES person(id),
        given_by_relation varchar(20) NOT NULL CHECK (given_by_relation IN ('JEUGDIGE', 'OUDER', 'VOOGD', 'GEZAGHEBBER')),
        purpose text NOT NULL,
        recipient_partner_id varchar(64),
        valid_from date NOT NULL,
        valid_until date,
        recorded_by_partner_id varchar(64) NOT NULL,
        -- The recording partner's own reference: a revocation names it.
        consent_ref varchar(100) NOT NULL,
        cause_event_id varchar(200) NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz,
        revoked_cause_event_id varchar(200),
        UNIQUE (recorded_by_partner_id, consent_ref, subject_person_id, given_by_person_id)
      )`);
    await db.query('CREATE INDEX consent_family_idx ON consent (family_id)');
    await db.query('ALTER TABLE audit_log ADD COLUMN actor_person varchar(200), ADD COLUMN on_behalf_of varchar(200)');
    await db.query('CREATE INDEX audit_recipient_idx ON audit_log (recipient_partner_id, occurred_at)');
    await db.query('CREATE INDEX audit_rule_idx ON audit_log (rule_id, occurred_at)');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP INDEX audit_rule_idx');
    await db.query('DROP INDEX audit_recipient_idx');
    await db.query('ALTER TABLE audit_log DROP COLUMN actor_person, DROP COLUMN on_behalf_of');
    await db.query('DROP TABLE consent');
    await db.query('DROP TABLE config_activation');
    await db.query('DROP TABLE config_version');
  }
}
