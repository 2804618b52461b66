import { createHash, createHmac } from 'node:crypto';
import { GENESIS_HASH, canonicalJson, chainHash, chainHmac, type AuditFields } from './audit-record';

const record: AuditFields = {
  auditId: 'a1', action: 'DISCLOSE', occurredAt: '2026-11-23T10:00:00.000Z', outcome: 'SUCCESS', systemId: 'ketenhub',
  actorPartnerId: 'toegang-almere', actorRole: 'LOKALE_TOEGANG', recipientPartnerId: 'veilig-thuis-flevoland',
  purpose: 'zicht op veiligheid', accessPoint: 'kafka:inbound.toegang-almere', familyId: 'f1', dataCategories: ['hulpvraag'],
  legalBasis: 'TOESTEMMING', ruleId: 'r1', configVersion: 'v1', messageId: 'm1', causationId: 'e1',
};

describe('audit hash chain', () => {
  it('serialises with sorted keys, so field order does not change the hash', () => {
    expect(canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }] })).toBe('{"a":[2,{"c":4,"d":3}],"b":1}');
    const reordered = Object.fromEntries(Object.entries(record).reverse()) as unknown as AuditFields;
    expect(chainHash(GENESIS_HASH, reordered).equals(chainHash(GENESIS_HASH, record))).toBe(true);
  });

  it('changes when a field or the previous hash changes', () => {
    const base = chainHash(GENESIS_HASH, record);
    expect(chainHash(GENESIS_HASH, { ...record, recipientPartnerId: 'someone-else' }).equals(base)).toBe(false);
    expect(chainHash(base, record).equals(base)).toBe(false);
  });

  it('keys the link: HMAC-SHA256 over the previous hash and the canonical record, not recomputable without the key', () => {
    const key = Buffer.alloc(32, 7);
    const keyed = chainHmac(key, GENESIS_HASH, record);
    const expected = createHmac('sha256', key).update(GENESIS_HASH).update(canonicalJson(record)).digest();
    expect(keyed.equals(expected)).toBe(true);
    expect(keyed.equals(chainHmac(Buffer.alloc(32, 8), GENESIS_HASH, record))).toBe(false);
    expect(keyed.equals(createHash('sha256').update(GENESIS_HASH).update(canonicalJson(record)).digest())).toBe(false);
    expect(() => chainHmac(Buffer.alloc(0), GENESIS_HASH, record)).toThrow(/at least 32 bytes/);
  });
});
