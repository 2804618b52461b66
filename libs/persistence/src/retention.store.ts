import type { EntityManager } from 'typeorm';

/** The relay's position as it stood at $1: every outbox seq up to it was published before then. */
const PUBLISHED_BEFORE = '(SELECT coalesce(max(up_to_seq), 0) FROM outbox_published WHERE published_at < $1)';

/** A retention period as PostgreSQL interval parts: calendar years and months, not a fixed number of days. */
export interface RetentionInterval {
  years: number;
  months: number;
  weeks: number;
  days: number;
}

/**
 * Every table that holds a family's data besides `family` itself, in the order they are emptied
 * (rows that reference a person or the family first). The audit trail is not here: it is the
 * evidence, append-only, and keeps only pseudonymous ids. `outbox.family_id` has no foreign key
 * but is the family's messages all the same, and so are a family's messages in quarantine
 * (`outbox_quarantine`: the broker refused them for good).
 */
export const FAMILY_DATA_TABLES = ['partner_delivery', 'consent', 'timer', 'regie_history', 'regie_of_record', 'involvement', 'inbox', 'outbox', 'outbox_quarantine', 'person'] as const;

/** Tables that may hold a family_id but are not the family's record and are never emptied by retention. */
const NOT_FAMILY_DATA = new Set(['audit_log']);

export interface ExpiredFamily {
  familyId: string;
  /** The later of its last event's occurrence and receipt (or the family's creation if it has no events). */
  lastActivity: Date;
}

export interface LockedBatch {
  /** Families locked and still expired once locked: these may be removed in this transaction. */
  families: ExpiredFamily[];
  /** How many candidates the search returned (the caller pages on with the last one). */
  candidates: number;
  lastCandidate: string | undefined;
}

/** Rows removed per table (only tables that had any). */
export type RemovedRows = Record<string, number>;

/**
 * SQL of the retention job. Each method runs in the caller's transaction: the caller removes a
 * batch and writes its audit records in one transaction, so nothing is removed without its record.
 */
export class RetentionStore {
  /** The moment before which data of a category is expired, on the database's clock (one clock for every hub). */
  async cutoff(db: EntityManager, period: RetentionInterval): Promise<Date> {
    const rows: Array<{ cutoff: Date }> = await db.query(
      'SELECT now() - make_interval(years => $1, months => $2, weeks => $3, days => $4) AS cutoff',
      [period.years, period.months, period.weeks, period.days]);
    return rows[0].cutoff;
  }

  /**
   * Tables that reference family or person (or carry a family_id) that this store does not know.
   * Removing a family while such a table exists would fail on its foreign key or leave its rows
   * behind; the job refuses instead and names the table. Read from the catalogue, not
   * information_schema: that shows only tables the login has rights on, and the hub's login has
   * none on a table a migration added before the grants were renewed.
   */
  async unknownFamilyTables(db: EntityManager): Promise<string[]> {
    const rows: Array<{ name: string }> = await db.query(
      `SELECT c.conrelid::regclass::text AS name FROM pg_constraint c
       WHERE c.contype = 'f' AND c.confrelid IN (to_regclass('family'), to_regclass('person')) AND c.conrelid <> c.confrelid
       UNION
       SELECT a.attrelid::regclass::text FROM pg_attribute a JOIN pg_class t ON t.oid = a.attrelid
       WHERE t.relnamespace = current_schema()::regnamespace AND t.relkind IN ('r', 'p') AND a.attname = 'family_id' AND NOT a.attisdropped`);
    const known = new Set<string>(FAMILY_DATA_TABLES);
    return rows.map((r) => r.name).filter((name) => !known.has(name) && !NOT_FAMILY_DATA.has(name)).sort();
  }

  /**
   * Finds up to `limit` families, after `after` in id order, whose last activity is before the
   * cutoff, and locks them. Families being written right now are skipped (SKIP LOCKED): they are
   * not expired anyway. Once locked, each is checked again in a fresh statement, so an event
   * committed between the search and the lock keeps its family.
   */
  async lockExpiredFamilies(db: EntityManager, cutoff: Date, limit: number, after: string | undefined): Promise<LockedBatch> {
    const candidates: Array<{ id: string }> = await db.query(
      `SELECT f.id FROM family f
       WHERE f.created_at < $1 AND ($3::uuid IS NULL OR f.id > $3::uuid)
         AND NOT EXISTS (SELECT 1 FROM inbox i WHERE i.family_id = f.id AND (i.occurred_at >= $1 OR i.received_at >= $1))
       ORDER BY f.id LIMIT $2
       FOR UPDATE OF f SKIP LOCKED`, [cutoff, limit, after ?? null]);
    const ids = candidates.map((c) => c.id);
    return { families: await this.stillExpired(db, ids, cutoff), candidates: ids.length, lastCandidate: ids.at(-1) };
  }

