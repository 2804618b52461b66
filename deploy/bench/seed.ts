/**
 * `seedFamilies(databaseUrl, n, onProgress)`: loads n families straight into a hub database, so
 * the growth benchmark (`npm run bench -- --growth …`) measures new events on top of a database
 * that looks like one that has served n families, without pushing them all through the hub.
 *
 * Every seeded family has been through the bench's own story (familyStory in chain-mix.ts), in story
 * order, and holds the rows the hub writes for that story (read off a real run; the growth bench
 * compares a family the hub makes with a seeded one and says when they differ):
 *   - family: 1, with its municipality (the six of Flevoland in turn);
 *   - person: 2, the child and a parent; bsn_hash 32 random-looking bytes (SHA-256 of a seed
 *     string, so it cannot meet the keyed hash of any BSN the bench sends), bsn_encrypted 37 bytes
 *     (the length of AES-256-GCM over a BSN: IV, nine bytes, tag);
 *   - inbox: 5 events (request for help at the municipality's local access, Veilig Thuis report,
 *     two veiligheidskaart contributions, triage), data with persoonIds as the hub stores it;
 *   - involvement: 2, each with the relation and legal basis the involvement rule (libs/domain
 *     decideInvolvement) gives it: local access by LOKALE_TOEGANG (the request for help), Veilig
 *     Thuis by MELDING (its report); regie_of_record: 1; regie_history: 4 (regisseur and safety
 *     holder to local access, then to Veilig Thuis); timer: 1 (the child's 18+);
 *   - audit_log: 13, in the hash chain in the hub's order: per event its INVOLVE record (the
 *     partner it involves, as DisclosureBatch.involve writes it) before its disclosures, then one
 *     DISCLOSE record per message;
 *   - outbox: the same 11 messages, published, but only those of the last 30 days: retention
 *     (`verzonden-berichten`, P30D) removes published messages after that, so an older hub holds
 *     only its last month's.
 * Stories start evenly spread over the `spanDays` before now (the last one six days ago, so every
 * story is complete); a story takes five days. Children are 2 months to 15 years old when their
 * family comes in, so no 18+ timer is due yet (a due one would fire at the hub's start).
 *
 * All but the audit trail is written set-based (INSERT … SELECT FROM generate_series), one
 * transaction per chunk. The audit records are hashed in Node with the project's chainHmac, in
 * chain order, and inserted in batches, the chain head moving in the same statement, so
 * verifyAuditChain (npm run audit:verify) passes at every commit. The two run side by side on two
 * connections (PostgreSQL writes while Node hashes). Indexes are built after the load
 * (dropLooseStructure). Ends with VACUUM ANALYZE: a database in use has been vacuumed and
 * analysed, and an insert-triggered autovacuum of millions of fresh rows would otherwise run
 * during the measurement. A seed that fails leaves the database unusable: seed a new one.
 */
