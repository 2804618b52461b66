import type { EntityManager } from 'typeorm';
import { insertRows } from './sql';
import type { FamilyEvent } from '@ketenhub/domain';

export interface RegieRecord {
  regisseurRole: string | null;
  regisseurPartner: string | null;
  veiligheidRole: string | null;
  veiligheidPartner: string | null;
  rowId: string | null;
  tableName: string;
  tableVersion: string;
  configVersion: string;
  causeEventId: string;
  gapRaised: boolean;
}

export interface RegieChange {
  kind: 'REGISSEUR' | 'VEILIGHEID' | 'REGIE_GAT';
  fromRole: string | null;
  fromPartner: string | null;
  toRole: string | null;
  toPartner: string | null;
  rowId: string | null;
  tableName: string;
  tableVersion: string;
  configVersion: string;
  causeEventId: string;
}

export interface DesiredTimer {
  kind: string;
  key: string;
  dueAt: string;
  warnAt?: string;
  personId?: string;
}

/** A family's regie of record and its history, its events in happened-order, and its timers. */
export class RegieStore {
  async events(db: EntityManager, familyId: string): Promise<FamilyEvent[]> {
    return (await this.eventsOf(db, [familyId])).get(familyId) ?? [];
  }

  /** Each family's events (time in milliseconds, UTC, as `toISOString` writes it), for many families in one round trip. */
  async eventsOf(db: EntityManager, familyIds: string[]): Promise<Map<string, FamilyEvent[]>> {
    const byFamily = new Map<string, FamilyEvent[]>(familyIds.map((id) => [id, []]));
    if (familyIds.length === 0) return byFamily;
    const rows: Array<{ family_id: string; event_id: string; type: string; time: string; source: string; data: Record<string, unknown> }> = await db.query(
      `SELECT family_id, event_id, type, to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS time, source, data
       FROM inbox WHERE family_id = ANY($1::uuid[]) ORDER BY family_id, occurred_at, event_id COLLATE "C"`, [familyIds]);
    for (const r of rows) {
      byFamily.get(r.family_id)?.push({ id: r.event_id, type: r.type, time: r.time, source: r.source.replace(/^urn:ketenhub:partner:/, ''), data: r.data });
    }
    return byFamily;
  }

  async current(db: EntityManager, familyId: string): Promise<RegieRecord | undefined> {
    return (await this.currentOf(db, [familyId])).get(familyId);
  }

  /** The regie of record of those of these families that have one. */
  async currentOf(db: EntityManager, familyIds: string[]): Promise<Map<string, RegieRecord>> {
    if (familyIds.length === 0) return new Map();
    const rows: Array<Record<string, any>> = await db.query('SELECT * FROM regie_of_record WHERE family_id = ANY($1::uuid[])', [familyIds]);
    return new Map(rows.map((r) => [r.family_id as string, {
      regisseurRole: r.regisseur_role, regisseurPartner: r.regisseur_partner, veiligheidRole: r.veiligheid_role, veiligheidPartner: r.veiligheid_partner,
      rowId: r.row_id, tableName: r.table_name, tableVersion: r.table_version, configVersion: r.config_version, causeEventId: r.cause_event_id, gapRaised: r.gap_raised,
    }]));
  }

  /** Writes each family's regie of record (one row per family; give each family once). */
  async saveAll(db: EntityManager, rows: Array<{ familyId: string; record: RegieRecord; since: string }>): Promise<void> {
    await insertRows(db,
      'regie_of_record', `family_id uuid, regisseur_role text, regisseur_partner text, veiligheid_role text, veiligheid_partner text, row_id text,
       table_name text, table_version text, config_version text, cause_event_id text, since timestamptz, gap_raised boolean`,
      rows.map(({ familyId, record: r, since }) => [familyId, r.regisseurRole, r.regisseurPartner, r.veiligheidRole, r.veiligheidPartner, r.rowId, r.tableName,
        r.tableVersion, r.configVersion, r.causeEventId, since, r.gapRaised]),
      `ON CONFLICT (family_id) DO UPDATE SET regisseur_role = EXCLUDED.regisseur_role, regisseur_partner = EXCLUDED.regisseur_partner,
         veiligheid_role = EXCLUDED.veiligheid_role, veiligheid_partner = EXCLUDED.veiligheid_partner, row_id = EXCLUDED.row_id,
         table_name = EXCLUDED.table_name, table_version = EXCLUDED.table_version, config_version = EXCLUDED.config_version,
         cause_event_id = EXCLUDED.cause_event_id, since = EXCLUDED.since, gap_raised = EXCLUDED.gap_raised`);
  }

