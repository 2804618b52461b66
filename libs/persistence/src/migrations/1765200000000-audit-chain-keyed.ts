import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit chain's defences against the hub's own login (issue 21, part 3).
 *
 * - The head moves only through the database: an AFTER INSERT trigger on audit_log (a SECURITY
 *   DEFINER function owned by the migrations' owner, with a fixed search_path) locks the head,
 *   checks that the new records follow it (the first links to the head's hash, each next one to
 *   the record before it, and every seq is above the head's last) and advances it itself. No
 *   login but the owner may write audit_head; the hub gets `audit_head_lock()` to take the head's
 *   row lock (the order lock the outbox shares), which only reads.
 * - The chain is keyed from here on: records after `audit_chain.keyed_from_seq` are chained with
 *   HMAC-SHA256 under AUDIT_CHAIN_KEY, which the database never sees. Records up to it (those
 *   written before this migration) stay as they were, SHA-256, and are verified as such; the
 *   checkpoint is the last of them (0 on a new database). audit:verify compares it with
 *   AUDIT_CHAIN_KEYED_FROM (default 0), so moving it is detected too.
 * - Functions are not executable by PUBLIC, and nobody but the owner may create objects in the
 *   schema. Which privileges the hub's login gets is `grantHubRole` (data-source.ts), run after
 *   every migration, so tables added later are granted too.
 */
export class AuditChainKeyed1765200000000 implements MigrationInterface {
  name = 'AuditChainKeyed1765200000000';

  async up(db: QueryRunner): Promise<void> {
    const [{ schema }] = await db.query('SELECT quote_ident(current_schema()) AS schema');
    await db.query('LOCK TABLE audit_head, audit_log IN EXCLUSIVE MODE');
    await db.query('ALTER TABLE audit_head ADD COLUMN last_seq bigint NOT NULL DEFAULT 0');
    await db.query('UPDATE audit_head SET last_seq = coalesce((SELECT max(seq) FROM audit_log), 0) WHERE id = 1');
    await db.query(`
      CREATE TABLE audit_chain (
        id smallint PRIMARY KEY CHECK (id = 1),
        keyed_from_seq bigint NOT NULL,
        keyed_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query('INSERT INTO audit_chain (id, keyed_from_seq) SELECT 1, last_seq FROM audit_head WHERE id = 1');
    await db.query(`
      CREATE FUNCTION audit_head_lock() RETURNS TABLE (seq bigint, hash bytea)
      LANGUAGE sql SECURITY DEFINER SET search_path = ${schema}, pg_temp AS $$
        SELECT h.seq, h.hash FROM audit_head h WHERE h.id = 1 FOR UPDATE
      $$`);
    await db.query(`
      CREATE FUNCTION audit_log_advance_head() RETURNS trigger
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = ${schema}, pg_temp AS $$
      DECLARE
        head audit_head%ROWTYPE;
        added_count bigint;
        first_seq bigint;
        last_hash bytea;
        broken bigint;
      BEGIN
        SELECT * INTO head FROM audit_head WHERE id = 1 FOR UPDATE;
        SELECT count(*), min(a.seq), (array_agg(a.hash ORDER BY a.seq DESC))[1] INTO added_count, first_seq, last_hash FROM added a;
        IF added_count = 0 THEN RETURN NULL; END IF;
        IF first_seq <= head.last_seq THEN
          RAISE EXCEPTION 'audit record % is not after the chain head (record %)', first_seq, head.last_seq USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        SELECT l.seq INTO broken FROM (
          SELECT a.seq, a.prev_hash, coalesce(lag(a.hash) OVER (ORDER BY a.seq), head.hash) AS expected FROM added a
        ) l WHERE l.prev_hash IS DISTINCT FROM l.expected ORDER BY l.seq LIMIT 1;
        IF broken IS NOT NULL THEN
          RAISE EXCEPTION 'audit record % does not link to the record before it in the chain', broken USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        UPDATE audit_head SET seq = audit_head.seq + added_count, hash = last_hash,
          last_seq = (SELECT max(a.seq) FROM added a) WHERE id = 1;
        RETURN NULL;
      END $$`);
    await db.query(`
      CREATE TRIGGER audit_log_chain AFTER INSERT ON audit_log REFERENCING NEW TABLE AS added
      FOR EACH STATEMENT EXECUTE FUNCTION audit_log_advance_head()`);
    await db.query(`REVOKE ALL ON FUNCTION audit_head_lock(), audit_log_advance_head(), audit_log_append_only() FROM PUBLIC`);
    await db.query(`REVOKE CREATE ON SCHEMA ${schema} FROM PUBLIC`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TRIGGER audit_log_chain ON audit_log');
    await db.query('DROP FUNCTION audit_log_advance_head()');
    await db.query('DROP FUNCTION audit_head_lock()');
    await db.query('DROP TABLE audit_chain');
    await db.query('ALTER TABLE audit_head DROP COLUMN last_seq');
  }
}