import { createHash, randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { Client } from 'pg';
import { chainHmac, type AuditFields } from '@ketenhub/audit';
import { Contracts } from '@ketenhub/contracts';
import { CLOUDEVENTS_CONTENT_TYPE, HUB_SOURCE, partnerSource, Topics } from '@ketenhub/messaging';
import { foldFamily, type FamilyEvent, type InvolvementRelation } from '@ketenhub/domain';
import { AuditStore, createDataSource, migrate } from '@ketenhub/persistence';
import { involvementIn, loadRegion, systemIdOf, type Region } from '@ketenhub/routing';
import { loadAuditChain } from '@ketenhub/config';
import { activateRegion } from '../../apps/hub/src/governance/activate-config';
import { involvementRecord } from '../../apps/hub/src/ingress/disclosures';
import { repoRoot } from '../local/process-util';

export interface SeedOptions {
  /** The topic prefix the hub will run with (inbox and outbox rows name their topics). */
  topicPrefix?: string;
  regionDir?: string;
  /** Stories start evenly spread over this many days before now. */
  spanDays?: number;
  /** Families per transaction of the set-based part. */
  chunk?: number;
  /** The AUDIT_CHAIN_KEY the hub will run with: the seeded trail is chained under it. */
  auditChainKey: Buffer;
}

export interface SeedReport {
  families: number;
  seconds: number;
  /** Of which building the indexes and constraints after the load, and VACUUM ANALYZE at the end. */
  indexSeconds: number;
  vacuumSeconds: number;
  rows: Record<string, number>;
  /** Seconds spent per table; the audit trail's hashing in Node apart (it overlaps its inserts). */
  secondsPerTable: Record<string, number>;
  databaseMiB: number;
}

const DAY = 86_400_000;
const HOUR = 3_600_000;
const VT = 'veilig-thuis-flevoland';
/** The municipalities in turn, with their local access (as in bench.ts). */
const MUNICIPALITIES = [
  { gemeente: 'GM0034', toegang: 'toegang-almere' }, { gemeente: 'GM0303', toegang: 'toegang-dronten' },
  { gemeente: 'GM0995', toegang: 'toegang-lelystad' }, { gemeente: 'GM0171', toegang: 'toegang-noordoostpolder' },
  { gemeente: 'GM0184', toegang: 'toegang-urk' }, { gemeente: 'GM0050', toegang: 'toegang-zeewolde' },
];
const KAFKA_PARTITIONS = 3;
/** How long the hub keeps published messages (config/retention.yaml, verzonden-berichten). */
const OUTBOX_RETENTION_DAYS = 30;
/** Audit records per INSERT. */
const AUDIT_BATCH = 11_000;

const type = (name: string) => `nl.ketenhub.${name}.v1`;
const HULPVRAAG = type('toegang.hulpvraag-geregistreerd');
const MELDING = type('veiligthuis.melding-ontvangen');
const BIJDRAGE = type('keten.veiligheidskaart-bijdrage');
const TRIAGE = type('veiligthuis.triage-afgerond');

/**
 * Placeholders in the JSON templates below; SQL replaces them per family. Values are ids, codes
 * and times: nothing that needs JSON escaping, except partner names, which are put in escaped.
 */
type Token = '@FAMILY@' | '@CHILD@' | '@PARENT@' | '@GM@' | '@TOEGANG@' | '@TOEGANGNAAM@' | '@ZAAK@' | '@BIRTH@' | '@MESSAGE@' | '@DECIDED@'
  | '@E1@' | '@E2@' | '@E3@' | '@E4@' | '@E5@' | '@T1@' | '@T2@' | '@T3@' | '@T4@' | '@T5@';

type Who = 'toegang' | 'vt';

interface Step {
  step: 1 | 2 | 3 | 4 | 5;
  sender: Who;
  type: string;
  /** After the story's start; steps 2 to 5 also move by the family's jitter (up to an hour). */
  offsetMs: number;
  data: Record<string, unknown>;
}

/** The bench's familyStory, as the hub stores it (BSNs replaced by persoonIds). */
const STEPS: Step[] = [
  {
    step: 1, sender: 'toegang', type: HULPVRAAG, offsetMs: 0,
    data: {
      zaakreferentie: '@ZAAK@', gemeente: '@GM@', toegangsroute: 'GEZIN_ZELF', perspectief: 'THUIS',
      kinderen: [{ persoon: { persoonId: '@CHILD@' }, geboortedatum: '@BIRTH@' }], gezagdragers: [{ persoon: { persoonId: '@PARENT@' }, relatie: 'OUDER' }],
    },
  },
  { step: 2, sender: 'vt', type: MELDING, offsetMs: DAY + 2 * HOUR, data: { kinderen: [{ persoonId: '@CHILD@' }], gemeente: '@GM@', melder: 'POLITIE' } },
  { step: 3, sender: 'vt', type: BIJDRAGE, offsetMs: 2 * DAY + 3 * HOUR, data: { kinderen: [{ persoonId: '@CHILD@' }], zorgen: ['Spanningen thuis'] } },
  { step: 4, sender: 'vt', type: TRIAGE, offsetMs: 3 * DAY + HOUR, data: { kinderen: [{ persoonId: '@CHILD@' }], uitkomst: 'WACHTLIJST' } },
  { step: 5, sender: 'toegang', type: BIJDRAGE, offsetMs: 5 * DAY + 4 * HOUR, data: { kinderen: [{ persoonId: '@CHILD@' }], krachten: ['Oma helpt mee'] } },
];

interface Disclosure {
  /** 1..11 within the family: names its message id. */
  n: number;
  step: Step['step'];
  to: Who;
  /** A forwarded partner event (the sender acts) or the hub's own (the hub acts). */
  hub: boolean;
  type: string;
  routeId: string;
  categories: string[];
  data: Record<string, unknown>;
}

/** What the hub sends for the story, in the order it writes it (outbox seq and audit chain). */
function disclosures(region: Region): Disclosure[] {
  const reason = (row: string, cause: Token) => ({
    tabel: region.regieTable.table, tabelversie: region.regieTable.version, rij: row, configVersie: region.version, oorzaak: cause,
    omschrijving: region.regieTable.rows.find((r) => r.id === row)?.description ?? '',
  });
  const toegang = { rol: 'LOKALE_TOEGANG', organisatie: '@TOEGANG@' };
  const vt = { rol: 'VEILIG_THUIS', organisatie: VT };
  const kaart = { versie: 0, samenvatting: { zorgen: [], gevaarsuitspraken: [], krachten: [], bestaandeVeiligheid: [], stappenGezet: [], watWordtGeprobeerd: [], watWerktNiet: [], meningsverschillen: [], veiligheidsdoelen: [], schaalscores: [] }, bijdragen: [] };
  const history1 = [{ tijd: '@T1@', type: HULPVRAAG, bron: '@TOEGANG@' }];
  const history2 = [...history1, { tijd: '@T2@', type: MELDING, bron: VT }];
  const handover = (holder: object, history: object[]) => ({ regisseur: holder, veiligheid: holder, perspectief: 'THUIS', kader: 'VRIJWILLIG', veiligheidskaart: kaart, evaluaties: [], geschiedenis: history });
  const forward = (n: number, step: Step, to: Who, routeId: string): Disclosure => ({ n, step: step.step, to, hub: false, type: step.type, routeId, categories: [step.type], data: step.data });
  const hub = (n: number, step: Step['step'], to: Who, name: string, routeId: string, data: Record<string, unknown>): Disclosure => ({
    n, step, to, hub: true, type: type(`hub.${name}`), routeId, categories: [type(`hub.${name}`)], data,
  });
  const [s1, s2, s3, s4, s5] = STEPS;
  return [
    {
      n: 1, step: 1, to: 'vt', hub: false, type: type('hub.verwijzing'), routeId: 'hulpvraag-verwijzing', categories: [`${HULPVRAAG}#verwijzing`],
      data: { over: { type: HULPVRAAG, id: '@E1@' }, afzender: { partnerId: '@TOEGANG@', naam: '@TOEGANGNAAM@', rol: 'LOKALE_TOEGANG' } },
    },
    hub(2, 1, 'toegang', 'regisseur-toegewezen', 'regisseur-van-record', { regisseur: toegang, reden: reason('HULPVRAAG', '@E1@'), overdracht: handover(toegang, history1) }),
    hub(3, 1, 'toegang', 'veiligheid-toegewezen', 'veiligheid-van-record', { veiligheid: toegang, reden: reason('HULPVRAAG', '@E1@') }),
    forward(4, s2, 'toegang', 'vt-naar-betrokkenen'),
    hub(5, 2, 'vt', 'regisseur-toegewezen', 'regisseur-van-record', { regisseur: vt, vorige: toegang, reden: reason('VT-ANDEREN', '@E2@'), overdracht: handover(vt, history2) }),
    hub(6, 2, 'toegang', 'regisseur-toegewezen', 'regisseur-van-record', { regisseur: vt, vorige: toegang, reden: reason('VT-ANDEREN', '@E2@'), overdracht: handover(vt, history2) }),
    hub(7, 2, 'vt', 'veiligheid-toegewezen', 'veiligheid-van-record', { veiligheid: vt, vorige: toegang, reden: reason('VT-ANDEREN', '@E2@') }),
    hub(8, 2, 'vt', 'dossier-overgedragen', 'dossier-voor-nieuwe-partner', { overdracht: handover(vt, history2) }),
    forward(9, s3, 'toegang', 'perspectief-naar-betrokkenen'),
    forward(10, s4, 'toegang', 'vt-naar-betrokkenen'),
    forward(11, s5, 'vt', 'perspectief-naar-betrokkenen'),
  ];
}

/** A partner the story involves: at which step, by which relation and basis (the involvement rule's). */
export interface StoryInvolvement {
  step: Step['step'];
  who: Who;
  relation: InvolvementRelation;
  basis: string;
}

/**
 * Who the story involves, decided by the hub's own rule (involvementIn, libs/domain
 * decideInvolvement) step by step, for each of the six municipalities: the family as it stands
 * before each step (involved partners, regisseur of record, state). The seed needs the same answer
 * for all six (its SQL writes one relation per step) and only the sender of an event to become
 * involved; anything else is a story this seeder cannot write, and it says so.
 */
export function storyInvolvements(region: Region): StoryInvolvement[] {
  let decided: StoryInvolvement[] | undefined;
  for (const m of MUNICIPALITIES) {
    const partnerOf = (who: Who) => (who === 'vt' ? VT : m.toegang);
    const involved: string[] = [];
    const events: FamilyEvent[] = [];
    const found: StoryInvolvement[] = [];
    for (const s of STEPS) {
      const sender = region.partner(partnerOf(s.sender))!;
      const data = JSON.parse(JSON.stringify(s.data).replaceAll('@GM@', m.gemeente)) as Record<string, unknown>;
      const event = { id: `step-${s.step}`, type: s.type, data };
      // The regisseur of record: local access after the request for help, Veilig Thuis after its report (regie_of_record below).
      const regisseur = s.step === 1 ? null : s.step === 2 ? m.toegang : VT;
      const decision = involvementIn(region, {
        event, sender,
        family: s.step === 1 ? null : { municipality: m.gemeente, involved: [...involved], regisseur, state: foldFamily(events) },
      });
      if (decision.kind === 'REFUSED') throw new Error(`deploy/bench/seed.ts: the involvement rule refuses step ${s.step} (${s.type}) from ${sender.id}: ${decision.reason}, ${decision.detail}`);
      for (const i of decision.involvements) {
        if (i.partnerId !== sender.id) throw new Error(`deploy/bench/seed.ts: step ${s.step} (${s.type}) involves ${i.partnerId}, not its sender; the seeder writes only the sender's involvement`);
        found.push({ step: s.step, who: s.sender, relation: i.relation, basis: i.basis });
        involved.push(i.partnerId);
      }
      events.push({ ...event, time: new Date(Date.UTC(2026, 0, 1) + s.offsetMs).toISOString(), source: sender.id });
    }
    const line = (list: StoryInvolvement[]) => list.map((i) => `${i.step}:${i.who}:${i.relation}:${i.basis}`).join(', ');
    if (decided && line(decided) !== line(found)) {
      throw new Error(`deploy/bench/seed.ts: the involvement rule involves differently in ${m.gemeente} (${line(found)}) than in ${MUNICIPALITIES[0].gemeente} (${line(decided)}); the seeder writes one answer for all`);
    }
    decided = found;
  }
  return decided!;
}

/** Rows of one seeded family per table (outbox: when its events are younger than the outbox's retention). */
export const ROWS_PER_FAMILY = { family: 1, person: 2, inbox: 5, involvement: 2, regie_of_record: 1, regie_history: 4, timer: 1, audit_log: 13, outbox: 11 } as const;

/**
 * A seeded id, the same in SQL and in Node: the MD5 of a seed string as a UUID; a family's events
 * and messages share one MD5 and are told apart by its last byte (one hash per family, not per id).
 */
export function seedUuid(kind: string, i: number, part?: number): string {
  const h = createHash('md5').update(`ketenhub-seed:${kind}:${i}`).digest('hex');
  const hex = part === undefined ? h : `${h.slice(0, 30)}${part.toString(16).padStart(2, '0')}`;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
const sqlUuid = (kind: string, part?: string) => (part === undefined
  ? `md5('ketenhub-seed:${kind}:' || f.i)::uuid`
  : `(left(md5('ketenhub-seed:${kind}:' || f.i), 30) || lpad(to_hex(${part}), 2, '0'))::uuid`);
const partIds = (kind: string, i: number) => {
  const base = seedUuid(kind, i, 0).slice(0, -2);
  return (part: number) => `${base}${part.toString(16).padStart(2, '0')}`;
};

/** The child of seeded family i (events may name it by persoonId). */
export const seededChildId = (i: number): string => seedUuid('child', i);

/** A family's times, in epoch milliseconds: the same formulas in SQL (over seed_family f) and in Node. */
interface Clock { endMs: number; stepMs: number; n: number }
const jitterMs = (i: number) => (i * 7919) % HOUR;
const startMs = (c: Clock, i: number) => c.endMs - (c.n - 1 - i) * c.stepMs;
const occurredMs = (c: Clock, i: number, s: Step) => startMs(c, i) + s.offsetMs + (s.step > 1 ? jitterMs(i) : 0);
const receivedMs = (c: Clock, i: number, s: Step) => occurredMs(c, i, s) + 800 + ((i * 31) % 2000);
/** When the hub decided (its own events' time, the first audit record's time). */
const decidedMs = (c: Clock, i: number, s: Step) => receivedMs(c, i, s) + 15;
const occurredSql = (s: Step) => `(f.t0_ms + ${s.offsetMs}${s.step > 1 ? ' + f.jitter_ms' : ''})`;
const receivedSql = (s: Step) => `(${occurredSql(s)} + f.latency_ms)`;
const decidedSql = (s: Step) => `(${receivedSql(s)} + 15)`;
// Milliseconds to timestamptz exactly (interval arithmetic in whole microseconds, no float seconds).
const tsSql = (ms: string) => `('epoch'::timestamptz + ${ms} * interval '1 millisecond')`;
const isoSql = (ms: string) => `to_char(${tsSql(ms)} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

export async function seedFamilies(databaseUrl: string, n: number, onProgress: (line: string) => void, options: SeedOptions): Promise<SeedReport> {
  if (!Number.isInteger(n) || n <= 0) throw new Error(`seedFamilies: the number of families must be a positive whole number (got ${n})`);
  const spanDays = options.spanDays ?? 730;
  if (!Number.isInteger(spanDays) || spanDays < 7) throw new Error(`seedFamilies: spanDays must be a whole number of at least 7 (got ${spanDays})`);
  const chunk = options.chunk ?? 100_000;
  const topics = new Topics(options.topicPrefix ?? '');
  const started = Date.now();

  const contracts = Contracts.load();
  const region = loadRegion(path.join(repoRoot(), options.regionDir ?? 'config/regions/flevoland'), contracts);
  const missing = [VT, ...MUNICIPALITIES.map((m) => m.toegang)].filter((id) => !region.partner(id));
  if (missing.length > 0) throw new Error(`seedFamilies: the seeded story needs the partners of Flevoland; region ${region.config.region} (${region.file}) has no ${missing.join(', ')}`);
  const story = disclosures(region);
  checkTemplates(contracts, story);
  const involvements = storyInvolvements(region);
  const perFamily = { involvement: involvements.length, audit_log: involvements.length + story.length, outbox: story.length };
  for (const [table, count] of Object.entries(perFamily)) {
    const stated = ROWS_PER_FAMILY[table as keyof typeof perFamily];
    if (count !== stated) throw new Error(`deploy/bench/seed.ts: the story gives ${count} ${table} rows per family but ROWS_PER_FAMILY says ${stated}; update it (and docs/BENCHMARKS.md)`);
  }

  // The hub's own migrations and region activation, as at its start; the hub then finds both done.
  const dataSource = createDataSource(databaseUrl, 2);
  await dataSource.initialize();
  try {
    await migrate(dataSource);
    await activateRegion(dataSource, new AuditStore(options.auditChainKey), region, 'deploy/bench/seed.ts', systemIdOf(region));
  } finally {
    await dataSource.destroy();
  }

  const sql = new Client({ connectionString: databaseUrl, application_name: 'ketenhub-seed' });
  const audit = new Client({ connectionString: databaseUrl, application_name: 'ketenhub-seed-audit' });
  await Promise.all([sql.connect(), audit.connect()]);
  try {
    const [{ any }] = (await sql.query('SELECT EXISTS (SELECT 1 FROM family) AS any')).rows;
    if (any) throw new Error(`seedFamilies: ${new URL(databaseUrl).pathname.slice(1)} already holds families; seeding needs a freshly created database`);
    // Losing the last commits in a crash is harmless here: the seed starts again on a new database.
    for (const c of [sql, audit]) await c.query('SET synchronous_commit = off');
    const structure = await structureOf(sql);
    await dropLooseStructure(sql, structure);

    const now = Date.now();
    const clock: Clock = { n, endMs: now - 6 * DAY, stepMs: Math.floor(((spanDays - 6) * DAY) / n) };
    const outboxCutoffMs = now - OUTBOX_RETENTION_DAYS * DAY;
    const rows: Record<string, number> = {};
    const spent: Record<string, number> = {};
    const add = (table: string, count: number | null, since: number) => {
      if (count !== null) rows[table] = (rows[table] ?? 0) + count;
      spent[table] = (spent[table] ?? 0) + (Date.now() - since) / 1000;
    };
    let setDone = 0;
    let auditDone = 0;
    let last = 0;
    const report = (force = false) => {
      if (!force && Date.now() - last < 2000) return;
      last = Date.now();
      onProgress(`seeding ${n} families: ${setDone} written, ${auditDone} audited (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    };

    const setBased = async () => {
      for (let lo = 0; lo < n; lo += chunk) {
        const hi = Math.min(n, lo + chunk);
        await sql.query('BEGIN');
        for (const [table, statement, params] of chunkStatements(region, topics, story, involvements, clock, outboxCutoffMs)) {
          const since = Date.now();
          const result = await sql.query(statement, table === null ? [lo, hi, ...params] : params);
          add(table ?? 'seed_family', table ? result.rowCount : null, since);
        }
        await sql.query('COMMIT');
        setDone = hi;
        report();
      }
    };
    const auditTrail = async () => {
      const head = (await audit.query('SELECT hash FROM audit_head WHERE id = 1')).rows[0] as { hash: Buffer };
      let prev = head.hash;
      const familiesPerBatch = Math.max(1, Math.floor(AUDIT_BATCH / ROWS_PER_FAMILY.audit_log));
      const hashed = (lo: number) => {
        const hashing = Date.now();
        const hi = Math.min(n, lo + familiesPerBatch);
        const records = auditRecords(region, topics, story, involvements, clock, lo, hi);
        const prevs: Buffer[] = [];
        const hashes: Buffer[] = [];
        for (const r of records) {
          prevs.push(prev);
          prev = chainHmac(options.auditChainKey, prev, r);
          hashes.push(prev);
        }
        add('audit_log (hashing in Node)', null, hashing);
        return { hi, records, prevs, hashes };
      };
      let batch = hashed(0);
      for (;;) {
        const inserting = Date.now();
        // Sent at once; the next batch is hashed while PostgreSQL inserts this one.
        const written = insertAudit(audit, batch.records, batch.prevs, batch.hashes);
        const next = batch.hi < n ? hashed(batch.hi) : undefined;
        await written;
        add('audit_log', batch.records.length, inserting);
        auditDone = batch.hi;
        report();
        if (!next) break;
        batch = next;
      }
    };
    await Promise.all([setBased(), auditTrail()]);
    // Every seeded message was published 40 ms after it was written: the relay's position is past them all.
    await sql.query(`INSERT INTO outbox_published (up_to_seq, published_at)
      SELECT max(seq), max(created_at) + interval '40 milliseconds' FROM outbox HAVING max(seq) IS NOT NULL`);
    report(true);
    const indexStarted = Date.now();
    onProgress('seeding: building indexes and constraints');
    await rebuildLooseStructure(sql, structure);
    const indexSeconds = (Date.now() - indexStarted) / 1000;
    const vacuumStarted = Date.now();
    onProgress('seeding: VACUUM ANALYZE');
    await sql.query('VACUUM ANALYZE');
    const vacuumSeconds = (Date.now() - vacuumStarted) / 1000;
    const size = Number((await sql.query('SELECT pg_database_size(current_database()) AS b')).rows[0].b);
    const secondsPerTable = Object.fromEntries(Object.entries(spent).map(([table, seconds]) => [table, Number(seconds.toFixed(1))]));
    return { families: n, seconds: (Date.now() - started) / 1000, indexSeconds, vacuumSeconds, rows, secondsPerTable, databaseMiB: Math.round(size / 1024 / 1024) };
  } catch (error) {
    await Promise.allSettled([sql.query('ROLLBACK'), audit.query('ROLLBACK')]);
    throw error;
  } finally {
    await Promise.allSettled([sql.end(), audit.end()]);
  }
}

