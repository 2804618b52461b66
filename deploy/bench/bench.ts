/**
 * `npm run bench [-- --events 20000 --families 10000 --rate 1000 --rate-seconds 20]`
 *
 * Measures the hub against the same broker and database in one run:
 *   1. raw pipe: a kafkajs consumer that produces every message it reads to another topic and does
 *      nothing else (batch in, batch out, offsets committed per batch): the ceiling of the bus here;
 *   2. saturation: a realistic mix of chain events for many families written to the partners'
 *      inbound topics of the Flevoland region (every role), then drained by the hub: validate,
 *      family record, routing, outbox, audit, delivery to outbound topics;
 *   3. latency: the same mix produced at a fixed rate; end-to-end latency is partner produce to the
 *      first routed message on any outbound topic (matched by causationid).
 * The hub runs as its own process; its CPU time and peak RSS (VmHWM) come from /proc. Progress
 * goes to stderr every two seconds; the last line on stdout is one JSON object.
 * Uses KAFKA_BROKERS and DATABASE_URL when set, otherwise starts throw-away ones.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { Kafka, logLevel, Partitioners, type Message, type Producer } from 'kafkajs';
import { Client } from 'pg';
import { isValidBsn } from '@ketenhub/domain';
import { startDevEnv } from '../local/devenv';
import { repoRoot } from '../local/process-util';

interface Options { events: number; families: number; rate: number; rateSeconds: number }

function options(args: string[]): Options {
  const value = (name: string, fallback: number) => {
    const i = args.indexOf(`--${name}`);
    if (i < 0) return fallback;
    const n = Number(args[i + 1]);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive whole number`);
    return n;
  };
  return { events: value('events', 20_000), families: value('families', 10_000), rate: value('rate', 1_000), rateSeconds: value('rate-seconds', 20) };
}

const progress = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A BSN that passes the elfproef, from a counter (never a real person's: the 99 range). Family n
 * owns the eight-digit prefixes n*10 .. n*10+9: the child (slot 0) takes the first valid one of
 * the lower five, the parent (slot 1) of the upper five (among five neighbours at most one has no
 * check digit, since each step adds 2 to the weighted sum mod 11). Unique for n below 100,000.
 */
function bsnOf(n: number, slot: 0 | 1): string {
  for (let k = slot * 5; k < slot * 5 + 5; k++) {
    const first8 = String(99_000_000 + ((n * 10 + k) % 1_000_000));
    for (let check = 0; check <= 9; check++) if (isValidBsn(`${first8}${check}`)) return `${first8}${check}`;
  }
  throw new Error(`no BSN for family ${n} slot ${slot}: five neighbouring prefixes without a check digit cannot happen`);
}

interface ChainEvent { partner: string; event: Record<string, unknown> }

const TOEGANG = ['toegang-almere', 'toegang-dronten', 'toegang-lelystad', 'toegang-noordoostpolder', 'toegang-urk', 'toegang-zeewolde'];
const GEMEENTE = ['GM0034', 'GM0303', 'GM0995', 'GM0171', 'GM0184', 'GM0050'];

/** The mix one family goes through; its first event creates the family. */
function familyStory(n: number): ChainEvent[] {
  const child = bsnOf(n, 0);
  const parent = bsnOf(n, 1);
  const m = n % TOEGANG.length;
  const ce = (partner: string, type: string, data: Record<string, unknown>) => ({
    partner,
    event: { specversion: '1.0', id: randomUUID(), source: `urn:ketenhub:partner:${partner}`, type: `nl.ketenhub.${type}.v1`, time: new Date().toISOString(), datacontenttype: 'application/json', data },
  });
  const kinderen = [{ bsn: child }];
  return [
    ce(TOEGANG[m], 'toegang.hulpvraag-geregistreerd', {
      zaakreferentie: `Z-${n}`, gemeente: GEMEENTE[m], toegangsroute: 'GEZIN_ZELF', perspectief: 'THUIS',
      kinderen: [{ persoon: { bsn: child }, geboortedatum: '2014-03-15' }], gezagdragers: [{ persoon: { bsn: parent }, relatie: 'OUDER' }],
    }),
    ce('veilig-thuis-flevoland', 'veiligthuis.melding-ontvangen', { kinderen, gemeente: GEMEENTE[m], melder: 'POLITIE' }),
    ce('veilig-thuis-flevoland', 'keten.veiligheidskaart-bijdrage', { kinderen, zorgen: ['Spanningen thuis'] }),
    ce('veilig-thuis-flevoland', 'veiligthuis.triage-afgerond', { kinderen, uitkomst: 'WACHTLIJST' }),
    ce(TOEGANG[m], 'keten.veiligheidskaart-bijdrage', { kinderen, krachten: ['Oma helpt mee'] }),
  ];
}

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

