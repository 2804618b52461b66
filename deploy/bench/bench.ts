/**
 * `npm run bench [-- --events 20000 --families 10000 --rate 1000 --rate-seconds 20]
 *   [--growth 10000,100000,1000000 [--growth-events 5000] [--only growth]]`
 *
 * Measures the hub against the same broker and database in one run:
 *   1. raw pipe: a kafkajs consumer that produces every message it reads to another topic and does
 *      nothing else (batch in, batch out, offsets committed per batch): the ceiling of the bus here;
 *      then, with it still running, the latency phase's events at its rate through it;
 *   2. saturation: a realistic mix of chain events for many families written to the partners'
 *      inbound topics of the Flevoland region (every role), then drained by the hub: validate,
 *      family record, routing, outbox, audit, delivery to outbound topics;
 *   3. latency: the same mix produced at a fixed rate; end-to-end latency is partner produce to the
 *      first routed message on any outbound topic (matched by causationid).
 *   4. floor (floor.ts): the same events, then the same paced ones, through only what the fixed
 *      architecture makes every event cost (inbox, outbox and audit in one transaction through the
 *      hub's stores, an outbox relay), with as many messages and audit records per event as the hub
 *      wrote in phases 2 and 3: the most the hub could reach on this machine;
 *   5. growth (with --growth): for each number of families, a fresh database seeded with that many
 *      families (seed.ts), the hub started on it, and --growth-events new events applied in five
 *      waves (the stories' steps, in order); cost per event in wall time, hub CPU and apply time.
 * The hub runs as its own process; its CPU time and peak RSS (VmHWM) come from /proc. Progress
 * goes to stderr every two seconds; the last line on stdout is one JSON object.
 * Uses KAFKA_BROKERS and DATABASE_URL when set, otherwise starts throw-away ones. BENCH_HUB_NODE_ARGS
 * adds flags to the hub's node (for a CPU profile: '--cpu-prof --cpu-prof-dir=/tmp/prof').
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { Kafka, logLevel, Partitioners, type Message, type Producer } from 'kafkajs';
import { Client } from 'pg';
import { PUBLISHED_UP_TO } from '@ketenhub/persistence';
import { startDevEnv, type DevEnv } from '../local/devenv';
import { repoRoot } from '../local/process-util';
import { floorPipe } from './floor';
import { eventIdOf, pace, readArrivals } from './latency';
import { chainEvent, familyStory, interleavedMix, MAX_FAMILIES, STORY_LENGTH, type ChainEvent } from './chain-mix';
import { seedFamilies, seededChildId, seedUuid } from './seed';

interface Options {
  events: number; families: number; rate: number; rateSeconds: number;
  /** Numbers of seeded families to measure growth at (none: no growth phase). */
  growth: number[]; growthEvents: number; onlyGrowth: boolean;
}

/** A mistake in the command line: reported as its message alone. */
class OptionError extends Error {}

const KNOWN = ['events', 'families', 'rate', 'rate-seconds', 'growth', 'growth-events', 'only'];

function options(args: string[]): Options {
  for (let i = 0; i < args.length; i += 2) {
    const name = args[i].replace(/^--/, '');
    if (!args[i].startsWith('--') || !KNOWN.includes(name)) throw new OptionError(`unknown option '${args[i]}'; the options are ${KNOWN.map((k) => `--${k}`).join(', ')}`);
    if (args[i + 1] === undefined) throw new OptionError(`${args[i]} needs a value`);
  }
  const raw = (name: string) => {
    const i = args.indexOf(`--${name}`);
    return i < 0 ? undefined : args[i + 1];
  };
  const value = (name: string, fallback: number) => {
    if (raw(name) === undefined) return fallback;
    const n = Number(raw(name));
    if (!Number.isInteger(n) || n <= 0) throw new OptionError(`--${name} must be a positive whole number (got '${raw(name)}')`);
    return n;
  };
  const growth = (raw('growth') ?? '').split(',').filter((x) => x !== '').map((x) => {
    const n = Number(x);
    if (!Number.isInteger(n) || n <= 0) throw new OptionError(`--growth takes numbers of families separated by commas, e.g. 10000,100000,1000000 (got '${x}' in '${raw('growth')}')`);
    return n;
  });
  if (raw('growth') !== undefined && growth.length === 0) throw new OptionError('--growth needs at least one number of families, e.g. --growth 10000,100000');
  const only = raw('only');
  if (only !== undefined && only !== 'growth') throw new OptionError(`--only takes 'growth' (skip the raw pipe, saturation, latency and floor phases); got '${only}'`);
  if (only === 'growth' && growth.length === 0) throw new OptionError('--only growth needs --growth with the numbers of families to measure at');
  const growthEvents = value('growth-events', 5_000);
  if (growthEvents < 50) throw new OptionError(`--growth-events must be at least 50, five waves of new and existing families' events (got ${growthEvents})`);
  const chosen = {
    events: value('events', 20_000), families: value('families', 10_000), rate: value('rate', 1_000), rateSeconds: value('rate-seconds', 20),
    growth, growthEvents, onlyGrowth: only === 'growth',
  };
  // The latency phase tells new families' stories after the saturation phase's --families.
  const stories = chosen.families + Math.ceil((chosen.rate * chosen.rateSeconds) / 5);
  if (stories > MAX_FAMILIES) {
    throw new OptionError(`--families ${chosen.families} plus the ${stories - chosen.families} new families of --rate × --rate-seconds / 5 make ${stories}; the bench has distinct persons for ${MAX_FAMILIES} families`);
  }
  return chosen;
}