/** The hub's own events in the templates must pass their schemas, as the hub checks before it writes them. */
function checkTemplates(contracts: Contracts, story: Disclosure[]): void {
  const sample = (template: string) => template
    .replace(/@(FAMILY|CHILD|PARENT|MESSAGE|E[1-5])@/g, '00000000-0000-4000-8000-000000000001').replace(/@TOEGANG@/g, MUNICIPALITIES[0].toegang)
    .replace(/@TOEGANGNAAM@/g, 'Toegang').replace(/@ZAAK@/g, 'ZS-1').replace(/@(T[1-5]|DECIDED)@/g, '2026-01-01T00:00:00.000Z')
    .replace(/@BIRTH@/g, '2014-03-15').replace(/@GM@/g, MUNICIPALITIES[0].gemeente);
  for (const s of [...STEPS, ...story]) {
    const errors = contracts.validateData(s.type, JSON.parse(sample(JSON.stringify(s.data))));
    if (errors.length > 0) throw new Error(`deploy/bench/seed.ts: the seeded ${s.type} does not match its schema: ${JSON.stringify(errors)}`);
  }
}

/** Fills a template parameter: nested replace() of the tokens it holds, each by its SQL expression. */
function fill(param: string, template: string, values: Partial<Record<Token, string>>): string {
  let expression = param;
  for (const [token, value] of Object.entries(values)) {
    if (template.includes(token)) expression = `replace(${expression}, '${token}', ${value})`;
  }
  const missing = [...new Set(template.match(/@[A-Z0-9]+@/g) ?? [])].filter((t) => !(t in values));
  if (missing.length > 0) throw new Error(`deploy/bench/seed.ts: a template holds ${missing.join(', ')} but no value is given for it`);
  return expression;
}

