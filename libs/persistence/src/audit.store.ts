import type { EntityManager } from 'typeorm';
import { GENESIS_HASH, chainHash, chainHmac, type AuditFields } from '@ketenhub/audit';
import { insertRows } from './sql';

/**
 * The append-only, hash-chained audit trail. Appends lock the chain head (through
 * `audit_head_lock()`, the hub's login may not write the head), so the chain has one order; each
 * record is chained with HMAC-SHA256 under the chain key, and the database's trigger checks that
 * the records follow the head and advances it.
 */
export class AuditStore {
  constructor(private readonly chainKey: Buffer) {
    if (chainKey.length < 32) throw new Error('AuditStore needs the audit chain key (AUDIT_CHAIN_KEY, 32 bytes)');
  }

  async append(db: EntityManager, records: AuditFields[]): Promise<void> {
    if (records.length === 0) return;
    const head: Array<{ seq: string; hash: Buffer }> = await db.query('SELECT seq, hash FROM audit_head_lock()');
    let prev = head[0].hash;
    const rows = records.map((r) => {
      const hash = chainHmac(this.chainKey, prev, r);
      const values = [r.auditId, r.action, r.occurredAt, r.outcome, r.systemId, r.actorPartnerId, r.actorRole, r.recipientPartnerId,
        r.purpose, r.accessPoint, r.familyId, r.dataCategories, r.legalBasis, r.ruleId, r.configVersion, r.messageId, r.causationId, prev, hash,
        r.actorPerson ?? null, r.onBehalfOf ?? null];
      prev = hash;
      return values;
    });
    // The trigger audit_log_chain moves the head to the last of these, once it checked they follow it.
    await insertRows(db,
      'audit_log', `audit_id uuid, action text, occurred_at timestamptz, outcome text, system_id text, actor_partner_id text, actor_role text,
         recipient_partner_id text, purpose text, access_point text, family_id uuid, data_categories text[], legal_basis text, rule_id text,
         config_version text, message_id uuid, causation_id text, prev_hash bytea, hash bytea, actor_person text, on_behalf_of text`,
      rows);
  }
}

export type ChainProblem = 'CHANGED' | 'REMOVED' | 'INSERTED' | 'TRUNCATED' | 'CHECKPOINT';
export type ChainCheck =
  | { ok: true; records: number }
  | { ok: false; records: number; firstBadSeq: string; problem: ChainProblem; detail: string };

const FIELDS_SQL = `SELECT seq, audit_id, action, to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS occurred_at, outcome,
  system_id, actor_partner_id, actor_role, recipient_partner_id, purpose, access_point, family_id, data_categories,
  legal_basis, rule_id, config_version, message_id, causation_id, prev_hash, hash, actor_person, on_behalf_of FROM audit_log`;

export function auditFieldsOf(r: Record<string, any>): AuditFields {
  return {
    auditId: r.audit_id, action: r.action, occurredAt: r.occurred_at, outcome: r.outcome, systemId: r.system_id,
    actorPartnerId: r.actor_partner_id, actorRole: r.actor_role, recipientPartnerId: r.recipient_partner_id, purpose: r.purpose,
    accessPoint: r.access_point, familyId: r.family_id, dataCategories: r.data_categories, legalBasis: r.legal_basis,
    ruleId: r.rule_id, configVersion: r.config_version, messageId: r.message_id, causationId: r.causation_id,
    ...(r.actor_person !== null ? { actorPerson: r.actor_person } : {}), ...(r.on_behalf_of !== null ? { onBehalfOf: r.on_behalf_of } : {}),
  };
}

export interface ChainVerifyOptions {
  /** AUDIT_CHAIN_KEY: the records after the checkpoint are HMACs under it. */
  key: Buffer;
  /**
   * The checkpoint the operator expects (AUDIT_CHAIN_KEYED_FROM; 0, every record keyed, unless
   * the database was upgraded with records in it): the last record chained without the key. The
   * database's own (audit_chain) must say the same, else someone moved it to pass keyed records
   * off as unkeyed ones.
   */
  keyedFrom?: string;
  batchSize?: number;
  onProgress?: (records: number) => void;
}

/**
 * Recomputes the chain from the first record and names the first record that was changed,
 * removed or inserted. Each record must hash to its own content (else: changed) and link to the
 * record before it (else: one was removed there, or the one before it was inserted); the last
 * record must be the chain head (else: records at the end were removed). Records up to the
 * checkpoint are SHA-256 links (written before the chain was keyed), every later one an HMAC
 * under the key: without the key, a rewritten chain does not verify.
 */
