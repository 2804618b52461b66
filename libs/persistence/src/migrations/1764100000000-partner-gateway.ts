import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The partner gateway: what the hub sends to a partner connected over HTTPS, in the order of its
 * outbound topic, with the state of each webhook delivery. `seq` is the partner's feed position:
 * it is handed out under the row lock on partner_feed, so positions become visible in order and a
 * reader that continues after its cursor never skips one.
 */
export class PartnerGateway1764100000000 implements MigrationInterface {
  name = 'PartnerGateway1764100000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE partner_feed (
        partner_id varchar(64) PRIMARY KEY,
        last_seq bigint NOT NULL DEFAULT 0,
        -- The partner's feed cursor as it last told the hub (GET /feed?after=): where a reader without one resumes.
        acked_seq bigint NOT NULL DEFAULT 0
      )`);
    await db.query(`
      CREATE TABLE partner_delivery (
        partner_id varchar(64) NOT NULL,
        seq bigint NOT NULL,
        message_id varchar(200) NOT NULL,
        event_type varchar(200),
        family_id uuid,
        value bytea NOT NULL,
        source_topic varchar(249) NOT NULL,
        source_partition integer NOT NULL,
        source_offset bigint NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        -- PENDING and FAILING wait for a webhook attempt; DELIVERED and DEAD are done; FEED is pulled.
        status varchar(16) NOT NULL CHECK (status IN ('PENDING', 'FAILING', 'DELIVERED', 'DEAD', 'FEED')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz,
        last_attempt_at timestamptz,
        last_http_status integer,
        last_error varchar(500),
        delivered_at timestamptz,
        PRIMARY KEY (partner_id, seq),
        UNIQUE (partner_id, message_id)
      )`);
    await db.query(`CREATE INDEX partner_delivery_due ON partner_delivery (partner_id, seq) WHERE status IN ('PENDING', 'FAILING')`);
    await db.query('CREATE INDEX partner_delivery_family ON partner_delivery (family_id)');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE partner_delivery');
    await db.query('DROP TABLE partner_feed');
  }
}