/**
 * The set-based statements for one chunk, with the table each fills. The first (no table) computes
 * the chunk's per-family values into seed_family (dropped at commit) and gets [lo, hi, ...params];
 * every other statement SELECTs from it and gets its own params.
 */
function chunkStatements(region: Region, topics: Topics, story: Disclosure[], involvements: StoryInvolvement[], clock: Clock, outboxCutoffMs: number): Array<[string | null, string, unknown[]]> {
  const partnerOf = (who: Who) => (who === 'vt' ? `'${VT}'` : 'f.toegang');
  const stepOf = (k: number) => STEPS[k - 1];
  const tokens: Partial<Record<Token, string>> = {
    '@FAMILY@': 'f.family_id::text', '@CHILD@': 'f.child_id::text', '@PARENT@': 'f.parent_id::text', '@GM@': 'f.gemeente',
    '@TOEGANG@': 'f.toegang', '@TOEGANGNAAM@': 'f.toegang_naam', '@ZAAK@': `'ZS-' || f.i`, '@BIRTH@': `to_char(f.birth, 'YYYY-MM-DD')`,
  };
  for (const s of STEPS) {
    tokens[`@E${s.step}@`] = `${sqlUuid('event', String(s.step))}::text`;
    tokens[`@T${s.step}@`] = isoSql(occurredSql(s));
  }
  const statements: Array<[string | null, string, unknown[]]> = [];
  statements.push([null, `
    CREATE TEMP TABLE seed_family ON COMMIT DROP AS
    SELECT i, md5('ketenhub-seed:family:' || i)::uuid AS family_id, md5('ketenhub-seed:child:' || i)::uuid AS child_id,
      md5('ketenhub-seed:parent:' || i)::uuid AS parent_id,
      ($3::text[])[i % 6 + 1] AS gemeente, ($4::text[])[i % 6 + 1] AS toegang, ($5::text[])[i % 6 + 1] AS toegang_naam,
      $6::bigint - ($7::bigint - 1 - i) * $8::bigint AS t0_ms, (i * 7919) % ${HOUR} AS jitter_ms, 800 + (i * 31) % 2000 AS latency_ms,
      (to_timestamp(($6::bigint - ($7::bigint - 1 - i) * $8::bigint) / 1000)::date - (60 + (i * 104729) % (15 * 365))::int) AS birth
    FROM generate_series($1::bigint, $2::bigint - 1) AS i`,
  [MUNICIPALITIES.map((m) => m.gemeente), MUNICIPALITIES.map((m) => m.toegang),
    MUNICIPALITIES.map((m) => JSON.stringify(region.partner(m.toegang)!.name).slice(1, -1)), clock.endMs, clock.n, clock.stepMs]]);

  const first = stepOf(1);
  statements.push(['family', `INSERT INTO family (id, municipality, created_at, updated_at)
    SELECT f.family_id, f.gemeente, ${tsSql(receivedSql(first))}, ${tsSql(receivedSql(first))} FROM seed_family f ORDER BY f.i`, []]);
  for (const [who, column] of [['child', 'child_id'], ['parent', 'parent_id']]) {
    statements.push(['person', `INSERT INTO person (id, family_id, bsn_hash, bsn_encrypted, created_at)
      SELECT f.${column}, f.family_id, sha256(convert_to('ketenhub-seed:bsn:${who}:' || f.i, 'UTF8')),
        substring(sha512(convert_to('ketenhub-seed:bsn-encrypted:${who}:' || f.i, 'UTF8')) FROM 1 FOR 37), ${tsSql(receivedSql(first))}
      FROM seed_family f ORDER BY f.i`, []]);
  }
  for (const s of STEPS) {
    const data = JSON.stringify(s.data);
    statements.push(['inbox', `INSERT INTO inbox (source, event_id, type, occurred_at, received_at, family_id, topic, kafka_partition, kafka_offset, payload_sha256, data)
      SELECT $4::text || ${partnerOf(s.sender)}, ${sqlUuid('event', String(s.step))}::text, $1::text, ${tsSql(occurredSql(s))}, ${tsSql(receivedSql(s))},
        f.family_id, $2::text || ${partnerOf(s.sender)}, f.i % ${KAFKA_PARTITIONS}, f.i, sha256(convert_to('ketenhub-seed:payload:' || f.i || ':${s.step}', 'UTF8')),
        ${fill('$3::text', data, tokens)}::jsonb
      FROM seed_family f ORDER BY f.i`, [s.type, topics.inbound(''), data, partnerSource('')]]);
  }
  for (const i of involvements) {
    const s = stepOf(i.step);
    statements.push(['involvement', `INSERT INTO involvement (family_id, partner_id, since, first_event_id, relation, basis)
      SELECT f.family_id, ${partnerOf(i.who)}, ${tsSql(occurredSql(s))}, ${sqlUuid('event', String(s.step))}::text, $1::text, $2::text FROM seed_family f ORDER BY f.i`,
    [i.relation, i.basis]]);
  }
  // Veilig Thuis's report (step 2) is the last event that changes the regie of record; the row keeps it.
  const lastChange = stepOf(2);
  const table = region.regieTable;
  statements.push(['regie_of_record', `INSERT INTO regie_of_record (family_id, regisseur_role, regisseur_partner, veiligheid_role, veiligheid_partner, row_id,
      table_name, table_version, config_version, cause_event_id, since, gap_raised)
    SELECT f.family_id, 'VEILIG_THUIS', '${VT}', 'VEILIG_THUIS', '${VT}', 'VT-ANDEREN', $1::text, $2::text, $3::text, ${sqlUuid('event', '2')}::text, ${tsSql(occurredSql(lastChange))}, false
    FROM seed_family f ORDER BY f.i`, [table.table, table.version, region.version]]);
  statements.push(['regie_history', `INSERT INTO regie_history (family_id, recorded_at, kind, from_role, from_partner, to_role, to_partner, row_id, table_name, table_version, config_version, cause_event_id)
    SELECT f.family_id, CASE h.step WHEN 1 THEN ${tsSql(receivedSql(first))} ELSE ${tsSql(receivedSql(stepOf(2)))} END, h.kind,
      CASE h.step WHEN 1 THEN NULL ELSE 'LOKALE_TOEGANG' END, CASE h.step WHEN 1 THEN NULL ELSE f.toegang END,
      CASE h.step WHEN 1 THEN 'LOKALE_TOEGANG' ELSE 'VEILIG_THUIS' END, CASE h.step WHEN 1 THEN f.toegang ELSE '${VT}' END,
      CASE h.step WHEN 1 THEN 'HULPVRAAG' ELSE 'VT-ANDEREN' END, $1::text, $2::text, $3::text, ${sqlUuid('event', 'h.step')}::text
    FROM seed_family f CROSS JOIN (VALUES (1, 'REGISSEUR', 1), (1, 'VEILIGHEID', 2), (2, 'REGISSEUR', 3), (2, 'VEILIGHEID', 4)) AS h(step, kind, ord)
    ORDER BY f.i, h.ord`, [table.table, table.version, region.version]]);
  statements.push(['timer', `INSERT INTO timer (family_id, kind, timer_key, due_at, person_id)
    SELECT f.family_id, 'ACHTTIEN_PLUS', '18:' || f.child_id, ((f.birth + interval '18 years')::date - ${region.ruleSettings.achttienPlusVoorloopDagen})::timestamp AT TIME ZONE 'UTC', f.child_id
    FROM seed_family f ORDER BY f.i`, []]);
  for (const d of story) {
    const s = stepOf(d.step);
    const event = {
      specversion: '1.0', id: '@MESSAGE@', source: HUB_SOURCE, type: d.type, time: d.hub ? '@DECIDED@' : `@T${d.step}@`,
      datacontenttype: 'application/json', familyid: '@FAMILY@', causationid: `@E${d.step}@`, data: d.data,
    };
    const template = JSON.stringify(event);
    const values = { ...tokens, '@MESSAGE@': `${sqlUuid('message', String(d.n))}::text`, '@DECIDED@': isoSql(decidedSql(s)) };
    statements.push(['outbox', `INSERT INTO outbox (message_id, topic, message_key, value, headers, family_id, created_at)
      SELECT ${sqlUuid('message', String(d.n))}, $1::text || ${partnerOf(d.to)}, f.family_id::text, convert_to(${fill('$2::text', template, values)}, 'UTF8'),
        jsonb_build_object('content-type', $3::text, 'ketenhub-message-id', ${sqlUuid('message', String(d.n))}::text), f.family_id,
        ${tsSql(receivedSql(s))}
      FROM seed_family f WHERE ${receivedSql(s)} >= $4::bigint ORDER BY f.i`,
    [topics.outbound(''), template, CLOUDEVENTS_CONTENT_TYPE, outboxCutoffMs]]);
  }
  return statements;
}