export async function verifyAuditChain(db: EntityManager, options: ChainVerifyOptions): Promise<ChainCheck> {
  const { key, batchSize = 5_000, onProgress } = options;
  const expectedCheckpoint = BigInt(options.keyedFrom ?? '0');
  const [{ present }] = await db.query("SELECT to_regclass('audit_chain') IS NOT NULL AS present");
  const checkpointRows: Array<{ keyed_from_seq: string }> = present ? await db.query('SELECT keyed_from_seq FROM audit_chain WHERE id = 1') : [];
  const checkpoint = checkpointRows.length === 1 ? BigInt(checkpointRows[0].keyed_from_seq) : undefined;
  if (checkpoint !== expectedCheckpoint) {
    return { ok: false, records: 0, firstBadSeq: String(checkpoint ?? 0), problem: 'CHECKPOINT',
      detail: checkpoint === undefined
        ? 'the chain\'s checkpoint (audit_chain) is missing'
        : `the database says the chain is keyed after record ${checkpoint}, AUDIT_CHAIN_KEYED_FROM says after ${expectedCheckpoint}: the checkpoint was moved, or the setting is not the one noted at the upgrade` };
  }
  const linkOf = (seq: string, prevHash: Buffer, fields: AuditFields) => (BigInt(seq) <= checkpoint ? chainHash(prevHash, fields) : chainHmac(key, prevHash, fields));
  let prev: { seq: string; hash: Buffer; prevHash: Buffer } | undefined;
  let beforePrev: Buffer = GENESIS_HASH;
  let after = '0';
  let count = 0;
  for (;;) {
    const rows: Array<Record<string, any>> = await db.query(`${FIELDS_SQL} WHERE seq > $1 ORDER BY seq LIMIT $2`, [after, batchSize]);
    if (rows.length === 0) break;
    for (const r of rows) {
      const seq = String(r.seq);
      const prevHash = Buffer.from(r.prev_hash);
      const hash = Buffer.from(r.hash);
      const selfConsistent = linkOf(seq, prevHash, auditFieldsOf(r)).equals(hash);
      const expectedPrev = prev?.hash ?? GENESIS_HASH;
      if (!prevHash.equals(expectedPrev)) {
        if (prev && prevHash.equals(beforePrev)) {
          return { ok: false, records: count, firstBadSeq: prev.seq, problem: 'INSERTED', detail: `record ${prev.seq} was inserted: ${seq} links past it to the record before it` };
        }
        if (selfConsistent) {
          return { ok: false, records: count, firstBadSeq: seq, problem: 'REMOVED', detail: `a record was removed before ${seq} (it does not link to ${prev ? `record ${prev.seq}` : 'the start of the chain'})` };
        }
        return { ok: false, records: count, firstBadSeq: seq, problem: 'INSERTED', detail: `record ${seq} was inserted or changed: it neither links to the record before it nor matches its own hash` };
      }
      if (!selfConsistent) {
        return { ok: false, records: count, firstBadSeq: seq, problem: 'CHANGED', detail: `record ${seq} was changed: its content does not match its hash` };
      }
      beforePrev = prev?.hash ?? GENESIS_HASH;
      prev = { seq, hash, prevHash };
      after = seq;
      count++;
      if (onProgress && count % 10_000 === 0) onProgress(count);
    }
  }
  const head: Array<{ seq: string; hash: Buffer }> = await db.query('SELECT seq, hash FROM audit_head WHERE id = 1');
  const headHash = head.length === 1 ? Buffer.from(head[0].hash) : GENESIS_HASH;
  if (!headHash.equals(prev?.hash ?? GENESIS_HASH)) {
    return { ok: false, records: count, firstBadSeq: prev?.seq ?? '0', problem: 'TRUNCATED', detail: `the chain ends at record ${prev?.seq ?? '(none)'} but its head was written later: records at the end were removed` };
  }
  return { ok: true, records: count };
}

export interface AuditFilter {
  familyId?: string;
  /** Records where this partner received, or acted. */
  partnerId?: string;
  ruleId?: string;
  /** ISO times; from inclusive, to exclusive. */
  from?: string;
  to?: string;
  actions?: AuditFields['action'][];
  /** Records with a data category matching one of these LIKE patterns. */
  categoryPatterns?: string[];
  outcome?: AuditFields['outcome'];
}

export type AuditEntry = AuditFields & { seq: string };

/** The trail, filtered and paged in chain order (oldest first unless asked otherwise). */
export async function searchAudit(db: EntityManager, filter: AuditFilter, page: { offset: number; limit: number; newestFirst?: boolean }): Promise<{ total: number; entries: AuditEntry[] }> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (clause: (p: string) => string, value: unknown) => {
    params.push(value);
    where.push(clause(`$${params.length}`));
  };
  if (filter.familyId) add((p) => `family_id = ${p}`, filter.familyId);
  if (filter.partnerId) add((p) => `(recipient_partner_id = ${p} OR actor_partner_id = ${p})`, filter.partnerId);
  if (filter.ruleId) add((p) => `rule_id = ${p}`, filter.ruleId);
  if (filter.from) add((p) => `occurred_at >= ${p}`, filter.from);
  if (filter.to) add((p) => `occurred_at < ${p}`, filter.to);
  if (filter.actions && filter.actions.length > 0) add((p) => `action = ANY(${p})`, filter.actions);
  if (filter.categoryPatterns) add((p) => `EXISTS (SELECT 1 FROM unnest(data_categories) c WHERE c LIKE ANY(${p}))`, filter.categoryPatterns);
  if (filter.outcome) add((p) => `outcome = ${p}`, filter.outcome);
  const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM audit_log ${clause}`, params);
  const rows: Array<Record<string, any>> = await db.query(
    `${FIELDS_SQL} ${clause} ORDER BY seq ${page.newestFirst ? 'DESC' : 'ASC'} LIMIT $${params.length + 1} OFFSET $${params.length + 2}`, [...params, page.limit, page.offset]);
  return { total: n, entries: rows.map((r) => ({ seq: String(r.seq), ...auditFieldsOf(r) })) };
}
