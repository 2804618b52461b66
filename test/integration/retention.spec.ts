/**
 * Retention on the real PostgreSQL: the bewaartermijnen of config/retention.yaml are enforced
 * (gezinsdossier P20Y, verzonden-berichten P30D, afwijzingen P1Y), every removal is audited in the
 * same transaction, the audit trail itself is never touched, and a dry run removes nothing.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DataSource, EntityManager } from 'typeorm';
import { Contracts } from '@ketenhub/contracts';
import { AuditStore, ConsentStore, createDataSource, FAMILY_DATA_TABLES, migrate, RetentionStore, verifyAuditChain } from '@ketenhub/persistence';
import { BsnVault } from '@ketenhub/privacy';
import { loadRetentionConfig, type RetentionConfig } from '../../apps/hub/src/privacy/retention-config';
import { RunRetentionUseCase } from '../../apps/hub/src/privacy/run-retention.use-case';
import { makeBsn } from '../support/factories';
import { pollUntil } from '../support/poll';
import { LOCAL_ROLES } from '../../deploy/local/postgres';
import { ROOT, asHubLogin, createTestDatabase, startHubProcess, testKeys, uniquePrefix } from '../support/test-env';

const contracts = Contracts.load();
const config: RetentionConfig = loadRetentionConfig(path.join(ROOT, 'config', 'retention.yaml'), contracts);
const vault = new BsnVault(randomBytes(32), randomBytes(32));
const AUDIT_KEY = randomBytes(32);

/**
 * Migrated by the owner, which grants the hub's login; `db` and `url` are the hub's restricted
 * login, as the retention job runs in the hub (and as `npm run retention` runs with DATABASE_URL),
 * `owner` the owner's for what only a migration may do.
 */
async function freshDatabase(): Promise<{ db: DataSource; url: string; owner: DataSource }> {
  const ownerUrl = await createTestDatabase();
  const owner = createDataSource(ownerUrl, 1);
  await owner.initialize();
  await migrate(owner, { grantTo: LOCAL_ROLES.hub.user });
  const url = asHubLogin(ownerUrl);
  const db = createDataSource(url, 4);
  await db.initialize();
  return { db, url, owner };
}

interface Seeded {
  familyId: string;
  personIds: string[];
}

/**
 * A family with a row in every table that holds family data, its events `ago` in the past (a
 * PostgreSQL interval). `receivedAgo` lets an event about the past arrive later than it happened;
 * `topicPrefix` makes its unsent message one a running hub's relay can deliver.
 */
async function seedFamily(db: DataSource, ago: string, options: { receivedAgo?: string; topicPrefix?: string } = {}): Promise<Seeded> {
  // One transaction: a running hub's retention job must never see half a family.
  return db.transaction((tx) => seedFamilyIn(tx, ago, options));
}