const progress = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function procStats(pid: number): { cpuSeconds: number; peakRssMiB: number; rssMiB: number } {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  return { cpuSeconds: ticks / 100, peakRssMiB: kib('VmHWM') / 1024, rssMiB: kib('VmRSS') / 1024 };
}

/** Busy CPU seconds of the whole machine (all cores), from /proc/stat: user, nice, system, irq, softirq, steal. */
function machineBusySeconds(): number {
  const [, user, nice, system, , , irq, softirq, steal] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  return (user + nice + system + irq + softirq + steal) / 100;
}

async function createDatabase(adminUrl: string): Promise<string> {
  const name = `bench_${Date.now()}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * The raw pipe: its throughput on `payloads`, and then, with the pipe still running, the latency of
 * `paced` events produced at `rate` per second (produce to the copy's arrival at a reader).
 */
async function rawPipe(kafka: Kafka, prefix: string, payloads: Buffer[], paced: Array<{ id: string; key: string; value: Buffer }>, rate: number): Promise<{ rate: number; latencies: number[] }> {
  const admin = kafka.admin();
  await admin.connect();
  const from = `${prefix}raw.in`;
  const to = `${prefix}raw.out`;
  await admin.createTopics({ topics: [{ topic: from, numPartitions: 3 }, { topic: to, numPartitions: 3 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  for (let i = 0; i < payloads.length; i += 1000) {
    await producer.send({ topic: from, messages: payloads.slice(i, i + 1000).map((value, j) => ({ key: String((i + j) % 997), value })) });
  }
  const consumer = kafka.consumer({ groupId: `${prefix}raw-pipe` });
  await consumer.connect();
  await consumer.subscribe({ topics: [from], fromBeginning: true });
  let copied = 0;
  const started = Date.now();
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary }) => {
      await producer.send({ topic: to, acks: -1, messages: batch.messages.map((m) => ({ key: m.key, value: m.value })) });
      const last = batch.messages[batch.messages.length - 1];
      resolveOffset(last.offset);
      await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() }]);
      await commitOffsetsIfNecessary();
      copied += batch.messages.length;
    },
  });
  while (copied < payloads.length) await sleep(50);
  const seconds = (Date.now() - started) / 1000;

  // Latency: a reader of the copies (it reads the throughput part's first, then waits for more).
  const reader = await readArrivals(kafka, `${prefix}raw-reader`, [to], eventIdOf);
  const arrived = reader.first;
  while (reader.read() < payloads.length) await sleep(50);
  const sentAt = new Map<string, number>();
  await pace(paced, rate, (slice) => producer.send({ topic: from, acks: -1, messages: slice.map((e) => ({ key: e.key, value: e.value })) }), sentAt);
  const readBy = Date.now() + 10_000;
  while (paced.some((e) => !arrived.has(e.id)) && Date.now() < readBy) await sleep(100);
  await reader.consumer.disconnect();
  await consumer.disconnect();
  await producer.disconnect();
  const latencies = paced.flatMap((e) => (arrived.has(e.id) ? [arrived.get(e.id)! - sentAt.get(e.id)!] : [])).sort((a, b) => a - b);
  return { rate: payloads.length / seconds, latencies };
}

async function startHub(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  // BENCH_HUB_NODE_ARGS passes flags to the hub's node, e.g. '--cpu-prof --cpu-prof-dir=/tmp/prof' for a profile.
  const nodeArgs = (process.env.BENCH_HUB_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
  const child = spawn(process.execPath, [...nodeArgs, path.join(repoRoot(), 'dist', 'apps', 'hub', 'src', 'main.js')], { cwd: repoRoot(), stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const lines: string[] = [];
  readline.createInterface({ input: child.stderr! }).on('line', (l) => lines.push(l));
  const url = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      const ready = /^ketenhub hub ready: health (\S+)\/health/.exec(line);
      if (ready) resolve(ready[1]);
    });
    child.once('exit', (code) => reject(new Error(`hub exited (${code}) before it was ready:\n${lines.slice(-10).join('\n')}`)));
  });
  return { child, url };
}

async function produceAll(producer: Producer, prefix: string, events: ChainEvent[]): Promise<void> {
  const byTopic = new Map<string, Message[]>();
  for (const { partner, key, event } of events) {
    const list = byTopic.get(partner) ?? [];
    list.push({ key, value: Buffer.from(JSON.stringify(event)) });
    byTopic.set(partner, list);
  }
  await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([partner, messages]) => ({ topic: `${prefix}inbound.${partner}`, messages })) });
}

async function stopHub(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<'exited'>((resolve) => child.once('exit', () => resolve('exited')));
  child.kill('SIGTERM');
  if ((await Promise.race([exited, sleep(20_000).then(() => 'late' as const)])) === 'late') {
    child.kill('SIGKILL');
    await exited;
  }
}

interface HubCounters { accepted: number; rejected: Map<string, number>; applySeconds: number; applied: number; groups: number; groupedMessages: number }

/** The hub's own counts from /metrics: events accepted and rejected (by reason), and the time spent applying accepted ones. */
async function hubCounters(url: string): Promise<HubCounters> {
  const response = await fetch(`${url}/metrics`);
  if (!response.ok) throw new Error(`the hub's ${url}/metrics answered ${response.status}`);
  const counters: HubCounters = { accepted: 0, rejected: new Map(), applySeconds: 0, applied: 0, groups: 0, groupedMessages: 0 };
  for (const line of (await response.text()).split('\n')) {
    const m = /^([a-z_]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const [, name, labels = '', value] = m;
    if (name === 'ketenhub_events_accepted_total') counters.accepted += Number(value);
    if (name === 'ketenhub_events_rejected_total') {
      const reason = /reason="([^"]*)"/.exec(labels)?.[1] ?? '?';
      counters.rejected.set(reason, (counters.rejected.get(reason) ?? 0) + Number(value));
    }
    if (name === 'ketenhub_processing_seconds_sum' && labels.includes('outcome="accepted"')) counters.applySeconds = Number(value);
    if (name === 'ketenhub_processing_seconds_count' && labels.includes('outcome="accepted"')) counters.applied = Number(value);
    if (name === 'ketenhub_apply_group_messages_count') counters.groups = Number(value);
    if (name === 'ketenhub_apply_group_messages_sum') counters.groupedMessages = Number(value);
  }
  return counters;
}

