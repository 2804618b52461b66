import type { EntityManager } from 'typeorm';

export interface PersonRow {
  id: string;
  familyId: string;
  bsnHash: Buffer | null;
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

  async create(db: EntityManager, id: string, municipality: string | null): Promise<void> {
    await db.query('INSERT INTO family (id, municipality) VALUES ($1, $2)', [id, municipality]);
  }

  /** Takes the family's row lock: events of one family are applied one at a time, by any hub instance. */
  async lock(db: EntityManager, id: string): Promise<{ municipality: string | null }> {
    const rows: Array<{ municipality: string | null }> = await db.query('SELECT municipality FROM family WHERE id = $1 FOR UPDATE', [id]);
    if (rows.length === 0) throw new Error(`family ${id} vanished`);
    return rows[0];
  }

  async setMunicipalityIfUnknown(db: EntityManager, id: string, municipality: string): Promise<void> {
    await db.query('UPDATE family SET municipality = COALESCE(municipality, $2), updated_at = now() WHERE id = $1', [id, municipality]);
  }

  async addPerson(db: EntityManager, person: { id: string; familyId: string; bsnHash: Buffer; bsnEncrypted: Buffer }): Promise<void> {
    await db.query('INSERT INTO person (id, family_id, bsn_hash, bsn_encrypted) VALUES ($1, $2, $3, $4)',
      [person.id, person.familyId, person.bsnHash, person.bsnEncrypted]);
  }

  async involve(db: EntityManager, familyId: string, partnerId: string, since: string, eventId: string): Promise<void> {
    await db.query(
      `INSERT INTO involvement (family_id, partner_id, since, first_event_id) VALUES ($1, $2, $3, $4)
       ON CONFLICT (family_id, partner_id) DO UPDATE SET since = LEAST(involvement.since, EXCLUDED.since)`,
      [familyId, partnerId, since, eventId]);
  }

  /** Marks the one-time handover of the family's dossier to a newly involved partner; false if it was sent before. */
  async markDossierSent(db: EntityManager, familyId: string, partnerId: string, since: string, eventId: string): Promise<boolean> {
    const rows: unknown[] = await db.query(
      `INSERT INTO involvement (family_id, partner_id, since, first_event_id, dossier_sent_at) VALUES ($1, $2, $3, $4, now())
       ON CONFLICT (family_id, partner_id) DO UPDATE SET dossier_sent_at = now() WHERE involvement.dossier_sent_at IS NULL
       RETURNING partner_id`, [familyId, partnerId, since, eventId]);
    return rows.length > 0;
  }

  async involved(db: EntityManager, familyId: string): Promise<string[]> {
    const rows: Array<{ partner_id: string }> = await db.query(
      'SELECT partner_id FROM involvement WHERE family_id = $1 ORDER BY since, partner_id', [familyId]);
    return rows.map((r) => r.partner_id);
  }
}