/**
 * The audit records of families lo..hi-1 in chain order: family by family, step by step; within a
 * step the INVOLVE record of the partner it involves (the hub writes it before the step's
 * disclosures), then the step's disclosures in order. Times as the hub's: a step's records a
 * millisecond apart from its decision on.
 */
function auditRecords(region: Region, topics: Topics, story: Disclosure[], involvements: StoryInvolvement[], clock: Clock, lo: number, hi: number): AuditFields[] {
  const systemId = systemIdOf(region);
  const routes = new Map(region.config.routes.map((r) => [r.id, r]));
  const role = (id: string) => region.partner(id)!.role;
  for (const d of story) if (!routes.has(d.routeId)) throw new Error(`deploy/bench/seed.ts: region ${region.config.region} has no route ${d.routeId}`);
  const out: AuditFields[] = [];
  for (let i = lo; i < hi; i++) {
    const partner = (who: Who) => (who === 'vt' ? VT : MUNICIPALITIES[i % 6].toegang);
    const familyId = seedUuid('family', i);
    const eventId = partIds('event', i);
    const messageId = partIds('message', i);
    for (const s of STEPS) {
      const decided = decidedMs(clock, i, s);
      let withinStep = 0;
      const at = () => new Date(decided + withinStep++).toISOString();
      const sender = partner(s.sender);
      for (const inv of involvements.filter((x) => x.step === s.step)) {
        out.push(involvementRecord({
          familyId, partnerId: partner(inv.who), relation: inv.relation, basis: inv.basis, source: partnerSource(sender), eventId: eventId(s.step),
          actor: { partnerId: sender, role: role(sender) }, accessPoint: `kafka:${topics.inbound(sender)}`,
        }, { systemId, configVersion: region.version, occurredAt: at() }));
      }
      for (const d of story.filter((x) => x.step === s.step)) {
        const route = routes.get(d.routeId)!;
        const recipient = partner(d.to);
        out.push({
          auditId: randomUUID(), action: 'DISCLOSE', occurredAt: at(), outcome: 'SUCCESS', systemId,
          actorPartnerId: d.hub ? null : sender, actorRole: d.hub ? 'HUB' : role(sender), recipientPartnerId: recipient,
          purpose: route.purpose, accessPoint: `kafka:${topics.outbound(recipient)}`, familyId, dataCategories: d.categories,
          legalBasis: route.legalBasis, ruleId: route.id, configVersion: region.version, messageId: messageId(d.n), causationId: eventId(s.step),
        });
      }
    }
  }
  return out;
}