async function seedFamilyIn(db: EntityManager, ago: string, options: { receivedAgo?: string; topicPrefix?: string }): Promise<Seeded> {
  const receivedAgo = options.receivedAgo ?? ago;
  const familyId = randomUUID();
  const personIds = [randomUUID(), randomUUID()];
  const at = `now() - $2::interval`;
  await db.query(`INSERT INTO family (id, municipality, created_at, updated_at) VALUES ($1, 'GM0034', ${at} - interval '60 days', ${at})`, [familyId, ago]);
  for (const id of personIds) {
    const bsn = makeBsn();
    await db.query('INSERT INTO person (id, family_id, bsn_hash, bsn_encrypted, created_at) VALUES ($1, $2, $3, $4, now() - $5::interval)',
      [id, familyId, vault.lookupHash(bsn), vault.encrypt(bsn), ago]);
  }
  await db.query(`INSERT INTO involvement (family_id, partner_id, since, first_event_id, dossier_sent_at) VALUES ($1, 'toegang-almere', ${at}, 'e-1', ${at})`, [familyId, ago]);
  for (const [i, extra] of [[1, '60 days'], [2, '0 days']] as const) {
    await db.query(
      `INSERT INTO inbox (source, event_id, type, occurred_at, received_at, family_id, topic, kafka_partition, kafka_offset, payload_sha256, data)
       VALUES ('urn:ketenhub:partner:toegang-almere', $1, 'nl.ketenhub.toegang.hulpvraag-geregistreerd.v1', ${at} - $4::interval,
               now() - $3::interval - $4::interval, $5, 'inbound.toegang-almere', 0, $6, $7, '{}')`,
      [`${familyId}-e${i}`, ago, receivedAgo, extra, familyId, i, randomBytes(32)]);
  }
  await db.query(
    `INSERT INTO regie_of_record (family_id, regisseur_role, regisseur_partner, row_id, table_name, table_version, config_version, cause_event_id, since)
     VALUES ($1, 'LOKALE_TOEGANG', 'toegang-almere', 'r1', 'standaard', '1', 'v1', 'e-1', ${at})`, [familyId, ago]);
  await db.query(
    `INSERT INTO regie_history (family_id, recorded_at, kind, to_role, to_partner, row_id, table_name, table_version, config_version, cause_event_id)
     VALUES ($1, ${at}, 'REGISSEUR', 'LOKALE_TOEGANG', 'toegang-almere', 'r1', 'standaard', '1', 'v1', 'e-1')`, [familyId, ago]);
  await db.query(`INSERT INTO timer (family_id, kind, timer_key, due_at, person_id) VALUES ($1, 'ACHTTIEN_PLUS', 'achttien', ${at} + interval '1 year', $3)`,
    [familyId, ago, personIds[0]]);
  for (const published of [true, false]) {
    const [{ seq }] = await db.query(
      `INSERT INTO outbox (seq, message_id, topic, message_key, value, family_id, created_at)
       VALUES (${published ? "nextval(pg_get_serial_sequence('outbox', 'seq'))" : UNPUBLISHED_SEQ}, $1, $5, $3, 'x', $4, ${at}) RETURNING seq`,
      [randomUUID(), ago, familyId, familyId, `${options.topicPrefix ?? ''}outbound.veilig-thuis-flevoland`]);
    if (published) await db.query(`INSERT INTO outbox_published (up_to_seq, published_at) VALUES ($1, ${at})`, [seq, ago]);
  }
  // What the gateway keeps for a partner on HTTPS carries the family's messages: it goes with the family.
  const seq = Math.floor(Math.random() * 1e9);
  await db.query(
    `INSERT INTO partner_delivery (partner_id, seq, message_id, event_type, family_id, value, source_topic, source_partition, source_offset, received_at, status)
     VALUES ('toegang-almere', $3, $4, 'nl.ketenhub.veiligthuis.melding-ontvangen.v1', $1, 'x', 'outbound.toegang-almere', 0, 0, ${at}, 'DELIVERED')`,
    [familyId, ago, seq, randomUUID()]);
  // A message of the family the broker refused for good is the family's data too.
  await db.query(
    `INSERT INTO outbox_quarantine (seq, message_id, topic, value, family_id, value_bytes, reason, detail, quarantined_at)
     VALUES ($3, $4, 'outbound.veilig-thuis-flevoland', 'x', $1, 1, 'MESSAGE_TOO_LARGE', 'The request included a message larger than the max message size the server will accept', ${at})`,
    [familyId, ago, -Math.floor(Math.random() * 1e12) - 1, randomUUID()]);
  // Consent references the family and both persons: it is part of the dossier and goes with it.
  await new ConsentStore().record(db, [{
    familyId, subjectPersonId: personIds[0], givenByPersonId: personIds[1], relation: 'OUDER', purpose: 'hulpverlening', recipientPartnerId: null,
    validFrom: '2004-01-01', validUntil: null, recordedBy: 'toegang-almere', consentRef: `${familyId}-c`, causeEventId: `${familyId}-e1`,
  }]);
  return { familyId, personIds };
}

/** Rows of this family in every table that has a family_id column (the audit trail aside), and its person and family rows. */
async function footprint(db: DataSource, family: Seeded): Promise<Record<string, number>> {
  const tables: Array<{ table_name: string }> = await db.query(
    `SELECT table_name FROM information_schema.columns WHERE table_schema = current_schema() AND column_name = 'family_id' AND table_name <> 'audit_log' ORDER BY 1`);
  const counts: Record<string, number> = {};
  for (const { table_name: table } of tables) {
    counts[table] = Number((await db.query(`SELECT count(*) AS n FROM ${table} WHERE family_id = $1`, [family.familyId]))[0].n);
  }
  counts.family = Number((await db.query('SELECT count(*) AS n FROM family WHERE id = $1', [family.familyId]))[0].n);
  counts['person (by id)'] = Number((await db.query('SELECT count(*) AS n FROM person WHERE id = ANY($1::uuid[])', [family.personIds]))[0].n);
  return counts;
}

