/**
 * Issue 21, part 3: the hub's own database login cannot rewrite the audit trail, and an owner
 * who rewrites it without AUDIT_CHAIN_KEY is caught by `npm run audit:verify`.
 *
 * On the real PostgreSQL: the database migrated by the owner (ketenhub_owner), which grants the
 * hub's login (ketenhub_hub) what it needs; a trail written through the hub's AuditStore under
 * the hub's login; then every way in we know of, tried as the hub's login, and the rewrite an
 * owner could do, checked by the real CLI.
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { canonicalJson, chainHash, chainHmac, GENESIS_HASH, type AuditFields } from '@ketenhub/audit';
import { AuditStore, auditFieldsOf, auditTrailExposure, createDataSource, migrate, MIGRATIONS } from '@ketenhub/persistence';
import { LOCAL_ROLES } from '../../deploy/local/postgres';
import { ROOT, asHubLogin, createTestDatabase, testKeys, uniquePrefix } from '../support/test-env';

const KEY = randomBytes(32);

function record(i: number): AuditFields {
  return {
    auditId: randomUUID(), action: 'DISCLOSE', occurredAt: new Date(Date.UTC(2026, 11, 8, 10, 0, i)).toISOString(), outcome: 'SUCCESS',
    systemId: 'ketenhub/test', actorPartnerId: 'toegang-almere', actorRole: 'LOKALE_TOEGANG', recipientPartnerId: 'veilig-thuis-flevoland',
    purpose: 'zicht op veiligheid', accessPoint: 'kafka:outbound.veilig-thuis-flevoland', familyId: randomUUID(), dataCategories: ['test'],
    legalBasis: 'WMO_2015_ART_5_2_6', ruleId: 'r', configVersion: 'v', messageId: randomUUID(), causationId: `e-${i}`,
  };
}

interface Trail {
  ownerUrl: string;
  hubUrl: string;
  owner: DataSource;
  hub: DataSource;
}

/** Migrated as the owner with the hub's grants, six records appended as the hub. */
async function trail(): Promise<Trail> {
  const ownerUrl = await createTestDatabase();
  const owner = createDataSource(ownerUrl, 2);
  await owner.initialize();
  await migrate(owner, { grantTo: LOCAL_ROLES.hub.user });
  const hubUrl = asHubLogin(ownerUrl);
  const hub = createDataSource(hubUrl, 2);
  await hub.initialize();
  const store = new AuditStore(KEY);
  for (let i = 1; i <= 6; i++) await hub.transaction((tx) => store.append(tx, [record(i)]));
  return { ownerUrl, hubUrl, owner, hub };
}

/** The real `npm run audit:verify`, with the hub's key. */
function verify(url: string, env: Record<string, string> = {}): { status: number | null; out: string } {
  const result = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'apps', 'hub', 'src', 'cli', 'audit-verify.js')], {
    env: { ...process.env, DATABASE_URL: url, AUDIT_CHAIN_KEY: KEY.toString('base64'), ...env }, encoding: 'utf8', timeout: 60_000,
  });
  return { status: result.status, out: result.stdout + result.stderr };
}

/** Runs one statement in a transaction of its own and answers PostgreSQL's SQLSTATE and message (or 'ok'). */
async function attempt(db: DataSource, sql: string, params: unknown[] = []): Promise<{ code: string; message: string }> {
  try {
    await db.transaction((tx) => tx.query(sql, params));
    return { code: 'ok', message: '' };
  } catch (error) {
    const e = error as { code?: string; message: string };
    return { code: e.code ?? 'none', message: e.message };
  }
}

const INSERT = `INSERT INTO audit_log (audit_id, action, occurred_at, outcome, system_id, actor_partner_id, actor_role, recipient_partner_id,
  purpose, access_point, family_id, data_categories, legal_basis, rule_id, config_version, message_id, causation_id, prev_hash, hash)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`;
const insertValues = (r: AuditFields, prev: Buffer, hash: Buffer) => [r.auditId, r.action, r.occurredAt, r.outcome, r.systemId, r.actorPartnerId,
  r.actorRole, r.recipientPartnerId, r.purpose, r.accessPoint, r.familyId, r.dataCategories, r.legalBasis, r.ruleId, r.configVersion,
  r.messageId, r.causationId, prev, hash];

