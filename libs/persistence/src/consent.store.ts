import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { ConsentGrant, ConsentRelation } from '@ketenhub/domain';

export interface NewConsent {
  familyId: string;
  subjectPersonId: string;
  givenByPersonId: string;
  relation: ConsentRelation;
  purpose: string;
  recipientPartnerId: string | null;
  validFrom: string;
  validUntil: string | null;
  recordedBy: string;
  consentRef: string;
  causeEventId: string;
}

/** Consent as given and revoked; kept (revoked, not deleted) as long as the family dossier, so what allowed a disclosure stays provable; removed with the dossier by retention. */
export class ConsentStore {
  async record(db: EntityManager, consents: NewConsent[]): Promise<void> {
    for (const c of consents) {
      await db.query(
        `INSERT INTO consent (id, family_id, subject_person_id, given_by_person_id, given_by_relation, purpose, recipient_partner_id,
           valid_from, valid_until, recorded_by_partner_id, consent_ref, cause_event_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
        [randomUUID(), c.familyId, c.subjectPersonId, c.givenByPersonId, c.relation, c.purpose, c.recipientPartnerId, c.validFrom, c.validUntil,
          c.recordedBy, c.consentRef, c.causeEventId]);
    }
  }

  /** Revokes every grant of a consent the partner recorded for this family; returns how many. */
  async revoke(db: EntityManager, familyId: string, recordedBy: string, consentRef: string, causeEventId: string): Promise<number> {
    // TypeORM answers an UPDATE with [rows, rowCount] (PostgresQueryRunner.query).
    const [, count]: [unknown[], number] = await db.query(
      `UPDATE consent SET revoked_at = now(), revoked_cause_event_id = $4
       WHERE family_id = $1 AND recorded_by_partner_id = $2 AND consent_ref = $3 AND revoked_at IS NULL`,
      [familyId, recordedBy, consentRef, causeEventId]);
    return count;
  }

  async exists(db: EntityManager, familyId: string, recordedBy: string, consentRef: string): Promise<boolean> {
    const rows: unknown[] = await db.query('SELECT 1 FROM consent WHERE family_id = $1 AND recorded_by_partner_id = $2 AND consent_ref = $3 LIMIT 1', [familyId, recordedBy, consentRef]);
    return rows.length > 0;
  }

  async grants(db: EntityManager, familyId: string): Promise<ConsentGrant[]> {
    const rows: Array<Record<string, any>> = await db.query(
      `SELECT id, subject_person_id, given_by_person_id, given_by_relation, recipient_partner_id,
         to_char(valid_from, 'YYYY-MM-DD') AS valid_from, to_char(valid_until, 'YYYY-MM-DD') AS valid_until, revoked_at IS NOT NULL AS revoked
       FROM consent WHERE family_id = $1`, [familyId]);
    return rows.map((r) => ({
      id: r.id, subjectPersonId: r.subject_person_id, givenByPersonId: r.given_by_person_id, relation: r.given_by_relation,
      recipientPartnerId: r.recipient_partner_id, validFrom: r.valid_from, validUntil: r.valid_until, revoked: r.revoked,
    }));
  }
}