async function rawPipe(kafka: Kafka, prefix: string, payloads: Buffer[]): Promise<number> {
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
  await consumer.disconnect();
  await producer.disconnect();
  return payloads.length / seconds;
}

async function startHub(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [path.join(repoRoot(), 'dist', 'apps', 'hub', 'src', 'main.js')], { cwd: repoRoot(), stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
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

async function produceAll(producer: Producer, prefix: string, events: ChainEvent[], sentAt: Map<string, number>): Promise<void> {
  const byTopic = new Map<string, Message[]>();
  for (const { partner, event } of events) {
    const list = byTopic.get(partner) ?? [];
    // One key per child keeps a family's events in order on its partner's topic.
    const child = (event.data as { kinderen: Array<{ bsn?: string; persoon?: { bsn: string } }> }).kinderen[0];
    list.push({ key: child.bsn ?? child.persoon?.bsn ?? 'k', value: Buffer.from(JSON.stringify(event)) });
    byTopic.set(partner, list);
    sentAt.set(event.id as string, Date.now());
  }
  await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([partner, messages]) => ({ topic: `${prefix}inbound.${partner}`, messages })) });
}

async function main(): Promise<void> {
  const opts = options(process.argv.slice(2));
  progress(`events=${opts.events} families=${opts.families} rate=${opts.rate}/s for ${opts.rateSeconds} s`);
  const env = await startDevEnv({ ephemeral: true, log: () => undefined });
  progress(`Kafka ${env.kafkaVersion} at ${env.kafkaBrokers}; PostgreSQL ${env.postgresVersion}`);
  const kafka = new Kafka({ clientId: 'ketenhub-bench', brokers: env.kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
  const prefix = `bench${Date.now() % 100000}.`;
  try {
    const stories = Array.from({ length: opts.families }, (_, n) => familyStory(n));
    // Whole families first (their first event creates them), then round-robin through the stories.
    const mix: ChainEvent[] = [];
    for (let step = 0; mix.length < opts.events; step++) {
      for (const story of stories) {
        if (step < story.length && mix.length < opts.events) mix.push(story[step]);
      }
      if (step > 10) break;
    }
    const rawRate = await rawPipe(kafka, prefix, mix.map((e) => Buffer.from(JSON.stringify(e.event))));
    progress(`raw pipe: ${rawRate.toFixed(0)} messages/s`);

    const databaseUrl = await createDatabase(env.databaseUrl);
    const hub = await startHub({
      KAFKA_BROKERS: env.kafkaBrokers, DATABASE_URL: databaseUrl, KETENHUB_TOPIC_PREFIX: prefix, HTTP_PORT: '0', LOG_LEVEL: 'warn',
      REGION_DIR: 'config/regions/flevoland', RELAY_IDLE_MS: '20', RETENTION_INTERVAL_MS: '0',
      BSN_HASH_KEY: randomBytes(32).toString('base64'), BSN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      API_TOKEN_KEY: randomBytes(32).toString('base64'), PARTNER_SECRET_KEY: randomBytes(32).toString('base64'),
    });
    const pid = hub.child.pid!;
    const db = new Client({ connectionString: databaseUrl });
    await db.connect();
    const accepted = async () => Number((await db.query('SELECT count(*) AS n FROM inbox')).rows[0].n);

    const firstDelivery = new Map<string, number>();
    const reader = kafka.consumer({ groupId: `${prefix}bench-reader`, maxWaitTimeInMs: 20 });
    await reader.connect();
    await reader.subscribe({ topics: [new RegExp(`^${prefix.replace('.', '\\.')}outbound\\.`)], fromBeginning: true });
    await reader.run({
      eachBatch: async ({ batch }) => {
        const now = Date.now();
        for (const m of batch.messages) {
          const cause = /"causationid":"([^"]+)"/.exec(m.value?.toString('utf8') ?? '')?.[1];
          if (cause && !firstDelivery.has(cause)) firstDelivery.set(cause, now);
        }
      },
    });
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();

    // Saturation: everything at once, then drain.
    const sentAt = new Map<string, number>();
    const cpuBefore = procStats(pid).cpuSeconds;
    const started = Date.now();
    for (let i = 0; i < mix.length; i += 2000) await produceAll(producer, prefix, mix.slice(i, i + 2000), sentAt);
    progress(`produced ${mix.length} events in ${((Date.now() - started) / 1000).toFixed(1)} s; draining`);
    let done = 0;
    let last = Date.now();
    while (done < mix.length) {
      await sleep(500);
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
    progress(`saturation: ${eventsPerSecond.toFixed(0)} events/s; hub CPU ${(cpuSaturation * 100).toFixed(0)} % of one core`);

    // Latency at a fixed rate, on new families.
    const rateStories = Array.from({ length: Math.ceil((opts.rate * opts.rateSeconds) / 5) }, (_, n) => familyStory(opts.families + n));
    const paced: ChainEvent[] = [];
    for (let step = 0; step < 5; step++) for (const story of rateStories) paced.push(story[step]);
    const total = Math.min(paced.length, opts.rate * opts.rateSeconds);
    const pacedIds: string[] = [];
    const tick = 50;
    const perTick = Math.max(1, Math.round((opts.rate * tick) / 1000));
    const rateStart = Date.now();
    for (let i = 0; i < total; i += perTick) {
      const slice = paced.slice(i, Math.min(i + perTick, total));
      await produceAll(producer, prefix, slice, sentAt);
      for (const e of slice) pacedIds.push(e.event.id as string);
      const due = rateStart + ((i + perTick) / opts.rate) * 1000;
      if (due > Date.now()) await sleep(due - Date.now());
    }
    progress(`paced ${total} events at ${(total / ((Date.now() - rateStart) / 1000)).toFixed(0)}/s; waiting for deliveries`);
    const deadline = Date.now() + 120_000;
    const routed = () => pacedIds.filter((id) => firstDelivery.has(id)).length;
    // Not every event is routed to someone (a triage on a waiting list is): wait until the count settles.
    let previous = -1;
    while (Date.now() < deadline) {
      await sleep(1000);
      const now = routed();
      if (now === previous && (await accepted()) >= mix.length + total) break;
      previous = now;
    }
    const latencies = pacedIds.flatMap((id) => (firstDelivery.has(id) ? [firstDelivery.get(id)! - sentAt.get(id)!] : [])).sort((a, b) => a - b);
    const stats = procStats(pid);
    hub.child.kill('SIGTERM');
    await producer.disconnect();
    await reader.disconnect();
    await db.end();
    const result = {
      eventsPerSecond: Math.round(eventsPerSecond), rawPipeEventsPerSecond: Math.round(rawRate), ratio: Number((eventsPerSecond / rawRate).toFixed(4)),
      p50Ms: percentile(latencies, 50), p95Ms: percentile(latencies, 95), p99Ms: percentile(latencies, 99), p999Ms: percentile(latencies, 99.9),
      latencySamples: latencies.length, pacedRate: opts.rate, peakRssMiB: Math.round(stats.peakRssMiB), hubCpuCoresAtSaturation: Number(cpuSaturation.toFixed(2)),
      events: mix.length, families: opts.families,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await env.stop();
  }
}

main().then(() => process.exit(0), (error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