  async countExpiredFamilies(db: EntityManager, cutoff: Date): Promise<number> {
    const rows: Array<{ n: string }> = await db.query(
      `SELECT count(*) AS n FROM family f
       WHERE f.created_at < $1
         AND NOT EXISTS (SELECT 1 FROM inbox i WHERE i.family_id = f.id AND (i.occurred_at >= $1 OR i.received_at >= $1))`, [cutoff]);
    return Number(rows[0].n);
  }

  /** Removes the families and everything that holds their data, in FAMILY_DATA_TABLES order; tables not (yet) in this database are passed over. */
  async removeFamilies(db: EntityManager, familyIds: string[]): Promise<RemovedRows> {
    const removed: RemovedRows = {};
    if (familyIds.length === 0) return removed;
    const present = await this.presentTables(db, FAMILY_DATA_TABLES);
    for (const table of FAMILY_DATA_TABLES.filter((t) => present.has(t))) {
      const n = await this.deleteCounted(db, `DELETE FROM ${table} WHERE family_id = ANY($1::uuid[])`, [familyIds]);
      if (n > 0) removed[table] = n;
    }
    removed.family = await this.deleteCounted(db, 'DELETE FROM family WHERE id = ANY($1::uuid[])', [familyIds]);
    return removed;
  }

  /**
   * Removes up to `limit` outbox messages published before the cutoff: those up to the relay's
   * position as it stood at the cutoff (outbox_published). Unpublished messages are never
   * touched, however old. Once none of them is left, position rows older than the last one before
   * the cutoff say nothing more, and go too.
   */
  async removePublishedMessages(db: EntityManager, cutoff: Date, limit: number): Promise<number> {
    const removed = await this.deleteCounted(db,
      `DELETE FROM outbox WHERE seq IN (
         SELECT seq FROM outbox WHERE seq <= ${PUBLISHED_BEFORE} ORDER BY seq LIMIT $2 FOR UPDATE SKIP LOCKED)`, [cutoff, limit]);
    if (removed < limit) {
      await db.query(`DELETE FROM outbox_published WHERE up_to_seq < ${PUBLISHED_BEFORE}`, [cutoff]);
    }
    return removed;
  }

  async countPublishedMessages(db: EntityManager, cutoff: Date): Promise<number> {
    const rows: Array<{ n: string }> = await db.query(`SELECT count(*) AS n FROM outbox WHERE seq <= ${PUBLISHED_BEFORE}`, [cutoff]);
    return Number(rows[0].n);
  }

  /** Removes up to `limit` rejection records received before the cutoff. */
  async removeRejections(db: EntityManager, cutoff: Date, limit: number): Promise<number> {
    return this.deleteCounted(db,
      `DELETE FROM rejection WHERE id IN (
         SELECT id FROM rejection WHERE received_at < $1 ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)`, [cutoff, limit]);
  }

  async countRejections(db: EntityManager, cutoff: Date): Promise<number> {
    const rows: Array<{ n: string }> = await db.query('SELECT count(*) AS n FROM rejection WHERE received_at < $1', [cutoff]);
    return Number(rows[0].n);
  }

  private async stillExpired(db: EntityManager, ids: string[], cutoff: Date): Promise<ExpiredFamily[]> {
    if (ids.length === 0) return [];
    // GREATEST skips NULLs: a family without events counts from its creation.
    const rows: Array<{ id: string; last_activity: Date }> = await db.query(
      `SELECT f.id, GREATEST(max(i.occurred_at), max(i.received_at), f.created_at) AS last_activity
       FROM family f LEFT JOIN inbox i ON i.family_id = f.id
       WHERE f.id = ANY($1::uuid[])
       GROUP BY f.id
       HAVING GREATEST(max(i.occurred_at), max(i.received_at), f.created_at) < $2
       ORDER BY f.id`, [ids, cutoff]);
    return rows.map((r) => ({ familyId: r.id, lastActivity: new Date(r.last_activity) }));
  }

  /** Runs a DELETE and returns how many rows it removed (as a SELECT, so the count does not depend on the driver's shape for DELETE results). */
  private async deleteCounted(db: EntityManager, deleteSql: string, params: unknown[]): Promise<number> {
    const rows: Array<{ n: string }> = await db.query(`WITH gone AS (${deleteSql} RETURNING 1) SELECT count(*) AS n FROM gone`, params);
    return Number(rows[0].n);
  }

  private async presentTables(db: EntityManager, tables: readonly string[]): Promise<Set<string>> {
    const rows: Array<{ name: string }> = await db.query(
      'SELECT t AS name FROM unnest($1::text[]) AS t WHERE to_regclass(t) IS NOT NULL', [[...tables]]);
    return new Set(rows.map((r) => r.name));
  }
}
