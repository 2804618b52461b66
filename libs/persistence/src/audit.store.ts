import type { EntityManager } from 'typeorm';
import { GENESIS_HASH, chainHash, type AuditFields } from '@ketenhub/audit';

/** The append-only, hash-chained audit trail. Appends lock the chain head, so the chain has one order. */
export class AuditStore {
  async append(db: EntityManager, records: AuditFields[]): Promise<void> {
    if (records.length === 0) return;
    const head: Array<{ seq: string; hash: Buffer }> = await db.query('SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE');
    let prev = head[0].hash;
    const params: unknown[] = [];
    const rows: string[] = [];
    for (const r of records) {
      const hash = chainHash(prev, r);
      const values = [r.auditId, r.action, r.occurredAt, r.outcome, r.systemId, r.actorPartnerId, r.actorRole, r.recipientPartnerId,
        r.purpose, r.accessPoint, r.familyId, r.dataCategories, r.legalBasis, r.ruleId, r.configVersion, r.messageId, r.causationId, prev, hash];
      const base = params.length;
      params.push(...values);
      rows.push(`(${values.map((_, i) => `$${base + i + 1}`).join(', ')})`);
      prev = hash;
    }
    await db.query(
      `INSERT INTO audit_log (audit_id, action, occurred_at, outcome, system_id, actor_partner_id, actor_role, recipient_partner_id,
         purpose, access_point, family_id, data_categories, legal_basis, rule_id, config_version, message_id, causation_id, prev_hash, hash)
       VALUES ${rows.join(', ')}`, params);
    await db.query('UPDATE audit_head SET seq = seq + $1, hash = $2 WHERE id = 1', [records.length, prev]);
  }
}

export type ChainCheck = { ok: true; records: number } | { ok: false; records: number; firstBadSeq: string; problem: string };

/** Recomputes the chain from the first record; names the first record whose link or content does not match. */
export async function verifyAuditChain(db: EntityManager, batchSize = 5_000): Promise<ChainCheck> {
  let prev = GENESIS_HASH;
  let after = '0';
  let count = 0;
  for (;;) {
    const rows: Array<Record<string, any>> = await db.query(
      `SELECT seq, audit_id, action, to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS occurred_at, outcome,
              system_id, actor_partner_id, actor_role, recipient_partner_id, purpose, access_point, family_id, data_categories,
              legal_basis, rule_id, config_version, message_id, causation_id, prev_hash, hash
       FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2`, [after, batchSize]);
    if (rows.length === 0) break;
    for (const r of rows) {
      const fields: AuditFields = {
        auditId: r.audit_id, action: r.action, occurredAt: r.occurred_at, outcome: r.outcome, systemId: r.system_id,
        actorPartnerId: r.actor_partner_id, actorRole: r.actor_role, recipientPartnerId: r.recipient_partner_id, purpose: r.purpose,
        accessPoint: r.access_point, familyId: r.family_id, dataCategories: r.data_categories, legalBasis: r.legal_basis,
        ruleId: r.rule_id, configVersion: r.config_version, messageId: r.message_id, causationId: r.causation_id,
      };
      if (!Buffer.from(r.prev_hash).equals(prev)) {
        return { ok: false, records: count, firstBadSeq: String(r.seq), problem: 'does not link to the record before it (a record was removed or inserted)' };
      }
      const expected = chainHash(prev, fields);
      if (!Buffer.from(r.hash).equals(expected)) {
        return { ok: false, records: count, firstBadSeq: String(r.seq), problem: 'its content does not match its hash (the record was changed)' };
      }
      prev = expected;
      after = String(r.seq);
      count++;
    }
  }
  const head: Array<{ seq: string; hash: Buffer }> = await db.query('SELECT seq, hash FROM audit_head WHERE id = 1');
  if (head.length === 1 && count > 0 && !Buffer.from(head[0].hash).equals(prev)) {
    return { ok: false, records: count, firstBadSeq: after, problem: 'the chain ends before the recorded head (records after it were removed)' };
  }
  return { ok: true, records: count };
}