/** A small seeded generator (mulberry32), so every run picks the same seeded families. */
function pseudoRandom(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * The growth phase's events in five waves. Four in five events tell new families' stories, wave w
 * carrying every story's step w (so each family's events arrive in story order, as in life and
 * as seeded); one in five is a Veilig Thuis contribution to the veiligheidskaart of a seeded
 * family picked at random, naming its child by the persoonId the hub gave out (a seeded BSN
 * cannot be sent: only its hash exists). Also returns a seeded family no wave touches.
 */
function growthWaves(families: number, events: number): { waves: ChainEvent[][]; untouched: number } {
  const stories = Array.from({ length: Math.floor((events * 4) / 5 / 5) }, (_, n) => familyStory(n));
  const onSeeded = events - stories.length * 5;
  const random = pseudoRandom(6);
  const touched = new Set<number>();
  const waves = [0, 1, 2, 3, 4].map((step) => {
    const wave = stories.map((story) => story[step]);
    const count = Math.floor((onSeeded * (step + 1)) / 5) - Math.floor((onSeeded * step) / 5);
    for (let k = 0; k < count; k++) {
      const i = Math.floor(random() * families);
      touched.add(i);
      // Spread among the wave's other events rather than all at its end.
      wave.splice(Math.floor(random() * (wave.length + 1)), 0, chainEvent('veilig-thuis-flevoland', 'keten.veiligheidskaart-bijdrage', {
        kinderen: [{ persoonId: seededChildId(i) }], zorgen: ['Zorgen over de schoolgang'],
      }, { key: `seeded-gezin-${i}`, family: i, step }));
    }
    return wave;
  });
  let untouched = families - 1;
  while (touched.has(untouched)) untouched--;
  return { waves, untouched };
}