/** The audit trail of seeded family i alone, its story ending `endMs` (for seed.spec.ts). */
export function seededAuditTrail(region: Region, topics: Topics, i: number, endMs = Date.now()): AuditFields[] {
  return auditRecords(region, topics, disclosures(region), storyInvolvements(region), { n: i + 1, endMs, stepMs: DAY }, i, i + 1);
}

/**
 * One statement, so one transaction: the records and the chain head that now ends with them (the
 * trigger audit_log_chain moves the head). The records go as one JSON parameter (json_to_recordset
 * reads them faster than unnest reads nineteen array parameters), inserted in their order so seq
 * follows the chain.
 */
async function insertAudit(db: Client, records: AuditFields[], prevs: Buffer[], hashes: Buffer[]): Promise<void> {
  const rows = records.map((r, k) => ({ ...r, prevHash: `\\x${prevs[k].toString('hex')}`, hash: `\\x${hashes[k].toString('hex')}` }));
  await db.query(
    `INSERT INTO audit_log (audit_id, action, occurred_at, outcome, system_id, actor_partner_id, actor_role, recipient_partner_id, purpose, access_point,
         family_id, data_categories, legal_basis, rule_id, config_version, message_id, causation_id, prev_hash, hash)
       SELECT r."auditId", r.action, r."occurredAt", r.outcome, r."systemId", r."actorPartnerId", r."actorRole", r."recipientPartnerId", r.purpose, r."accessPoint",
         r."familyId", r."dataCategories", r."legalBasis", r."ruleId", r."configVersion", r."messageId", r."causationId", r."prevHash", r.hash
       FROM ROWS FROM (json_to_recordset($1::json) AS ("auditId" uuid, action text, "occurredAt" timestamptz, outcome text, "systemId" text,
         "actorPartnerId" text, "actorRole" text, "recipientPartnerId" text, purpose text, "accessPoint" text, "familyId" uuid, "dataCategories" text[],
         "legalBasis" text, "ruleId" text, "configVersion" text, "messageId" uuid, "causationId" text, "prevHash" bytea, hash bytea)) WITH ORDINALITY AS r
       ORDER BY r.ordinality`,
    [JSON.stringify(rows)]);
}