const allZero = (counts: Record<string, number>) => Object.fromEntries(Object.keys(counts).map((k) => [k, 0]));

/**
 * The relay publishes a prefix of the outbox (everything up to its position, outbox_published), so
 * a seeded message that is never sent sits above every seeded sent one: it takes a seq far above
 * the sequence's, and the sent ones seeded after it still come below it.
 */
const UNPUBLISHED_SEQ = `1000000000000 + nextval(pg_get_serial_sequence('outbox', 'seq'))`;

/** A message written `createdAgo`, published `publishedAgo` (the relay's position moved past it then), or never (null). */
async function seedOutbox(db: DataSource, createdAgo: string, publishedAgo: string | null): Promise<string> {
  const id = randomUUID();
  const [{ seq }] = await db.query(
    `INSERT INTO outbox (seq, message_id, topic, value, created_at)
     VALUES (${publishedAgo === null ? UNPUBLISHED_SEQ : "nextval(pg_get_serial_sequence('outbox', 'seq'))"}, $1, 'outbound.toegang-almere', 'x', now() - $2::interval)
     RETURNING seq`, [id, createdAgo]);
  if (publishedAgo !== null) await db.query('INSERT INTO outbox_published (up_to_seq, published_at) VALUES ($1, now() - $2::interval)', [seq, publishedAgo]);
  return id;
}

async function seedRejection(db: DataSource, ago: string): Promise<number> {
  const offset = Math.floor(Math.random() * 1e9);
  const [row] = await db.query(
    `INSERT INTO rejection (topic, kafka_partition, kafka_offset, partner_id, reason, errors, received_at)
     VALUES ('inbound.toegang-almere', 0, $1, 'toegang-almere', 'SCHEMA', '[]', now() - $2::interval) RETURNING id`, [offset, ago]);
  return Number(row.id);
}

const exists = async (db: DataSource, sql: string, params: unknown[]): Promise<boolean> => (await db.query(sql, params)).length > 0;

interface AuditRow {
  action: string;
  outcome: string;
  family_id: string | null;
  data_categories: string[];
  purpose: string;
  causation_id: string;
  config_version: string;
  access_point: string;
}

const retentionRecords = (db: DataSource): Promise<AuditRow[]> =>
  db.query(`SELECT action, outcome, family_id, data_categories, purpose, causation_id, config_version, access_point
            FROM audit_log WHERE action = 'RETENTION' ORDER BY seq`);

type Category = RetentionConfig['rules'][number]['category'];

/** The use case on the shipped configuration, optionally with only some categories (so a test sees one category's effect alone). */
function useCase(db: DataSource, options: { batch?: { families: number; rows: number }; only?: Category[] } = {}): RunRetentionUseCase {
  const rules = config.rules.filter((r) => !options.only || options.only.includes(r.category));
  return new RunRetentionUseCase({
    dataSource: db, store: new RetentionStore(), audit: new AuditStore(AUDIT_KEY), config: { ...config, rules }, systemId: 'ketenhub/test',
    accessPoint: 'test:retention', batch: options.batch,
  });
}

/** One trail record that is not a removal, for the old family: the trail must outlive the dossier. */
async function discloseRecord(db: DataSource, familyId: string): Promise<void> {
  await db.transaction((tx) => new AuditStore(AUDIT_KEY).append(tx, [{
    auditId: randomUUID(), action: 'DISCLOSE', occurredAt: new Date().toISOString(), outcome: 'SUCCESS', systemId: 'ketenhub/test',
    actorPartnerId: 'toegang-almere', actorRole: 'LOKALE_TOEGANG', recipientPartnerId: 'veilig-thuis-flevoland', purpose: 'zicht op veiligheid',
    accessPoint: 'kafka:outbound.veilig-thuis-flevoland', familyId, dataCategories: ['hulpvraag'], legalBasis: 'WMO_2015_ART_5_2_6',
    ruleId: 'r', configVersion: 'v', messageId: randomUUID(), causationId: 'e-1',
  }]));
}

