/**
 * `npm run audit:verify` on the real PostgreSQL: exit 0 on an intact trail, and for a record
 * changed, removed or inserted (by someone who switched off the trail's triggers, as only the
 * tables' owner or a superuser can) exit 1 naming the first record that is wrong.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { chainHash, chainHmac, type AuditFields } from '@ketenhub/audit';
import { AuditStore, createDataSource, migrate } from '@ketenhub/persistence';
import { ROOT, createTestDatabase } from '../support/test-env';

function record(i: number): AuditFields {
  return {
    auditId: randomUUID(), action: 'DISCLOSE', occurredAt: new Date(Date.UTC(2026, 10, 23, 10, 0, i)).toISOString(), outcome: 'SUCCESS',
    systemId: 'ketenhub/test', actorPartnerId: 'toegang-almere', actorRole: 'LOKALE_TOEGANG', recipientPartnerId: 'veilig-thuis-flevoland',
    purpose: 'zicht op veiligheid', accessPoint: 'kafka:outbound.veilig-thuis-flevoland', familyId: randomUUID(), dataCategories: ['test'],
    legalBasis: 'WMO_2015_ART_5_2_6', ruleId: 'r', configVersion: 'v', messageId: randomUUID(), causationId: `e-${i}`,
  };
}

const KEY = randomBytes(32);

async function trail(records = 6): Promise<{ db: DataSource; url: string }> {
  const url = await createTestDatabase();
  const db = createDataSource(url, 2);
  await db.initialize();
  await migrate(db);
  const store = new AuditStore(KEY);
  for (let i = 1; i <= records; i++) await db.transaction((tx) => store.append(tx, [record(i)]));
  return { db, url };
}

function verify(url: string): { status: number | null; out: string } {
  const result = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'apps', 'hub', 'src', 'cli', 'audit-verify.js')], {
    env: { ...process.env, DATABASE_URL: url, AUDIT_CHAIN_KEY: KEY.toString('base64') }, encoding: 'utf8', timeout: 60_000,
  });
  return { status: result.status, out: result.stdout + result.stderr };
}

/** What an attacker with the owner's rights would have to do first: switch off the append-only and chain triggers. */
const tamper = (db: DataSource, sql: string, params: unknown[] = []) => db.transaction(async (tx) => {
  await tx.query('ALTER TABLE audit_log DISABLE TRIGGER USER');
  await tx.query(sql, params);
  await tx.query('ALTER TABLE audit_log ENABLE TRIGGER USER');
});

describe('npm run audit:verify', () => {
  const open: DataSource[] = [];
  afterAll(async () => {
    await Promise.all(open.map((db) => db.destroy()));
  });
  const fresh = async () => {
    const t = await trail();
    open.push(t.db);
    return t;
  };

  it('exits 0 on an intact trail', async () => {
    const { url } = await fresh();
    expect(verify(url)).toEqual({ status: 0, out: expect.stringContaining('intact: 6 records') });
  });

  it('refuses to change or remove a record through the application (append-only trigger)', async () => {
    const { db } = await fresh();
    await expect(db.query("UPDATE audit_log SET purpose = 'x' WHERE seq = 2")).rejects.toThrow(/append-only/);
    await expect(db.query('DELETE FROM audit_log WHERE seq = 2')).rejects.toThrow(/append-only/);
  });

  it('names a changed record', async () => {
    const { db, url } = await fresh();
    await tamper(db, "UPDATE audit_log SET recipient_partner_id = 'iemand-anders' WHERE seq = 3");
    const { status, out } = verify(url);
    expect(status).toBe(1);
    expect(out).toContain('BROKEN at record 3 (CHANGED)');
    expect(out).toContain('2 records before it are intact');
  });

  it('names where a record was removed, also at the end', async () => {
    const { db, url } = await fresh();
    await tamper(db, 'DELETE FROM audit_log WHERE seq = 4');
    expect(verify(url)).toEqual({ status: 1, out: expect.stringContaining('BROKEN at record 5 (REMOVED): a record was removed before 5') });
    await tamper(db, 'DELETE FROM audit_log WHERE seq >= 5');
    const { out } = verify(url);
    expect(out).toContain('BROKEN at record 3 (TRUNCATED)');
  });

  it('names an inserted record, whether its hash was forged well (with the key) or not', async () => {
    const { db, url } = await fresh();
    await tamper(db, 'UPDATE audit_log SET seq = seq * 10');
    const [second] = await db.query('SELECT hash FROM audit_log WHERE seq = 20');
    const forged = record(99);
    const insert = `INSERT INTO audit_log (seq, audit_id, action, occurred_at, outcome, system_id, actor_partner_id, actor_role, recipient_partner_id,
      purpose, access_point, family_id, data_categories, legal_basis, rule_id, config_version, message_id, causation_id, prev_hash, hash)
      VALUES (25, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`;
    const values = (prev: Buffer, hash: Buffer) => [forged.auditId, forged.action, forged.occurredAt, forged.outcome, forged.systemId, forged.actorPartnerId,
      forged.actorRole, forged.recipientPartnerId, forged.purpose, forged.accessPoint, forged.familyId, forged.dataCategories, forged.legalBasis,
      forged.ruleId, forged.configVersion, forged.messageId, forged.causationId, prev, hash];
    await tamper(db, insert, values(second.hash, chainHmac(KEY, second.hash, forged)));
    expect(verify(url)).toEqual({ status: 1, out: expect.stringContaining('BROKEN at record 25 (INSERTED): record 25 was inserted') });

    // Forged as the chain was before it was keyed: it does not match its own hash.
    await tamper(db, 'DELETE FROM audit_log WHERE seq = 25');
    await tamper(db, insert, values(second.hash, chainHash(second.hash, forged)));
    expect(verify(url)).toEqual({ status: 1, out: expect.stringContaining('BROKEN at record 25 (CHANGED)') });

    await tamper(db, 'DELETE FROM audit_log WHERE seq = 25');
    await tamper(db, insert, values(Buffer.alloc(32, 1), Buffer.alloc(32, 2)));
    expect(verify(url)).toEqual({ status: 1, out: expect.stringContaining('BROKEN at record 25 (INSERTED)') });
  });

  it('exits 2 with a clear message when it has no database to check', () => {
    const result = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'apps', 'hub', 'src', 'cli', 'audit-verify.js')], {
      env: { ...process.env, DATABASE_URL: '' }, encoding: 'utf8',
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('DATABASE_URL is required');
  });
});