const SEEDED_TABLES = Object.keys(ROWS_PER_FAMILY);

interface Structure {
  constraints: Array<{ table: string; name: string; type: 'p' | 'u' | 'f'; definition: string; referenced: boolean }>;
  indexes: Array<{ table: string; name: string; definition: string }>;
}

/** The keys, unique and foreign-key constraints and other indexes of the seeded tables, as the migrations made them. */
async function structureOf(db: Client): Promise<Structure> {
  const constraints = (await db.query(
    `SELECT c.conrelid::regclass::text AS table, c.conname AS name, c.contype AS type, pg_get_constraintdef(c.oid) AS definition,
       (c.contype = 'p' AND EXISTS (SELECT 1 FROM pg_constraint r WHERE r.contype = 'f' AND r.confrelid = c.conrelid)) AS referenced
     FROM pg_constraint c WHERE c.conrelid = ANY($1::text[]::regclass[]) AND c.contype IN ('p', 'u', 'f') ORDER BY 1, 2`, [SEEDED_TABLES])).rows;
  const indexes = (await db.query(
    `SELECT i.indrelid::regclass::text AS table, i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition
     FROM pg_index i WHERE i.indrelid = ANY($1::text[]::regclass[])
       AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid AND c.contype IN ('p', 'u', 'x'))
     ORDER BY 1, 2`, [SEEDED_TABLES])).rows;
  return { constraints, indexes };
}

