import type { EntityManager } from 'typeorm';
import { insertRows } from './sql';

export interface PersonRow {
  id: string;
  familyId: string;
  bsnHash: Buffer | null;
}

export interface Involvement {
  partnerId: string;
  sinceMicros: number;
}

/** Families, their persons (BSN only as keyed hash and ciphertext) and the partners involved. */
export class FamilyStore {
  async personsByHash(db: EntityManager, hashes: Buffer[]): Promise<PersonRow[]> {
    if (hashes.length === 0) return [];
    const rows: Array<{ id: string; family_id: string; bsn_hash: Buffer }> = await db.query(
      'SELECT id, family_id, bsn_hash FROM person WHERE bsn_hash = ANY($1::bytea[])', [hashes]);
    return rows.map((r) => ({ id: r.id, familyId: r.family_id, bsnHash: r.bsn_hash }));
  }

  /** The persons known by any of these hashes or ids, in one round trip. */
  async personsByHashOrId(db: EntityManager, hashes: Buffer[], ids: string[]): Promise<PersonRow[]> {
    if (hashes.length === 0 && ids.length === 0) return [];
    const rows: Array<{ id: string; family_id: string; bsn_hash: Buffer | null }> = await db.query(
      'SELECT id, family_id, bsn_hash FROM person WHERE bsn_hash = ANY($1::bytea[]) OR id = ANY($2::uuid[])', [hashes, ids]);
    return rows.map((r) => ({ id: r.id, familyId: r.family_id, bsnHash: r.bsn_hash }));
  }

  /**
   * Takes the row locks of several families at once, in id order, so two transactions that lock
   * overlapping sets cannot deadlock; answers each family's municipality.
   */
  async lockAll(db: EntityManager, ids: string[]): Promise<Map<string, string | null>> {
    if (ids.length === 0) return new Map();
    const rows: Array<{ id: string; municipality: string | null }> = await db.query(
      'SELECT id, municipality FROM family WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE', [ids]);
    return new Map(rows.map((r) => [r.id, r.municipality]));
  }

  async createAll(db: EntityManager, families: Array<{ id: string; municipality: string | null }>): Promise<void> {
    await insertRows(db, 'family', 'id uuid, municipality text', families.map((f) => [f.id, f.municipality]));
  }

  /** Fills in the municipality of families that had none; one known before stays. */
  async setMunicipalitiesIfUnknown(db: EntityManager, families: Array<{ id: string; municipality: string }>): Promise<void> {
    if (families.length === 0) return;
    await db.query(
      `UPDATE family SET municipality = COALESCE(family.municipality, m.municipality), updated_at = now()
       FROM unnest($1::uuid[], $2::text[]) AS m(id, municipality) WHERE family.id = m.id`,
      [families.map((f) => f.id), families.map((f) => f.municipality)]);
  }

  async addPersons(db: EntityManager, persons: Array<{ id: string; familyId: string; bsnHash: Buffer; bsnEncrypted: Buffer }>): Promise<void> {
    await insertRows(db, 'person', 'id uuid, family_id uuid, bsn_hash bytea, bsn_encrypted bytea', persons.map((p) => [p.id, p.familyId, p.bsnHash, p.bsnEncrypted]));
  }

  /**
   * Records partners as involved, each new one with its relation and basis (docs/REGIE.md); for one
   * involved before, the earlier `since` stays, and so do its first event, relation and basis.
   */
  async involveAll(db: EntityManager, rows: Array<{ familyId: string; partnerId: string; since: string; eventId: string; relation?: string; basis?: string }>): Promise<void> {
    await insertRows(db, 'involvement', 'family_id uuid, partner_id text, since timestamptz, first_event_id text, relation text, basis text',
      rows.map((r) => [r.familyId, r.partnerId, r.since, r.eventId, r.relation ?? null, r.basis ?? null]),
      'ON CONFLICT (family_id, partner_id) DO UPDATE SET since = LEAST(involvement.since, EXCLUDED.since)');
  }

  /**
   * The partners involved with each of these families, in the order `involved` gives. `sinceMicros`
   * is `since` in microseconds since 1970, the precision PostgreSQL keeps, to compare in memory.
   */
  async involvementOf(db: EntityManager, familyIds: string[]): Promise<Map<string, Involvement[]>> {
    const byFamily = new Map<string, Involvement[]>(familyIds.map((id) => [id, []]));
    if (familyIds.length === 0) return byFamily;
    const rows: Array<{ family_id: string; partner_id: string; since_us: string }> = await db.query(
      `SELECT family_id, partner_id, (extract(epoch FROM since) * 1000000)::bigint::text AS since_us FROM involvement
       WHERE family_id = ANY($1::uuid[]) ORDER BY family_id, since, partner_id COLLATE "C"`, [familyIds]);
    for (const r of rows) byFamily.get(r.family_id)?.push({ partnerId: r.partner_id, sinceMicros: Number(r.since_us) });
    return byFamily;
  }

  async involved(db: EntityManager, familyId: string): Promise<string[]> {
    return ((await this.involvementOf(db, [familyId])).get(familyId) ?? []).map((i) => i.partnerId);
  }

}
