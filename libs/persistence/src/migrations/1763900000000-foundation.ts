import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The pipeline's tables: families and persons, inbox, rejections, outbox, the audit chain. */
export class Foundation1763900000000 implements MigrationInterface {
  name = 'Foundation1763900000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE family (
        id uuid PRIMARY KEY,
        municipality varchar(6),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE person (
        id uuid PRIMARY KEY,
        family_id uuid NOT NULL REFERENCES family(id),
        bsn_hash bytea NOT NULL UNIQUE,
        bsn_encrypted bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query('CREATE INDEX person_family_idx ON person (family_id)');
    await db.query(`
      CREATE TABLE involvement (
        family_id uuid NOT NULL REFERENCES family(id),
        partner_id varchar(64) NOT NULL,
        since timestamptz NOT NULL,
        first_event_id varchar(200) NOT NULL,
        PRIMARY KEY (family_id, partner_id)
      )`);
    await db.query(`
      CREATE TABLE inbox (
        source varchar(300) NOT NULL,
        event_id varchar(200) NOT NULL,
        type varchar(200) NOT NULL,
        occurred_at timestamptz NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        family_id uuid NOT NULL REFERENCES family(id),
        topic varchar(300) NOT NULL,
        kafka_partition integer NOT NULL,
        kafka_offset bigint NOT NULL,
        payload_sha256 bytea NOT NULL,
        data jsonb NOT NULL,
        PRIMARY KEY (source, event_id)
      )`);
    await db.query('CREATE INDEX inbox_family_idx ON inbox (family_id, occurred_at)');
    await db.query(`
      CREATE TABLE rejection (
        id bigserial PRIMARY KEY,
        topic varchar(300) NOT NULL,
        kafka_partition integer NOT NULL,
        kafka_offset bigint NOT NULL,
        partner_id varchar(64) NOT NULL,
        reason varchar(40) NOT NULL,
        errors jsonb NOT NULL,
        event_id varchar(200),
        event_type varchar(200),
        received_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (topic, kafka_partition, kafka_offset)
      )`);
    await db.query(`
      CREATE TABLE outbox (
        seq bigserial PRIMARY KEY,
        message_id uuid NOT NULL UNIQUE,
        topic varchar(300) NOT NULL,
        message_key varchar(200),
        value bytea,
        headers jsonb NOT NULL DEFAULT '{}',
        family_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz
      )`);
    await db.query('CREATE INDEX outbox_unpublished_idx ON outbox (seq) WHERE published_at IS NULL');
    await db.query(`
      CREATE TABLE audit_log (
        seq bigserial PRIMARY KEY,
        audit_id uuid NOT NULL UNIQUE,
        action varchar(20) NOT NULL,
        occurred_at timestamptz NOT NULL,
        outcome varchar(10) NOT NULL,
        system_id varchar(100) NOT NULL,
        actor_partner_id varchar(64),
        actor_role varchar(30),
        recipient_partner_id varchar(64),
        purpose text,
        access_point varchar(300) NOT NULL,
        family_id uuid,
        data_categories text[] NOT NULL,
        legal_basis varchar(60),
        rule_id varchar(64),
        config_version varchar(64),
        message_id uuid,
        causation_id varchar(200),
        prev_hash bytea NOT NULL,
        hash bytea NOT NULL
      )`);
    await db.query('CREATE INDEX audit_family_idx ON audit_log (family_id, occurred_at)');
    // The chain's head, one row: every audit insert locks it, so the chain has one order.
    await db.query(`CREATE TABLE audit_head (id smallint PRIMARY KEY CHECK (id = 1), seq bigint NOT NULL, hash bytea NOT NULL)`);
    await db.query(`INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, decode(repeat('00', 32), 'hex'))`);
    // Append-only: the application cannot change or remove an audit record.
    await db.query(`
      CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await db.query(`
      CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
      FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TRIGGER audit_log_no_change ON audit_log');
    await db.query('DROP FUNCTION audit_log_append_only');
    for (const table of ['audit_head', 'audit_log', 'outbox', 'rejection', 'inbox', 'involvement', 'person', 'family']) {
      await db.query(`DROP TABLE ${table}`);
    }
  }
}