  /** Appends changes to the families' regie history, numbered in the order given. */
  async recordAll(db: EntityManager, changes: Array<{ familyId: string; change: RegieChange }>): Promise<void> {
    await insertRows(db,
      'regie_history', `family_id uuid, kind text, from_role text, from_partner text, to_role text, to_partner text, row_id text, table_name text,
       table_version text, config_version text, cause_event_id text`,
      changes.map(({ familyId, change: c }) => [familyId, c.kind, c.fromRole, c.fromPartner, c.toRole, c.toPartner, c.rowId, c.tableName, c.tableVersion, c.configVersion, c.causeEventId]));
  }

  async history(db: EntityManager, familyId: string): Promise<Array<RegieChange & { recordedAt: string }>> {
    const rows: Array<Record<string, any>> = await db.query('SELECT * FROM regie_history WHERE family_id = $1 ORDER BY id', [familyId]);
    return rows.map((r) => ({
      recordedAt: new Date(r.recorded_at).toISOString(), kind: r.kind, fromRole: r.from_role, fromPartner: r.from_partner, toRole: r.to_role, toPartner: r.to_partner,
      rowId: r.row_id, tableName: r.table_name, tableVersion: r.table_version, configVersion: r.config_version, causeEventId: r.cause_event_id,
    }));
  }

  /**
   * Makes each family's open timers exactly what it wants: new ones added, moved ones updated,
   * ones no longer wanted cancelled. Fired timers stay fired. Two statements for all the families.
   * A timer wanted as it is stays untouched: every event re-states its family's timers (the
   * eighteenth birthday on each one), and an update that changes nothing still writes a new row
   * version and its WAL.
   */
  async syncTimersOf(db: EntityManager, wanted: Map<string, DesiredTimer[]>): Promise<void> {
    if (wanted.size === 0) return;
    // A key named twice keeps its last wish (ON CONFLICT cannot touch a row twice).
    const rows = [...wanted].flatMap(([familyId, timers]) => [...new Map(timers.map((t) => [t.key, t])).values()].map((t) => ({ familyId, ...t })));
    if (rows.length > 0) {
      await db.query(
        `INSERT INTO timer (family_id, kind, timer_key, due_at, warn_at, person_id)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::uuid[])
         ON CONFLICT (family_id, timer_key) DO UPDATE SET due_at = EXCLUDED.due_at, warn_at = EXCLUDED.warn_at, cancelled_at = NULL
         WHERE timer.fired_at IS NULL
           AND (timer.due_at, timer.warn_at, timer.cancelled_at) IS DISTINCT FROM (EXCLUDED.due_at, EXCLUDED.warn_at, NULL)`,
        [rows.map((t) => t.familyId), rows.map((t) => t.kind), rows.map((t) => t.key), rows.map((t) => t.dueAt), rows.map((t) => t.warnAt ?? null), rows.map((t) => t.personId ?? null)]);
    }
    await db.query(
      `UPDATE timer SET cancelled_at = now()
       WHERE family_id = ANY($1::uuid[]) AND fired_at IS NULL AND cancelled_at IS NULL
         AND NOT EXISTS (SELECT 1 FROM unnest($2::uuid[], $3::text[]) AS w(family_id, timer_key) WHERE w.family_id = timer.family_id AND w.timer_key = timer.timer_key)`,
      [[...wanted.keys()], rows.map((t) => t.familyId), rows.map((t) => t.key)]);
  }
}