/**
 * Loading into indexed tables costs a random B-tree insert per row and index (most keys are
 * UUIDs), several times the insert itself; building an index over loaded rows is one sort. So
 * during the load the seeded tables keep only the primary keys other tables refer to (family,
 * person); every other index and key is dropped here and built again afterwards from its own
 * definition (pg_get_indexdef, pg_get_constraintdef), under its own name.
 */
async function dropLooseStructure(db: Client, structure: Structure): Promise<void> {
  const loose = structure.constraints.filter((c) => !c.referenced);
  for (const c of [...loose.filter((x) => x.type === 'f'), ...loose.filter((x) => x.type !== 'f')]) {
    await db.query(`ALTER TABLE ${db.escapeIdentifier(c.table)} DROP CONSTRAINT ${db.escapeIdentifier(c.name)}`);
  }
  for (const i of structure.indexes) await db.query(`DROP INDEX ${db.escapeIdentifier(i.name)}`);
}

/** Builds what dropLooseStructure dropped (foreign keys last, checked against the rows) and checks the tables are as the migrations left them. */
async function rebuildLooseStructure(db: Client, structure: Structure): Promise<void> {
  await db.query(`SET maintenance_work_mem = '1GB'`);
  for (const i of structure.indexes) await db.query(i.definition);
  const loose = structure.constraints.filter((c) => !c.referenced);
  for (const c of [...loose.filter((x) => x.type !== 'f'), ...loose.filter((x) => x.type === 'f')]) {
    await db.query(`ALTER TABLE ${db.escapeIdentifier(c.table)} ADD CONSTRAINT ${db.escapeIdentifier(c.name)} ${c.definition}`);
  }
  const now = await structureOf(db);
  const lines = (s: Structure) => new Set([...s.constraints.map((c) => `${c.table}: constraint ${c.name} ${c.definition}`), ...s.indexes.map((i) => `${i.table}: ${i.definition}`)]);
  const [before, after] = [lines(structure), lines(now)];
  const differences = [...[...before].filter((l) => !after.has(l)).map((l) => `missing ${l}`), ...[...after].filter((l) => !before.has(l)).map((l) => `extra ${l}`)];
  if (differences.length > 0) throw new Error(`deploy/bench/seed.ts: the seeded tables' indexes and constraints differ from the migrations' after the rebuild:\n  ${differences.join('\n  ')}`);
}

/** `DATABASE_URL=… node dist/deploy/bench/seed.js <families>`: seeds an existing, empty database (migrating it first). */
async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  const n = Number(process.argv[2]);
  if (!url) throw new Error('seed: set DATABASE_URL to the database to seed (it must hold no families yet)');
  if (!Number.isInteger(n) || n <= 0) throw new Error(`seed: give the number of families as a positive whole number (got '${process.argv[2] ?? ''}')`);
  const report = await seedFamilies(url, n, (line) => process.stderr.write(`[seed] ${line}\n`), { topicPrefix: process.env.KETENHUB_TOPIC_PREFIX, auditChainKey: loadAuditChain().key });
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

if (require.main === module) {
  main().then(() => process.exit(0), (error: unknown) => {
    process.stderr.write(`seed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
