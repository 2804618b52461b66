import type { EntityManager } from 'typeorm';
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
    const rows: Array<{ event_id: string; type: string; time: string; source: string; data: Record<string, unknown> }> = await db.query(
      `SELECT event_id, type, to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS time, source, data
       FROM inbox WHERE family_id = $1 ORDER BY occurred_at, event_id`, [familyId]);
    return rows.map((r) => ({ id: r.event_id, type: r.type, time: r.time, source: r.source.replace(/^urn:ketenhub:partner:/, ''), data: r.data }));
  }

  async current(db: EntityManager, familyId: string): Promise<RegieRecord | undefined> {
    const rows: Array<Record<string, any>> = await db.query('SELECT * FROM regie_of_record WHERE family_id = $1', [familyId]);
    const r = rows[0];
    return r && {
      regisseurRole: r.regisseur_role, regisseurPartner: r.regisseur_partner, veiligheidRole: r.veiligheid_role, veiligheidPartner: r.veiligheid_partner,
      rowId: r.row_id, tableName: r.table_name, tableVersion: r.table_version, configVersion: r.config_version, causeEventId: r.cause_event_id, gapRaised: r.gap_raised,
    };
  }

  async save(db: EntityManager, familyId: string, record: RegieRecord, since: string): Promise<void> {
    await db.query(
      `INSERT INTO regie_of_record (family_id, regisseur_role, regisseur_partner, veiligheid_role, veiligheid_partner, row_id, table_name, table_version, config_version, cause_event_id, since, gap_raised)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       ON CONFLICT (family_id) DO UPDATE SET regisseur_role = EXCLUDED.regisseur_role, regisseur_partner = EXCLUDED.regisseur_partner,
         veiligheid_role = EXCLUDED.veiligheid_role, veiligheid_partner = EXCLUDED.veiligheid_partner, row_id = EXCLUDED.row_id,
         table_name = EXCLUDED.table_name, table_version = EXCLUDED.table_version, config_version = EXCLUDED.config_version,
         cause_event_id = EXCLUDED.cause_event_id, since = EXCLUDED.since, gap_raised = EXCLUDED.gap_raised`,
      [familyId, record.regisseurRole, record.regisseurPartner, record.veiligheidRole, record.veiligheidPartner, record.rowId, record.tableName,
        record.tableVersion, record.configVersion, record.causeEventId, since, record.gapRaised]);
  }

  async record(db: EntityManager, familyId: string, change: RegieChange): Promise<void> {
    await db.query(
      `INSERT INTO regie_history (family_id, kind, from_role, from_partner, to_role, to_partner, row_id, table_name, table_version, config_version, cause_event_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [familyId, change.kind, change.fromRole, change.fromPartner, change.toRole, change.toPartner, change.rowId, change.tableName, change.tableVersion, change.configVersion, change.causeEventId]);
  }

  async history(db: EntityManager, familyId: string): Promise<Array<RegieChange & { recordedAt: string }>> {
    const rows: Array<Record<string, any>> = await db.query('SELECT * FROM regie_history WHERE family_id = $1 ORDER BY id', [familyId]);
    return rows.map((r) => ({
      recordedAt: new Date(r.recorded_at).toISOString(), kind: r.kind, fromRole: r.from_role, fromPartner: r.from_partner, toRole: r.to_role, toPartner: r.to_partner,
      rowId: r.row_id, tableName: r.table_name, tableVersion: r.table_version, configVersion: r.config_version, causeEventId: r.cause_event_id,
    }));
  }

  /** Makes the family's open timers exactly `wanted`: new ones added, moved ones updated, ones no longer wanted cancelled. Fired timers stay fired. */
  async syncTimers(db: EntityManager, familyId: string, wanted: DesiredTimer[]): Promise<void> {
    // One statement for all; a key named twice keeps its last wish (ON CONFLICT cannot touch a row twice).
    const timers = [...new Map(wanted.map((t) => [t.key, t])).values()];
    if (timers.length > 0) {
      await db.query(
        `INSERT INTO timer (family_id, kind, timer_key, due_at, warn_at, person_id)
         SELECT $1, t.kind, t.timer_key, t.due_at, t.warn_at, t.person_id
         FROM unnest($2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::uuid[]) AS t(kind, timer_key, due_at, warn_at, person_id)
         ON CONFLICT (family_id, timer_key) DO UPDATE SET due_at = EXCLUDED.due_at, warn_at = EXCLUDED.warn_at, cancelled_at = NULL
         WHERE timer.fired_at IS NULL`,
        [familyId, timers.map((t) => t.kind), timers.map((t) => t.key), timers.map((t) => t.dueAt), timers.map((t) => t.warnAt ?? null), timers.map((t) => t.personId ?? null)]);
    }
    await db.query(
      `UPDATE timer SET cancelled_at = now() WHERE family_id = $1 AND fired_at IS NULL AND cancelled_at IS NULL AND NOT (timer_key = ANY($2::text[]))`,
      [familyId, timers.map((t) => t.key)]);
  }

}