/**
 * What an owner without the key would do: triggers off, record `removed` deleted, every record
 * from `rehashFrom` on relinked and rehashed with `link`, the head set to the new end, triggers
 * back on.
 */
async function rewriteAsOwner(owner: DataSource, removed: number, link: (prev: Buffer, fields: AuditFields) => Buffer, rehashFrom = removed): Promise<void> {
  await owner.transaction(async (tx) => {
    await tx.query('ALTER TABLE audit_log DISABLE TRIGGER USER');
    await tx.query('DELETE FROM audit_log WHERE seq = $1', [removed]);
    const rows: Array<Record<string, any>> = await tx.query(
      `SELECT seq, audit_id, action, to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS occurred_at, outcome, system_id,
         actor_partner_id, actor_role, recipient_partner_id, purpose, access_point, family_id, data_categories, legal_basis, rule_id,
         config_version, message_id, causation_id, prev_hash, hash, actor_person, on_behalf_of FROM audit_log ORDER BY seq`);
    let prev = GENESIS_HASH;
    for (const r of rows) {
      if (Number(r.seq) < rehashFrom) {
        prev = Buffer.from(r.hash);
        continue;
      }
      const hash = link(prev, auditFieldsOf(r));
      await tx.query('UPDATE audit_log SET prev_hash = $1, hash = $2 WHERE seq = $3', [prev, hash, r.seq]);
      prev = hash;
    }
    await tx.query('UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1', [rows.length, prev]);
    await tx.query('ALTER TABLE audit_log ENABLE TRIGGER USER');
  });
}