/**
 * What the hub wrote for a family: rows per table, each event with its sender, each involvement
 * with its partner, relation and basis, each audit record (action, category, recipient), also
 * in chain order, and which columns each row fills (a local access counts as one).
 */
async function familyShape(db: Client, familyId: string): Promise<string[]> {
  const shape: string[] = [];
  for (const table of ['person', 'inbox', 'involvement', 'regie_of_record', 'regie_history', 'timer', 'outbox', 'audit_log']) {
    shape.push(`${table}: ${(await db.query(`SELECT count(*) AS n FROM ${table} WHERE family_id = $1`, [familyId])).rows[0].n} rows`);
  }
  const local = (partner: string) => partner.replace(/toegang-[a-z-]+$/, 'toegang');
  const events = await db.query('SELECT type, source FROM inbox WHERE family_id = $1', [familyId]);
  for (const r of events.rows) shape.push(`event ${r.type} from ${local(r.source)}`);
  const involved = await db.query('SELECT partner_id, relation, basis FROM involvement WHERE family_id = $1', [familyId]);
  for (const r of involved.rows) shape.push(`involvement of ${local(r.partner_id)} by ${r.relation ?? 'no relation'} (basis ${r.basis ?? 'none'})`);
  const records = await db.query('SELECT action, data_categories[1] AS category, recipient_partner_id AS recipient FROM audit_log WHERE family_id = $1 ORDER BY seq', [familyId]);
  const lines = records.rows.map((r) => `${r.action} ${r.category} → ${local(r.recipient)}`);
  shape.push(...lines.map((l) => `audit ${l}`), `audit chain order: ${lines.join('; ')}`);
  // Which columns each row fills (a column the hub fills and the seeder leaves NULL, or the reverse).
  for (const table of ['person', 'inbox', 'involvement', 'regie_of_record', 'regie_history', 'timer', 'outbox', 'audit_log']) {
    const filled = await db.query(`SELECT (SELECT string_agg(key, ',' ORDER BY key) FROM jsonb_each(to_jsonb(t)) WHERE value <> 'null'::jsonb) AS columns
      FROM ${table} t WHERE family_id = $1`, [familyId]);
    for (const r of filled.rows) shape.push(`${table} row filling ${r.columns}`);
  }
  return shape;
}

/**
 * Compares the first family the hub made in the growth phase with a seeded one no wave touched:
 * the seed should hold what the hub writes for the same story. Returns the differences.
 */
async function seedDifferences(databaseUrl: string, since: Date, seededIndex: number): Promise<string[]> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const made = await db.query('SELECT id FROM family WHERE created_at >= $1 ORDER BY created_at LIMIT 1', [since]);
    if (made.rows.length === 0) return ['the hub made no new family'];
    const [byHub, seeded] = [await familyShape(db, made.rows[0].id), await familyShape(db, seedUuid('family', seededIndex))];
    const count = (list: string[]) => list.reduce((m, l) => m.set(l, (m.get(l) ?? 0) + 1), new Map<string, number>());
    const [a, b] = [count(byHub), count(seeded)];
    return [...new Set([...a.keys(), ...b.keys()])].filter((k) => a.get(k) !== b.get(k)).map((k) => `${k}: hub-made ${a.get(k) ?? 0}, seeded ${b.get(k) ?? 0}`);
  } finally {
    await db.end();
  }
}

/** The seeded database takes about 14 KiB per family (1M: 13 GiB); with WAL and index builds on top, ask for 24. */
function checkDiskFor(families: number): void {
  if (process.env.DATABASE_URL) return; // an external database: its disk is not this machine's to check
  const { bavail, bsize } = fs.statfsSync(os.tmpdir());
  const [free, need] = [bavail * bsize, families * 24 * 1024];
  const gib = (bytes: number) => (bytes / 1024 ** 3).toFixed(1);
  if (free < need) throw new Error(`--growth ${families} needs about ${gib(need)} GiB free in ${os.tmpdir()} (PostgreSQL's data), but ${gib(free)} GiB is free`);
}