describe('retention (bewaartermijnen, config/retention.yaml)', () => {
  const open: DataSource[] = [];
  const fresh = async () => {
    const t = await freshDatabase();
    open.push(t.db, t.owner);
    return t;
  };
  afterAll(async () => {
    await Promise.all(open.map((db) => db.destroy()));
  });

  it('knows every table that holds family data in the migrated schema (a new one makes this fail until retention removes it too)', async () => {
    const { db } = await fresh();
    expect(await new RetentionStore().unknownFamilyTables(db.manager)).toEqual([]);
    const [{ n }] = await db.query('SELECT count(*) AS n FROM unnest($1::text[]) AS t WHERE to_regclass(t) IS NULL', [[...FAMILY_DATA_TABLES]]);
    expect(Number(n)).toBe(0);
  });

  it('gezinsdossier P20Y: removes a family whose last event is 21 years old from every table, and leaves families with a recent event untouched', async () => {
    const { db } = await fresh();
    const old = await seedFamily(db, '21 years');
    const recent = await seedFamily(db, '1 year');
    // Happened 21 years ago, but reached the hub last month: the dossier was changed last month.
    const lateArrival = await seedFamily(db, '21 years', { receivedAgo: '30 days' });
    const oldBefore = await footprint(db, old);
    expect(Object.values(oldBefore).every((n) => n > 0)).toBe(true);
    const recentBefore = await footprint(db, recent);
    const lateBefore = await footprint(db, lateArrival);

    // Only this category: the recent families' published messages would otherwise go under verzonden-berichten.
    const report = await useCase(db, { only: ['gezinsdossier'] }).run({ dryRun: false });

    expect(await footprint(db, old)).toEqual(allZero(oldBefore));
    expect(await footprint(db, recent)).toEqual(recentBefore);
    expect(await footprint(db, lateArrival)).toEqual(lateBefore);
    const dossier = report.categories.find((c) => c.category === 'gezinsdossier');
    expect(dossier).toMatchObject({ outcome: 'SUCCESS', removed: 1, batches: 1, period: 'P20Y' });
    expect(dossier?.tables).toMatchObject({ family: 1, person: 2, inbox: 2, involvement: 1, regie_of_record: 1, regie_history: 1, timer: 1, outbox: 2 });
  });

  it('verzonden-berichten P30D and afwijzingen P1Y: removes what is older, keeps unpublished messages however old', async () => {
    const { db } = await fresh();
    const sentLongAgo = await seedOutbox(db, '41 days', '40 days');
    const sentRecently = await seedOutbox(db, '11 days', '10 days');
    const neverSent = await seedOutbox(db, '400 days', null);
    const oldRejection = await seedRejection(db, '2 years');
    const newRejection = await seedRejection(db, '30 days');

    const report = await useCase(db).run({ dryRun: false });

    const outbox = 'SELECT 1 FROM outbox WHERE message_id = $1';
    expect(await exists(db, outbox, [sentLongAgo])).toBe(false);
    expect(await exists(db, outbox, [sentRecently])).toBe(true);
    expect(await exists(db, outbox, [neverSent])).toBe(true);
    expect(await exists(db, 'SELECT 1 FROM rejection WHERE id = $1', [oldRejection])).toBe(false);
    expect(await exists(db, 'SELECT 1 FROM rejection WHERE id = $1', [newRejection])).toBe(true);
    expect(report.categories.map((c) => [c.category, c.outcome, c.removed])).toEqual([
      ['gezinsdossier', 'SUCCESS', 0], ['verzonden-berichten', 'SUCCESS', 1], ['afwijzingen', 'SUCCESS', 1]]);
  });

  it('audits each run per category and per removed family, in the chain, and never removes from the audit trail', async () => {
    const { db } = await fresh();
    const old = await seedFamily(db, '21 years');
    await seedOutbox(db, '41 days', '40 days');
    await seedRejection(db, '2 years');
    await discloseRecord(db, old.familyId);

    const report = await useCase(db).run({ dryRun: false });

    const records = await retentionRecords(db);
    expect(records.map((r) => [r.data_categories, r.family_id, r.purpose])).toEqual([
      [['gezinsdossier'], null, 'bewaartermijn P20Y verstreken: 1 gezin verwijderd'],
      [['gezinsdossier'], old.familyId, expect.stringMatching(/^bewaartermijn P20Y verstreken: gezinsdossier verwijderd \(laatste gebeurtenis [0-9]{4}-[0-9]{2}-[0-9]{2}\)$/)],
      [['verzonden-berichten'], null, 'bewaartermijn P30D verstreken: 1 verzonden bericht verwijderd'],
      [['afwijzingen'], null, 'bewaartermijn P1Y verstreken: 1 afwijzing verwijderd'],
    ]);
    for (const r of records) {
      expect(r).toMatchObject({ action: 'RETENTION', outcome: 'SUCCESS', causation_id: `retention:${report.runId}`, config_version: config.version, access_point: 'test:retention' });
    }
    // The family's own trail shows what it received and that its record was destroyed.
    const trail: Array<{ action: string }> = await db.query('SELECT action FROM audit_log WHERE family_id = $1 ORDER BY seq', [old.familyId]);
    expect(trail.map((r) => r.action)).toEqual(['DISCLOSE', 'RETENTION']);
    expect(await verifyAuditChain(db.manager, { key: AUDIT_KEY })).toEqual({ ok: true, records: 5 });

    // A second run finds nothing more and writes nothing.
    await useCase(db).run({ dryRun: false });
    expect(await retentionRecords(db)).toHaveLength(4);
  });

  it('a dry run removes nothing and writes only its own record per category, saying what it would remove', async () => {
    const { db } = await fresh();
    const old = await seedFamily(db, '21 years');
    const sent = await seedOutbox(db, '41 days', '40 days');
    const rejection = await seedRejection(db, '2 years');
    const before = await footprint(db, old);
    const counts = () => db.query('SELECT (SELECT count(*) FROM family) AS f, (SELECT count(*) FROM outbox) AS o, (SELECT count(*) FROM rejection) AS r');
    const totalsBefore = await counts();

    const report = await useCase(db).run({ dryRun: true });

    expect(report.dryRun).toBe(true);
    // Each category is counted on its own: the old family's published message counts under verzonden-berichten too
    // (a real run removes it with the family, before that category runs).
    expect(report.categories.map((c) => [c.category, c.removed])).toEqual([['gezinsdossier', 1], ['verzonden-berichten', 2], ['afwijzingen', 1]]);
    expect(await footprint(db, old)).toEqual(before);
    expect(await counts()).toEqual(totalsBefore);
    expect(await exists(db, 'SELECT 1 FROM outbox WHERE message_id = $1', [sent])).toBe(true);
    expect(await exists(db, 'SELECT 1 FROM rejection WHERE id = $1', [rejection])).toBe(true);
    expect((await retentionRecords(db)).map((r) => [r.family_id, r.outcome, r.purpose])).toEqual([
      [null, 'SUCCESS', 'proefrun, niets verwijderd: bewaartermijn P20Y verstreken voor 1 gezin'],
      [null, 'SUCCESS', 'proefrun, niets verwijderd: bewaartermijn P30D verstreken voor 2 verzonden berichten'],
      [null, 'SUCCESS', 'proefrun, niets verwijderd: bewaartermijn P1Y verstreken voor 1 afwijzing'],
    ]);
    expect(await verifyAuditChain(db.manager, { key: AUDIT_KEY })).toEqual({ ok: true, records: 3 });
  });

  it('removes in batches, one transaction each with its own records, so a backlog never holds one giant transaction', async () => {
    const { db } = await fresh();
    const families = await Promise.all([1, 2, 3, 4, 5].map(() => seedFamily(db, '25 years')));
    for (let i = 0; i < 5; i++) await seedOutbox(db, '50 days', '45 days');

    const report = await useCase(db, { batch: { families: 2, rows: 2 } }).run({ dryRun: false });

    for (const f of families) expect(Object.values(await footprint(db, f)).every((n) => n === 0)).toBe(true);
    // Of the seeded families' outbox rows (published and not) nothing is left; of the five old sent messages none.
    expect(Number((await db.query('SELECT count(*) AS n FROM outbox'))[0].n)).toBe(0);
    expect(report.categories.map((c) => [c.category, c.removed, c.batches])).toEqual([['gezinsdossier', 5, 3], ['verzonden-berichten', 5, 3], ['afwijzingen', 0, 0]]);
    const summaries = (await retentionRecords(db)).filter((r) => r.family_id === null).map((r) => r.purpose);
    expect(summaries).toEqual([
      'bewaartermijn P20Y verstreken: 2 gezinnen verwijderd', 'bewaartermijn P20Y verstreken: 2 gezinnen verwijderd', 'bewaartermijn P20Y verstreken: 1 gezin verwijderd',
      'bewaartermijn P30D verstreken: 2 verzonden berichten verwijderd', 'bewaartermijn P30D verstreken: 2 verzonden berichten verwijderd', 'bewaartermijn P30D verstreken: 1 verzonden bericht verwijderd',
    ]);
    expect((await retentionRecords(db)).filter((r) => r.family_id !== null).map((r) => r.family_id).sort()).toEqual(families.map((f) => f.familyId).sort());
    expect(await verifyAuditChain(db.manager, { key: AUDIT_KEY })).toMatchObject({ ok: true });
  });

  it('refuses to remove families while a table it does not know holds family data, names it, audits the failure, and still runs the other categories', async () => {
    const { db, owner } = await fresh();
    const old = await seedFamily(db, '21 years');
    const sent = await seedOutbox(db, '41 days', '40 days');
    // A table a later migration would add, by the owner: the hub's login has no rights on it yet.
    await owner.query('CREATE TABLE family_note (id serial PRIMARY KEY, family_id uuid NOT NULL REFERENCES family(id), note text)');
    const before = await footprint(db, old);

    const report = await useCase(db).run({ dryRun: false });

    expect(report.categories[0]).toMatchObject({ category: 'gezinsdossier', outcome: 'FAILURE', removed: 0, error: expect.stringContaining('family_note') });
    // The family is all there, but for its message published 21 years ago: that one went under verzonden-berichten.
    expect(await footprint(db, old)).toEqual({ ...before, outbox: before.outbox - 1 });
    expect(await exists(db, 'SELECT 1 FROM outbox WHERE message_id = $1', [sent])).toBe(false);
    const records = await retentionRecords(db);
    expect(records[0]).toMatchObject({ outcome: 'FAILURE', family_id: null, data_categories: ['gezinsdossier'], purpose: expect.stringContaining('family_note') });
    expect(records.slice(1).map((r) => r.data_categories[0])).toEqual(['verzonden-berichten']);
  });

  describe('npm run retention', () => {
    const cli = (url: string, args: string[]) => spawnSync(process.execPath, [path.join(ROOT, 'dist', 'apps', 'hub', 'src', 'cli', 'retention.js'), ...args], {
      env: { ...process.env, DATABASE_URL: url, AUDIT_CHAIN_KEY: AUDIT_KEY.toString('base64') }, encoding: 'utf8', timeout: 60_000,
    });

    it('--dry-run prints what it would remove and removes nothing; without it, removes and prints what it removed', async () => {
      const { db, url } = await fresh();
      const old = await seedFamily(db, '21 years');
      const before = await footprint(db, old);

      const dry = cli(url, ['--dry-run']);
      expect(dry.stderr).toBe('');
      expect(dry.status).toBe(0);
      expect(dry.stdout).toContain('dry run, nothing removed');
      expect(dry.stdout).toMatch(/gezinsdossier \(bewaartermijn P20Y, before [^)]+\): would remove 1/);
      expect(await footprint(db, old)).toEqual(before);

      const real = cli(url, []);
      expect(real.status).toBe(0);
      expect(real.stdout).toMatch(/gezinsdossier \(bewaartermijn P20Y, before [^)]+\): removed 1 in 1 transaction\(s\) \(rows: .*person 2.*family 1\)/);
      expect(await footprint(db, old)).toEqual(allZero(before));
      const records = await retentionRecords(db);
      expect(records.map((r) => r.access_point)).toEqual(Array(records.length).fill('cli:npm run retention'));
      expect(records.map((r) => r.purpose)).toEqual(expect.arrayContaining([expect.stringMatching(/^proefrun/), 'bewaartermijn P20Y verstreken: 1 gezin verwijderd']));
    });

    it('exits 2 naming the file, line and path of a broken retention file, before touching the database', async () => {
      const { db, url } = await fresh();
      const old = await seedFamily(db, '21 years');
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'retention-')), 'retention.yaml');
      fs.writeFileSync(file, fs.readFileSync(config.file, 'utf8').replace('period: P20Y', 'period: 20Y'));
      try {
        const result = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'apps', 'hub', 'src', 'cli', 'retention.js')], {
          env: { ...process.env, DATABASE_URL: url, RETENTION_FILE: file, AUDIT_CHAIN_KEY: AUDIT_KEY.toString('base64') }, encoding: 'utf8', timeout: 60_000,
        });
        expect(result.status).toBe(2);
        expect(result.stderr).toContain(file);
        expect(result.stderr).toMatch(/line [0-9]+, \/categories\/gezinsdossier\/period: '20Y' is not an ISO 8601 period/);
        expect((await footprint(db, old)).family).toBe(1);
      } finally {
        fs.rmSync(file, { force: true });
      }
    });

    it('refuses an unknown argument', () => {
      const result = cli('postgres://nobody@127.0.0.1:1/none', ['--dryrun']);
      expect(result.status).toBe(2);
      expect(result.stderr).toContain('unknown argument(s) --dryrun');
    });
  });

  it('the hub refuses to start with a broken retention file, naming the file, line and path', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'retention-')), 'retention.yaml');
    fs.writeFileSync(file, fs.readFileSync(config.file, 'utf8').replace('  afwijzingen:', '  logboek:\n    period: P1Y\n    description: alles\n  afwijzingen:'));
    const line = fs.readFileSync(file, 'utf8').split('\n').indexOf('    period: P1Y') + 1;
    const keys = testKeys();
    // spawnSync, not startHubProcess: it keeps every line the hub wrote before it exited.
    const result = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'apps', 'hub', 'src', 'main.js')], {
      env: {
        ...process.env, DATABASE_URL: await createTestDatabase(), KETENHUB_TOPIC_PREFIX: uniquePrefix(), HTTP_PORT: '0', RETENTION_FILE: file,
        BSN_HASH_KEY: keys.hash, BSN_ENCRYPTION_KEY: keys.encryption, API_TOKEN_KEY: keys.api, PARTNER_SECRET_KEY: keys.partner,
        AUDIT_CHAIN_KEY: keys.audit,
      },
      encoding: 'utf8', timeout: 60_000,
    });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(`${file} is not a valid retention configuration:\n  - line ${line}, /categories/logboek: must NOT have additional properties`);
  });

  it('the hub runs the job on its interval (RETENTION_INTERVAL_MS) and stops cleanly with it', async () => {
    const url = await createTestDatabase();
    const topicPrefix = uniquePrefix();
    const hub = await startHubProcess({ databaseUrl: url, topicPrefix, env: { RETENTION_INTERVAL_MS: '300' } });
    const db = createDataSource(url, 2);
    try {
      await db.initialize();
      // The hub migrated and ran the job once at boot; only a run on the interval can take this family.
      const old = await seedFamily(db, '21 years', { topicPrefix });
      await pollUntil('the hub\'s retention job to remove the expired family', async () => ((await footprint(db, old)).family === 0 ? true : undefined), 20_000);
      expect(Object.values(await footprint(db, old)).every((n) => n === 0)).toBe(true);
      const [record] = await db.query("SELECT system_id, access_point FROM audit_log WHERE action = 'RETENTION' AND family_id = $1", [old.familyId]);
      expect(record).toEqual({ system_id: 'ketenhub/demo', access_point: 'job:retention' });
    } finally {
      await hub.stop();
      if (db.isInitialized) await db.destroy();
    }
    // Stopped by SIGTERM within stop()'s grace period, not SIGKILLed because something kept it alive.
    expect((await hub.exited).signal).not.toBe('SIGKILL');
  });
});