describe('the audit trail against the hub\'s own database login (issue 21, part 3)', () => {
  const open: DataSource[] = [];
  afterAll(async () => {
    await Promise.all(open.map((db) => (db.isInitialized ? db.destroy() : undefined)));
  });
  const fresh = async () => {
    const t = await trail();
    open.push(t.owner, t.hub);
    return t;
  };

  it('refuses the hub\'s login every way to change, remove or rechain a record, each with PostgreSQL\'s permission error', async () => {
    const { hub, hubUrl } = await fresh();
    expect(await auditTrailExposure(hub)).toEqual([]);
    const [{ hash: headHash }] = await hub.query('SELECT hash FROM audit_head WHERE id = 1');
    const attacks: Array<[string, string, unknown[]?]> = [
      ['disable the append-only trigger', 'ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change'],
      ['disable every trigger', 'ALTER TABLE audit_log DISABLE TRIGGER ALL'],
      ['switch triggers off for the session', 'SET session_replication_role = replica'],
      ['update a record', "UPDATE audit_log SET recipient_partner_id = 'iemand-anders' WHERE seq = 3"],
      ['delete a record', 'DELETE FROM audit_log WHERE seq = 3'],
      ['truncate the trail', 'TRUNCATE audit_log'],
      ['alter the table', 'ALTER TABLE audit_log ADD COLUMN note text'],
      ['hand the table to itself', `ALTER TABLE audit_log OWNER TO ${LOCAL_ROLES.hub.user}`],
      ['drop the append-only trigger', 'DROP TRIGGER audit_log_no_change ON audit_log'],
      ['drop the chain trigger', 'DROP TRIGGER audit_log_chain ON audit_log'],
      ['drop the table', 'DROP TABLE audit_log'],
      ['add a trigger of its own', 'CREATE TRIGGER t BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()'],
      ['replace the append-only function', "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$"],
      ['set the head by hand', 'UPDATE audit_head SET seq = 2, hash = $1 WHERE id = 1', [Buffer.alloc(32, 9)]],
      ['rewind the head', 'DELETE FROM audit_head'],
      ['call the head-moving trigger function', 'SELECT audit_log_advance_head()'],
      ['move the checkpoint', 'UPDATE audit_chain SET keyed_from_seq = 1000'],
      ['reset the sequence', "SELECT setval('audit_log_seq_seq', 1)"],
      ['create a table in the schema', 'CREATE TABLE public.shadow (id int)'],
      ['create a function in the schema', 'CREATE FUNCTION public.shadow() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$'],
      ['write the migrations table', "DELETE FROM migrations WHERE name = 'AuditChainKeyed1765200000000'"],
    ];
    const results: Record<string, string> = {};
    for (const [name, sql, params] of attacks) {
      const { code, message } = await attempt(hub, sql, params);
      results[name] = code === '42501' ? `42501 ${/permission denied|must be owner/.test(message) ? 'refused' : message}` : `${code} ${message}`;
    }
    expect(results).toEqual(Object.fromEntries(attacks.map(([name]) => [name, '42501 refused'])));

    // A record that does not follow the head, or slips in before it, is refused by the chain trigger.
    const last: Array<{ seq: string }> = await hub.query('SELECT max(seq)::text AS seq FROM audit_log');
    const forged = record(50);
    expect((await attempt(hub, INSERT, insertValues(forged, Buffer.alloc(32, 1), Buffer.alloc(32, 2)))).code).toBe('23000');
    const early = `${INSERT.replace('(audit_id,', '(seq, audit_id,').replace('VALUES ($1,', 'VALUES ($20, $1,')}`;
    expect((await attempt(hub, early, [...insertValues(forged, headHash, Buffer.alloc(32, 2)), '0'])).code).toBe('23000');
    expect(await hub.query('SELECT max(seq)::text AS seq FROM audit_log')).toEqual(last);

    // Nothing changed: the real CLI, as the hub's login, finds all six records and the head intact.
    expect(verify(hubUrl)).toEqual({ status: 0, out: expect.stringContaining('intact: 6 records') });
  });

  it('catches a record the hub\'s login appends after the head without the key', async () => {
    const { hub, hubUrl } = await fresh();
    const [{ hash: headHash }] = await hub.query('SELECT hash FROM audit_head WHERE id = 1');
    const forged = record(60);
    // It follows the head, so the database takes it; its hash is SHA-256, not the keyed link.
    expect(await attempt(hub, INSERT, insertValues(forged, headHash, chainHash(headHash, forged)))).toEqual({ code: 'ok', message: '' });
    expect(verify(hubUrl)).toEqual({ status: 1, out: expect.stringContaining('BROKEN at record 7 (CHANGED)') });
  });

  it('catches an owner who deletes a record and rechains the rest with SHA-256, or with HMAC under a guessed key', async () => {
    const sha = await fresh();
    await rewriteAsOwner(sha.owner, 3, (prev, fields) => createHash('sha256').update(prev).update(canonicalJson(fields)).digest());
    // The rewrite is consistent in itself (5 records, head at the last), only the key is missing.
    expect(await sha.owner.query('SELECT count(*)::int AS n FROM audit_log')).toEqual([{ n: 5 }]);
    expect(verify(sha.hubUrl)).toEqual({ status: 1, out: expect.stringContaining('BROKEN at record 4 (CHANGED): record 4 was changed') });

    const guessed = await fresh();
    const guess = Buffer.from('ketenhub-audit-chain-key-guess-0');
    await rewriteAsOwner(guessed.owner, 3, (prev, fields) => chainHmac(guess, prev, fields));
    expect(verify(guessed.hubUrl)).toEqual({ status: 1, out: expect.stringContaining('BROKEN at record 4 (CHANGED): record 4 was changed') });
    // With the key the same rewrite would pass: the key, not the rows, is what a rewrite lacks.
    const withKey = await fresh();
    await rewriteAsOwner(withKey.owner, 3, (prev, fields) => chainHmac(KEY, prev, fields));
    expect(verify(withKey.hubUrl)).toEqual({ status: 0, out: expect.stringContaining('intact: 5 records') });
  });

  it('catches an owner who moves the checkpoint to pass the whole chain off as unkeyed', async () => {
    const { owner, hubUrl } = await fresh();
    await rewriteAsOwner(owner, 3, (prev, fields) => chainHash(prev, fields), 1);
    await owner.query('UPDATE audit_chain SET keyed_from_seq = 1000');
    // The chain is now an intact SHA-256 chain up to the checkpoint; only the pinned setting tells.
    expect(verify(hubUrl)).toEqual({ status: 1, out: expect.stringContaining('BROKEN at record 1000 (CHECKPOINT)') });
    expect(verify(hubUrl, { AUDIT_CHAIN_KEYED_FROM: '1000' })).toEqual({ status: 0, out: expect.stringContaining('intact: 5 records') });
  });

  it('moves an existing unkeyed chain forward from a checkpoint, whose records the first keyed one then protects', async () => {
    const ownerUrl = await createTestDatabase();
    const before = new DataSource({ type: 'postgres', url: ownerUrl, migrations: MIGRATIONS.filter((m) => m.name !== 'AuditChainKeyed1765200000000'), migrationsTableName: 'migrations' });
    await before.initialize();
    open.push(before);
    await before.runMigrations({ transaction: 'each' });
    // Three records as the hub wrote them before: SHA-256 links, the head updated by hand.
    for (let i = 1; i <= 3; i++) {
      await before.transaction(async (tx) => {
        const [{ hash: prev }] = await tx.query('SELECT hash FROM audit_head WHERE id = 1 FOR UPDATE');
        const r = record(i);
        const hash = chainHash(prev, r);
        await tx.query(INSERT, insertValues(r, prev, hash));
        await tx.query('UPDATE audit_head SET seq = seq + 1, hash = $1 WHERE id = 1', [hash]);
      });
    }
    await before.destroy();

    const owner = createDataSource(ownerUrl, 1);
    await owner.initialize();
    open.push(owner);
    expect(await migrate(owner, { grantTo: LOCAL_ROLES.hub.user })).toEqual(['AuditChainKeyed1765200000000']);
    expect(await owner.query('SELECT keyed_from_seq::int AS n FROM audit_chain')).toEqual([{ n: 3 }]);
    const hubUrl = asHubLogin(ownerUrl);
    const hub = createDataSource(hubUrl, 1);
    await hub.initialize();
    open.push(hub);
    for (let i = 4; i <= 5; i++) await hub.transaction((tx) => new AuditStore(KEY).append(tx, [record(i)]));

    expect(verify(hubUrl, { AUDIT_CHAIN_KEYED_FROM: '3' })).toEqual({ status: 0, out: expect.stringContaining('intact: 5 records, chain and head match (keyed after record 3') });
    // Not pinned: the checkpoint the database names is not taken on trust.
    expect(verify(hubUrl)).toEqual({ status: 1, out: expect.stringContaining('BROKEN at record 3 (CHECKPOINT)') });
    // An owner who removes an unkeyed record and rechains: the first keyed record no longer matches.
    await rewriteAsOwner(owner, 2, (prev, fields) => chainHash(prev, fields));
    expect(verify(hubUrl, { AUDIT_CHAIN_KEYED_FROM: '3' })).toEqual({ status: 1, out: expect.stringContaining('BROKEN at record 4 (CHANGED)') });
  });

  it('refuses to grant a login that owns the tables, and a hub in production refuses to run as one', async () => {
    const { owner, ownerUrl } = await fresh();
    await expect(migrate(owner, { grantTo: LOCAL_ROLES.owner.user })).rejects.toThrow(/ketenhub_owner.*owns audit_log.*rewrite the trail/);
    expect(await auditTrailExposure(owner)).toEqual(expect.arrayContaining([expect.stringContaining('owns audit_log')]));
    const keys = testKeys();
    const result = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'apps', 'hub', 'src', 'main.js')], {
      env: {
        ...process.env, NODE_ENV: 'production', KAFKA_ALLOW_PLAINTEXT_LOOPBACK: 'true', DATABASE_URL: ownerUrl, KETENHUB_TOPIC_PREFIX: uniquePrefix(), HTTP_PORT: '0',
        BSN_HASH_KEY: keys.hash, BSN_ENCRYPTION_KEY: keys.encryption, API_TOKEN_KEY: keys.api, PARTNER_SECRET_KEY: keys.partner, AUDIT_CHAIN_KEY: keys.audit,
      },
      encoding: 'utf8', timeout: 60_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("ketenhub: could not start: the hub's database login (DATABASE_URL) could rewrite the audit trail");
    expect(result.stderr).toContain("the login 'ketenhub_owner' owns audit_log");
  });
});