interface GrowthFigure {
  families: number; events: number; eventsPerSecond: number;
  /** Wall time per event over the five waves (first write to last acceptance), hub CPU per event, and the hub's own apply time (transaction included) per event. */
  msPerEvent: number; cpuMsPerEvent: number; applyMsPerEvent: number;
  /** Apply time per event in each wave: 1 request for help (creates the family), 2 Veilig Thuis report, 3 and 5 kaart contributions, 4 triage; each with a fifth of the events on seeded families. */
  applyMsPerWave: number[];
  peakRssMiB: number; seedSeconds: number; databaseMiB: number;
  /** Whether a seeded family holds the same rows and disclosures as one the hub made in this run. */
  seedMatchesHub: boolean;
}

/** Phase 4 at one size: fresh database, seeded, the hub on it, the waves applied, the database dropped. */
async function growthAt(env: DevEnv, kafka: Kafka, prefix: string, families: number, events: number): Promise<GrowthFigure> {
  const label = `growth ${families}`;
  checkDiskFor(families);
  const databaseUrl = await createDatabase(env.databaseUrl);
  try {
    const auditChainKey = randomBytes(32);
    const seed = await seedFamilies(databaseUrl, families, (line) => progress(`${label}: ${line}`), { topicPrefix: prefix, auditChainKey });
    progress(`${label}: seeded in ${seed.seconds.toFixed(0)} s (indexes ${seed.indexSeconds.toFixed(0)} s, VACUUM ANALYZE ${seed.vacuumSeconds.toFixed(0)} s), ${seed.databaseMiB} MiB; per table ${JSON.stringify(seed.secondsPerTable)}`);
    const { waves, untouched } = growthWaves(families, events);
    const total = waves.reduce((n, w) => n + w.length, 0);
    const hub = await startHub(hubEnv(env, databaseUrl, prefix, auditChainKey));
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    try {
      await producer.connect();
      const pid = hub.child.pid!;
      const before = await hubCounters(hub.url);
      const cpuBefore = procStats(pid).cpuSeconds;
      const since = new Date();
      const started = Date.now();
      const applyMsPerWave: number[] = [];
      let target = before.accepted;
      let now = before;
      for (const [w, wave] of waves.entries()) {
        const atStart = now;
        for (let i = 0; i < wave.length; i += 2000) await produceAll(producer, prefix, wave.slice(i, i + 2000));
        target += wave.length;
        const deadline = Date.now() + Math.max(120_000, wave.length * 200);
        let last = Date.now();
        for (;;) {
          now = await hubCounters(hub.url);
          const rejected = [...now.rejected].filter(([reason, n]) => n > (before.rejected.get(reason) ?? 0));
          if (rejected.length > 0) throw new Error(`${label}: the hub rejected growth events (${rejected.map(([reason, n]) => `${reason}: ${n - (before.rejected.get(reason) ?? 0)}`).join(', ')}); see its dead-letter topic`);
          if (now.accepted >= target) break;
          if (Date.now() > deadline) throw new Error(`${label}: wave ${w + 1} not applied in time: ${now.accepted - before.accepted} of ${target - before.accepted} events accepted`);
          if (Date.now() - last > 2000) {
            const s = procStats(pid);
            progress(`${label}: wave ${w + 1}/5, accepted ${now.accepted - before.accepted}/${total} (${((now.accepted - before.accepted) / ((Date.now() - started) / 1000)).toFixed(0)}/s) rss=${s.rssMiB.toFixed(0)} MiB`);
            last = Date.now();
          }
          await sleep(100);
        }
        applyMsPerWave.push(Number((((now.applySeconds - atStart.applySeconds) / (now.applied - atStart.applied)) * 1000).toFixed(2)));
      }
      const seconds = (Date.now() - started) / 1000;
      const stats = procStats(pid);
      const differences = await seedDifferences(databaseUrl, since, untouched);
      if (differences.length > 0) progress(`${label}: WARNING a seeded family differs from one the hub made:\n  ${differences.join('\n  ')}`);
      const figure: GrowthFigure = {
        families, events: total, eventsPerSecond: Math.round(total / seconds), msPerEvent: Number(((seconds * 1000) / total).toFixed(2)),
        cpuMsPerEvent: Number((((stats.cpuSeconds - cpuBefore) * 1000) / total).toFixed(2)),
        applyMsPerEvent: Number((((now.applySeconds - before.applySeconds) / (now.applied - before.applied)) * 1000).toFixed(2)), applyMsPerWave,
        peakRssMiB: Math.round(stats.peakRssMiB), seedSeconds: Math.round(seed.seconds), databaseMiB: seed.databaseMiB, seedMatchesHub: differences.length === 0,
      };
      progress(`${label}: ${JSON.stringify(figure)}`);
      return figure;
    } finally {
      await stopHub(hub.child);
      await producer.disconnect();
    }
  } finally {
    const admin = new Client({ connectionString: env.databaseUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(new URL(databaseUrl).pathname.slice(1))} WITH (FORCE)`);
    await admin.end();
  }
}

/** The hub's settings for a bench run (fresh keys each time). */
function hubEnv(env: DevEnv, databaseUrl: string, prefix: string, auditChainKey = randomBytes(32)): Record<string, string> {
  return {
    KAFKA_BROKERS: env.kafkaBrokers, DATABASE_URL: databaseUrl, KETENHUB_TOPIC_PREFIX: prefix, HTTP_PORT: '0', LOG_LEVEL: 'warn',
    REGION_DIR: 'config/regions/flevoland', RETENTION_INTERVAL_MS: '0',
    BSN_HASH_KEY: randomBytes(32).toString('base64'), BSN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    API_TOKEN_KEY: randomBytes(32).toString('base64'), PARTNER_SECRET_KEY: randomBytes(32).toString('base64'),
    AUDIT_CHAIN_KEY: auditChainKey.toString('base64'),
  };
}

/** A chain event as the raw pipe and the floor send it, keeping the event for the hub's phase. */
function asBytes(chain: ChainEvent): { id: string; key: string; value: Buffer; chain: ChainEvent } {
  return { id: chain.event.id, key: chain.key, value: Buffer.from(JSON.stringify(chain.event)), chain };
}

interface PipeAndHubFigures {
  eventsPerSecond: number; rawPipeEventsPerSecond: number; ratio: number; rawP50Ms: number; rawP99Ms: number; p50Ms: number; p95Ms: number; p99Ms: number; p999Ms: number;
  latencySamples: number; pacedRate: number; peakRssMiB: number; hubCpuCoresAtSaturation: number; machineCpuCoresAtSaturation: number;
  meanGroupAtSaturation: number; meanGroupPaced: number; machineCpuCoresPaced: number; floorEventsPerSecond: number; hubToFloor: number;
  floorP50Ms: number; floorP99Ms: number; floorLatencySamples: number; machineCpuCoresAtFloor: number; machineCpuCoresFloorPaced: number; floorMessagesPerEvent: number; floorAuditsPerEvent: number; events: number; families: number;
}

async function main(): Promise<void> {
  const opts = options(process.argv.slice(2));
  if (!opts.onlyGrowth) progress(`events=${opts.events} families=${opts.families} rate=${opts.rate}/s for ${opts.rateSeconds} s`);
  if (opts.growth.length > 0) progress(`growth at ${opts.growth.join(', ')} families, ${opts.growthEvents} new events each`);
  const env = await startDevEnv({ ephemeral: true, log: () => undefined });
  progress(`Kafka ${env.kafkaVersion} at ${env.kafkaBrokers}; PostgreSQL ${env.postgresVersion}`);
  const kafka = new Kafka({ clientId: 'ketenhub-bench', brokers: env.kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
  const prefix = `bench${Date.now() % 100000}.`;
  try {
    const started = Date.now();
    const figures = opts.onlyGrowth ? undefined : await pipeAndHub(env, kafka, prefix, opts);
    const growth: GrowthFigure[] = [];
    for (const families of opts.growth) growth.push(await growthAt(env, kafka, `${prefix.slice(0, -1)}-g${families}.`, families, opts.growthEvents));
    // Without the first four phases their fields are null: the line keeps its shape.
    const skipped = { eventsPerSecond: null, rawPipeEventsPerSecond: null, ratio: null, p50Ms: null, p95Ms: null, p99Ms: null, p999Ms: null, latencySamples: null, peakRssMiB: null, floorEventsPerSecond: null, hubToFloor: null, floorP50Ms: null, floorP99Ms: null, rawP50Ms: null, rawP99Ms: null };
    const result = { ...(figures ?? skipped), ...(opts.growth.length > 0 ? { growth } : {}), benchSeconds: Math.round((Date.now() - started) / 1000) };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await env.stop();
  }
}

/** Phases 1 to 3: the raw pipe, the hub at saturation, latency at a fixed rate. */
async function pipeAndHub(env: DevEnv, kafka: Kafka, prefix: string, opts: Options): Promise<PipeAndHubFigures> {
  const stories = Array.from({ length: opts.families }, (_, n) => familyStory(n));
  // Whole families first (their first event creates them), then round-robin through the stories.
  const mix: ChainEvent[] = [];
  for (let step = 0; mix.length < opts.events; step++) {
    for (const story of stories) {
      if (step < story.length && mix.length < opts.events) mix.push(story[step]);
    }
    if (step > 10) break;
  }
  // The latency phases' events: new families' stories, step by step.
  const paced = interleavedMix(Math.ceil((opts.rate * opts.rateSeconds) / STORY_LENGTH), opts.families).slice(0, opts.rate * opts.rateSeconds).map(asBytes);
  const raw = await rawPipe(kafka, prefix, mix.map((e) => Buffer.from(JSON.stringify(e.event))), paced, opts.rate);
  const rawRate = raw.rate;
  progress(`raw pipe: ${rawRate.toFixed(0)} messages/s; at ${opts.rate}/s p50 ${percentile(raw.latencies, 50)} p99 ${percentile(raw.latencies, 99)} ms (${raw.latencies.length} samples)`);

  const databaseUrl = await createDatabase(env.databaseUrl);
  const hub = await startHub(hubEnv(env, databaseUrl, prefix));
  const pid = hub.child.pid!;
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  const accepted = async () => Number((await db.query('SELECT count(*) AS n FROM inbox')).rows[0].n);
  const unpublished = async () => Number((await db.query(`SELECT count(*) AS n FROM outbox WHERE seq > ${PUBLISHED_UP_TO}`)).rows[0].n);

  const reader = await readArrivals(kafka, `${prefix}bench-reader`, [new RegExp(`^${prefix.replace('.', '\\.')}outbound\\.`)],
    (value) => /"causationid":"([^"]+)"/.exec(value)?.[1]);
  const firstDelivery = reader.first;
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();

  // Saturation: everything at once, then drain.
  const cpuBefore = procStats(pid).cpuSeconds;
  const machineBefore = machineBusySeconds();
  const started = Date.now();
  for (let i = 0; i < mix.length; i += 2000) await produceAll(producer, prefix, mix.slice(i, i + 2000));
  progress(`produced ${mix.length} events in ${((Date.now() - started) / 1000).toFixed(1)} s; draining`);
  let done = 0;
  let last = Date.now();
  // Through the full path: every event applied and every message it caused published.
  while (done < mix.length || await unpublished() > 0) {
    await sleep(200);
    done = await accepted();
    if (Date.now() - last > 2000) {
      const s = procStats(pid);
      progress(`accepted ${done}/${mix.length} (${(done / ((Date.now() - started) / 1000)).toFixed(0)}/s) rss=${s.rssMiB.toFixed(0)} MiB`);
      last = Date.now();
    }
  }
  const seconds = (Date.now() - started) / 1000;
  const eventsPerSecond = mix.length / seconds;
  const cpuSaturation = (procStats(pid).cpuSeconds - cpuBefore) / seconds;
  const machineSaturation = (machineBusySeconds() - machineBefore) / seconds;
  const groups = await hubCounters(hub.url);
  const meanGroup = groups.groupedMessages / Math.max(1, groups.groups);
  progress(`saturation: ${eventsPerSecond.toFixed(0)} events/s; hub CPU ${(cpuSaturation * 100).toFixed(0)} % of one core, machine ${machineSaturation.toFixed(2)} of ${os.cpus().length} cores busy; ${meanGroup.toFixed(1)} messages per group`);

  // Latency at a fixed rate, on new families.
  const pacedIds = paced.map((e) => e.id);
  const machinePacedBefore = machineBusySeconds();
  const rateStart = Date.now();
  const sentAt = new Map<string, number>();
  await pace(paced, opts.rate, (slice) => produceAll(producer, prefix, slice.map((e) => e.chain)), sentAt);
  progress(`paced ${paced.length} events at ${(paced.length / ((Date.now() - rateStart) / 1000)).toFixed(0)}/s; waiting for deliveries`);
  const machinePaced = (machineBusySeconds() - machinePacedBefore) / ((Date.now() - rateStart) / 1000);
  const deadline = Date.now() + 120_000;
  const routed = () => pacedIds.filter((id) => firstDelivery.has(id)).length;
  // Not every event is routed to someone (a triage on a waiting list is): wait until the count settles.
  let previous = -1;
  while (Date.now() < deadline) {
    await sleep(1000);
    const now = routed();
    if (now === previous && (await accepted()) >= mix.length + paced.length) break;
    previous = now;
  }
  const afterPaced = await hubCounters(hub.url);
  const [written] = (await db.query('SELECT (SELECT count(*) FROM inbox)::int AS inbox, (SELECT count(*) FROM outbox)::int AS outbox, (SELECT count(*) FROM audit_log)::int AS audit')).rows as Array<{ inbox: number; outbox: number; audit: number }>;
  const meanGroupPaced = (afterPaced.groupedMessages - groups.groupedMessages) / Math.max(1, afterPaced.groups - groups.groups);
  progress(`paced: ${meanGroupPaced.toFixed(1)} messages per group; machine ${machinePaced.toFixed(2)} of ${os.cpus().length} cores busy while producing`);
  const latencies = pacedIds.flatMap((id) => (firstDelivery.has(id) ? [firstDelivery.get(id)! - sentAt.get(id)!] : [])).sort((a, b) => a - b);
  const stats = procStats(pid);
  await stopHub(hub.child);
  await producer.disconnect();
  await reader.consumer.disconnect();
  await db.end();

  // The floor: the same events through only what the fixed architecture makes every event cost.
  // Groups and relay batches as large as the hub's defaults (KAFKA_APPLY_BATCH_SIZE, RELAY_BATCH_SIZE).
  const shape = { messagesPerEvent: written.outbox / written.inbox, auditsPerEvent: written.audit / written.inbox, groupSize: 300, relayBatch: 500 };
  progress(`floor: ${shape.messagesPerEvent.toFixed(2)} messages and ${shape.auditsPerEvent.toFixed(2)} audit records per event, as the hub wrote them`);
  const floor = await floorPipe(kafka, prefix, await createDatabase(env.databaseUrl), { saturation: mix.map(asBytes), paced, rate: opts.rate },
    shape, machineBusySeconds, progress);
  const fl = floor.latencies;
  progress(`floor: ${floor.eventsPerSecond.toFixed(0)} events/s in ${floor.transactions} transactions, machine ${floor.machineCores.toFixed(2)} of ${os.cpus().length} cores busy; `
    + `at ${opts.rate}/s p50 ${percentile(fl, 50)} p99 ${percentile(fl, 99)} ms (${fl.length} samples), machine ${floor.machineCoresPaced.toFixed(2)} cores busy`);
  return {
    eventsPerSecond: Math.round(eventsPerSecond), rawPipeEventsPerSecond: Math.round(rawRate), ratio: Number((eventsPerSecond / rawRate).toFixed(4)),
    rawP50Ms: percentile(raw.latencies, 50), rawP99Ms: percentile(raw.latencies, 99),
    p50Ms: percentile(latencies, 50), p95Ms: percentile(latencies, 95), p99Ms: percentile(latencies, 99), p999Ms: percentile(latencies, 99.9),
    latencySamples: latencies.length, pacedRate: opts.rate, peakRssMiB: Math.round(stats.peakRssMiB), hubCpuCoresAtSaturation: Number(cpuSaturation.toFixed(2)),
    machineCpuCoresAtSaturation: Number(machineSaturation.toFixed(2)), meanGroupAtSaturation: Number(meanGroup.toFixed(1)),
    meanGroupPaced: Number(meanGroupPaced.toFixed(1)), machineCpuCoresPaced: Number(machinePaced.toFixed(2)),
    floorEventsPerSecond: Math.round(floor.eventsPerSecond), hubToFloor: Number((eventsPerSecond / floor.eventsPerSecond).toFixed(4)),
    floorP50Ms: percentile(fl, 50), floorP99Ms: percentile(fl, 99), floorLatencySamples: fl.length,
    machineCpuCoresAtFloor: Number(floor.machineCores.toFixed(2)), machineCpuCoresFloorPaced: Number(floor.machineCoresPaced.toFixed(2)), floorMessagesPerEvent: Number(shape.messagesPerEvent.toFixed(2)),
    floorAuditsPerEvent: Number(shape.auditsPerEvent.toFixed(2)),
    events: mix.length, families: opts.families,
  };
}

main().then(() => process.exit(0), (error: unknown) => {
  if (error instanceof OptionError) {
    process.stderr.write(`bench: ${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`bench: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
