import { createHash, createHmac } from 'node:crypto';

/**
 * One entry of the disclosure trail, with the NEN 7513 / IHE ATNA fields the hub knows at the
 * moment of disclosure. Chained: hash = HMAC-SHA256(AUDIT_CHAIN_KEY, prevHash || canonical JSON of
 * the fields); records written before the chain was keyed: SHA-256(prevHash || canonical JSON).
 */
export interface AuditFields {
  auditId: string;
  action: 'DISCLOSE' | 'READ' | 'CONFIG_CHANGE' | 'AUDIT_READ' | 'RETENTION' | 'INVOLVE';
  occurredAt: string;
  outcome: 'SUCCESS' | 'REFUSED' | 'FAILURE';
  systemId: string;
  /** The organisation that caused it (sender of the inbound event, or reader). */
  actorPartnerId: string | null;
  actorRole: string | null;
  /**
   * The person who acted, where known (an information manager's name, a privacy officer's id).
   * Optional so records written before the field existed hash as they did.
   */
  actorPerson?: string;
  /** Whom the actor acted for (a privacy officer answering a family's request, say). */
  onBehalfOf?: string;
  /** Who received the data (for a disclosure). */
  recipientPartnerId: string | null;
  purpose: string | null;
  accessPoint: string;
  familyId: string | null;
  dataCategories: string[];
  legalBasis: string | null;
  ruleId: string | null;
  configVersion: string | null;
  /** The message that carried the disclosure, and the event that caused it. */
  messageId: string | null;
  causationId: string | null;
}

export const GENESIS_HASH = Buffer.alloc(32, 0);

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The unkeyed link, for records written before the chain was keyed (up to audit_chain.keyed_from_seq). */
export function chainHash(prevHash: Buffer, fields: AuditFields): Buffer {
  return createHash('sha256').update(prevHash).update(canonicalJson(fields)).digest();
}

/**
 * The keyed link: HMAC-SHA256 under AUDIT_CHAIN_KEY over the previous hash and the canonical
 * record. The key never goes into the database, so whoever can rewrite the rows cannot recompute
 * the chain without it as well.
 */
export function chainHmac(key: Buffer, prevHash: Buffer, fields: AuditFields): Buffer {
  if (key.length < 32) throw new Error('the audit chain key must be at least 32 bytes');
  return createHmac('sha256', key).update(prevHash).update(canonicalJson(fields)).digest();
}
