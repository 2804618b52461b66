/**
 * `npm run faults [-- --kills 10 --hubs 1 --families 1200 --rate 25 --minutes 15 --seed N --keep --no-oracle]`
 *
 * The hub under load and under faults, then a verdict on what it did with every event:
 *   1. a Kafka broker and a PostgreSQL of its own, with data kept across restarts, in a temp folder;
 *   2. the hub as its own process (Flevoland region, with toegang-almere connected through the HTTPS
 *      door: it posts its events to POST /events and receives by webhook at an endpoint of this
 *      run's; and toegang-dronten receiving by the cursor feed, read by this run), or `--hubs` of
 *      them sharing the database and the consumer group as a scaled-out deployment runs, and the
 *      chain mix produced to the other partners' inbound topics at a steady rate (every fourth
 *      family's child turns eighteen within a month, so its handover deadline falls due and fires
 *      during the run); an event counts once its produce was acknowledged (the door's 202 for posts);
 *   3. meanwhile, at random moments: a hub (picked at random) SIGKILLed and started again `--kills`
 *      times, the broker stopped and started again once and SIGKILLed and started again once,
 *      PostgreSQL stopped and started again once,
 *      the webhook endpoint answering 503 for a while once (on its own clock, beside the others, so
 *      that it ends within the load), each while the hubs run (they must recover by themselves);
 *   4. the hub drains (every acknowledged event in its inbox, every deadline due fired, its outbox
 *      sent, the HTTPS partners' messages received), is stopped, and the verifier (verify.ts)
 *      judges the inbox, outbox, audit trail, deadlines, every message on the topics, every
 *      request the webhook endpoint received and every event the feed's reader took;
 *   5. unless `--no-oracle`, an undisturbed second hub is given the same events in the same order
 *      per family (oracle.ts); every message it writes, and every deadline signal per family, must
 *      have arrived from the first.
 * Progress goes to stderr; the last stdout line is
 * `runs=… accepted=… lost=… duplicateDeliveries=… auditMismatches=… orderViolations=…`.
 * Exit 0 when nothing was lost, mis-audited or out of order and the hub recovered by itself from
 * every outage (resumed within two minutes, never exited on its own), delivered nothing the
 * oracle did not, signed every webhook request as it should and signalled no deadline without
 * marking it; 1 otherwise; 2 on a usage error;
 * 3 when the run did not finish within `--minutes` (everything is stopped then).
 * Everything listens on loopback only; the temp folder is removed at the end unless `--keep`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AssignerProtocol, Kafka, logLevel } from 'kafkajs';
import { Pool } from 'pg';
import { PUBLISHED_UP_TO } from '@ketenhub/persistence';
import { interleavedMix, MAX_FAMILIES, type StoryOptions } from '../bench/chain-mix';
import { startKafka, type RunningKafka } from '../local/kafka';
import { startPostgres, type RunningPostgres } from '../local/postgres';
import { freePort } from '../local/process-util';
import { drainState, readDatabase, readTopics } from './collect';
import { webhookSecretOf } from '../../apps/hub/src/gateway/partner-secrets';
import { regionWithConnections } from '../local/region-copy';
import { WebhookReceiver } from '../local/webhook-receiver';
import { FeedPartner } from './feed-partner';
import { HubFleet, hubEnv } from './hub-process';
import { runOracle } from './oracle';
import { Load } from './load';
import { verify } from './verify';

interface Options { kills: number; hubs: number; families: number; rate: number; minutes: number; seed: number; keep: boolean; oracle: boolean }

class UsageError extends Error {}

function options(args: string[]): Options {
  const known = new Set(['--kills', '--hubs', '--families', '--rate', '--minutes', '--seed', '--keep', '--no-oracle']);
  const unknown = args.filter((a) => a.startsWith('--') && !known.has(a));
  if (unknown.length > 0) throw new UsageError(`unknown option ${unknown.join(', ')}; known: ${[...known].join(' ')}`);
  const value = (name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER) => {
    const i = args.indexOf(`--${name}`);
    if (i < 0) return fallback;
    const n = Number(args[i + 1]);
    if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, not '${args[i + 1] ?? ''}'`);
    return n;
  };
  return {
    kills: value('kills', 10, 0), hubs: value('hubs', 1, 1, 4), families: value('families', 1200, 1, MAX_FAMILIES), rate: value('rate', 25, 1), minutes: value('minutes', 15, 1),
    seed: value('seed', Math.floor(Math.random() * 2 ** 31), 0), keep: args.includes('--keep'), oracle: !args.includes('--no-oracle'),
  };
}

const say = (line: string) => process.stderr.write(`[faults] ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A small seeded generator (mulberry32): the same --seed gives the same fault schedule. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type FaultKind = 'kill' | 'broker' | 'broker-kill' | 'postgres' | 'webhook';

/** The partner connected through the HTTPS door in a fault run: it posts its events (POST /events) and receives by webhook. */
const WEBHOOK_PARTNER = 'toegang-almere';
const WEBHOOK_PATH = `/${WEBHOOK_PARTNER}`;
/** The partner that receives by the cursor feed (GET /feed); its events come over Kafka. */
const FEED_PARTNER = 'toegang-dronten';
/**
 * Every this many families the child turns eighteen within a month, so its handover deadline
 * (Flevoland: 180 days ahead) is due as soon as the family exists and fires during the run, with
 * the kills and outages around it.
 */
const NEARLY_ADULT_EVERY = 4;

/** The story options that make every `every`-th family's child turn eighteen 30 days after `today`. */
function nearlyAdultEvery(every: number, today: Date): (n: number) => StoryOptions {
  const born = new Date(Date.UTC(today.getUTCFullYear() - 18, today.getUTCMonth(), today.getUTCDate() + 30)).toISOString().slice(0, 10);
  return (n) => (n % every === 0 ? { childBorn: born } : {});
}

/** `target`: which hub a kill is for (an index into the hubs). */
interface Fault { atMs: number; kind: FaultKind; downMs: number; target: number }

/** Random moments within the load, in a random order of kinds; a fault waits for the one before it. */
function schedule(kills: number, hubs: number, loadMs: number, random: () => number): Fault[] {
  const kinds: FaultKind[] = [...Array<FaultKind>(kills).fill('kill'), 'broker', 'broker-kill', 'postgres', 'webhook'];
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [kinds[i], kinds[j]] = [kinds[j], kinds[i]];
  }
  const from = 5_000;
  const to = Math.max(from + 1_000, loadMs - 10_000);
  const times = kinds.map(() => from + random() * (to - from)).sort((a, b) => a - b);
  // The webhook outage may last up to WEBHOOK_OUTAGE_MAX_MS and must meet requests: it starts early enough to end within the load.
  const lastWebhookStart = Math.max(from, to - WEBHOOK_OUTAGE_MAX_MS);
  // The broker and the database must come back while the load still runs, or how the hubs take up
  // the load again is not measured: a killed broker recovers its log for about 20 s after its
  // downtime (up to 12 s), and 100 events at 25/s take 4 s more.
  const lastOutageStart = Math.max(from, to - OUTAGE_HEADROOM_MS);
  const startOf = (kind: FaultKind, at: number) =>
    kind === 'webhook' ? Math.min(at, lastWebhookStart) : kind === 'kill' ? at : Math.min(at, lastOutageStart);
  return kinds.map((kind, i) => ({
    atMs: startOf(kind, times[i]), kind, downMs: 4_000 + Math.round(random() * 8_000), target: Math.floor(random() * hubs),
  }));
}

interface Services {
  kafka: RunningKafka;
  postgres: RunningPostgres;
}

async function main(): Promise<number> {
  const opts = options(process.argv.slice(2));
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;
  let phase = 'start';
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ketenhub-faults-'));
  // PostgreSQL runs as the `postgres` user and must be able to reach its data folder.
  fs.chmodSync(work, 0o755);
  say(`kills=${opts.kills} hubs=${opts.hubs} families=${opts.families} (${opts.families * 5} events) rate=${opts.rate}/s bound=${opts.minutes} min seed=${opts.seed}; data in ${work}`);

  let services: Partial<Services> = {};
  let hub: HubFleet | undefined;
  let receiver: WebhookReceiver | undefined;
  let feed: FeedPartner | undefined;
  let load: Load | undefined;
  let pool: Pool | undefined;
  const stopEverything = async () => {
    load?.stop();
    await feed?.stop();
    hub?.killNow();
    await pool?.end().catch(() => undefined);
    await Promise.race([Promise.allSettled([services.kafka?.stop(), services.postgres?.stop()]), sleep(40_000)]);
    await hub?.close();
    await receiver?.stop();
    if (opts.keep) say(`kept ${work} (${opts.hubs === 1 ? 'hub.log' : 'hub-1.log …'}, broker.log, PostgreSQL's log and data)`);
    else fs.rmSync(work, { recursive: true, force: true });
  };
  const abort = (why: string, code: number) => {
    say(`${why} (phase ${phase}, after ${elapsed()}); stopping everything`);
    if (hub) say(`the hub's last lines:\n${hub.lastLines(20).join('\n')}`);
    void stopEverything().finally(() => process.exit(code));
  };
  const bound = setTimeout(() => abort(`not finished within the bound of ${opts.minutes} min`, 3), opts.minutes * 60_000);
  process.once('SIGINT', () => abort('interrupted', 130));
  process.once('SIGTERM', () => abort('terminated', 143));

  try {
    // 1. Services with data that survives their restarts, on fixed loopback ports.
    const kafkaPort = await freePort();
    const postgresPort = await freePort();
    const startBroker = () => startKafka({ dataDir: path.join(work, 'kafka'), port: kafkaPort });
    const startDatabase = () => startPostgres({ dataDir: path.join(work, 'pgdata'), database: 'ketenhub', port: postgresPort, persistent: true });
    const [kafka, postgres] = await Promise.all([startBroker(), startDatabase()]);
    services = { kafka, postgres };
    say(`Kafka ${kafka.version} at ${kafka.brokers}; PostgreSQL ${postgres.version} on port ${postgresPort} (${elapsed()})`);

    // 2. The hub and the load.
    const prefix = 'faults.';
    const logFile = (member: number) => path.join(work, opts.hubs === 1 ? 'hub.log' : `hub-${member + 1}.log`);
    receiver = await WebhookReceiver.start();
    const env: Record<string, string> = {
      // As production runs it: the hub's own login, which may only append to the audit trail, and
      // the owner's for the migrations (docs/OPERATIONS.md, Security).
      ...hubEnv({ brokers: kafka.brokers, databaseUrl: postgres.hubUrl, prefix }),
      MIGRATION_DATABASE_URL: postgres.ownerUrl,
      REGION_DIR: regionWithConnections({
        [WEBHOOK_PARTNER]: `{ via: HTTPS_WEBHOOK, webhookUrl: '${receiver.url(WEBHOOK_PATH)}' }`,
        [FEED_PARTNER]: '{ via: HTTPS_FEED }',
      }, 'flevoland', path.join(work, 'region')),
      // Retries close together, so that an outage of the endpoint is caught up within the run.
      WEBHOOK_BACKOFF_MS: '500', WEBHOOK_MAX_BACKOFF_MS: '2000', WEBHOOK_POLL_MS: '200', WEBHOOK_MAX_ATTEMPTS: '100',
    };
    const partnerKey = Buffer.from(env.PARTNER_SECRET_KEY, 'base64');
    const webhookTopic = `${prefix}outbound.${WEBHOOK_PARTNER}`;
    const feedTopic = `${prefix}outbound.${FEED_PARTNER}`;
    receiver.expect(WEBHOOK_PATH, webhookSecretOf(partnerKey, WEBHOOK_PARTNER));
    hub = new HubFleet(opts.hubs, env, logFile, say);
    hub.start();
    await hub.waitReady(120_000);
    say(`${opts.hubs === 1 ? 'hub' : `${opts.hubs} hubs`} ready (${elapsed()}); the topics exist, the load starts`);
    pool = new Pool({ connectionString: postgres.url, max: 2, connectionTimeoutMillis: 3_000 });
    pool.on('error', () => undefined);
    const client = new Kafka({ clientId: 'ketenhub-faults', brokers: [kafka.brokers], logLevel: logLevel.NOTHING });
    if (opts.hubs > 1) say(`consumer group: ${await groupShares(client, `${prefix}ketenhub-hub`)}`);
    const mix = interleavedMix(opts.families, 0, nearlyAdultEvery(NEARLY_ADULT_EVERY, new Date()));
    const fleet = hub;
    // Each member's reason, not a blanket timeout: a run killed before it was ready says so at once.
    const readyHub = () => Promise.any(fleet.members.map((m) => m.waitReady(60_000))).catch((error: unknown) => {
      const reasons = error instanceof AggregateError ? error.errors.map((e: unknown) => (e instanceof Error ? e.message : String(e))) : [String(error)];
      throw new Error(`no hub ready: ${reasons.join('; ')}`);
    });
    load = new Load(client, prefix, mix, opts.rate, say, { partnerId: WEBHOOK_PARTNER, partnerKey, hubUrl: readyHub });
    feed = new FeedPartner(FEED_PARTNER, partnerKey, readyHub);
    feed.start();
    phase = 'load';
    const loading = load.run();
    const progress = async () => {
      const db = await pool!.query<{ inbox: number; backlog: number }>(
        `SELECT (SELECT count(*)::int FROM inbox) AS inbox, (SELECT count(*)::int FROM outbox WHERE seq > ${PUBLISHED_UP_TO}) AS backlog`)
        .then((r) => r.rows[0], () => undefined);
      say(`${phase} ${elapsed()}: hub runs=${hub!.runs} kills=${hub!.kills}/${opts.kills} sent=${load!.sent}/${mix.length} acknowledged=${load!.accepted.length} `
        + `inbox=${db?.inbox ?? '? (database away)'} outboxBacklog=${db?.backlog ?? '?'}`);
    };
    const ticker = setInterval(() => void progress(), 5_000);

    // 3. Faults at random moments during the load.
    const random = seeded(opts.seed);
    const loadStart = Date.now();
    const loadMs = (mix.length / opts.rate) * 1000;
    const context: FaultContext = { hub, services: services as Services, startBroker, startDatabase, pool, load, receiver, elapsed, unrecovered: [] };
    const faults = schedule(opts.kills, opts.hubs, loadMs, random);
    // The webhook outage keeps its own time, beside the others: it only touches this run's endpoint.
    // Queued behind the others, it drifted past the load's end and met no request (8e525fb, 239 s).
    const aside = Promise.all(faults.filter((f) => f.kind === 'webhook').map(async (fault) => {
      await sleep(Math.max(0, loadStart + fault.atMs - Date.now()));
      await inject(fault, context);
    }));
    // Handled here so that a failure while the others run is not an unhandled rejection; awaited below.
    aside.catch(() => undefined);
    let lastFaultEnd = 0;
    for (const fault of faults.filter((f) => f.kind !== 'webhook')) {
      // At least a few seconds after the fault before it, so that no kill lands on a process not yet started.
      const wait = Math.max(loadStart + fault.atMs, lastFaultEnd + 3_000) - Date.now();
      if (wait > 0) await sleep(wait);
      await inject(fault, context);
      lastFaultEnd = Date.now();
    }
    await aside;
    phase = 'load (faults done)';
    await loading;
    if (opts.hubs > 1) say(`consumer group after the faults: ${await groupShares(client, `${prefix}ketenhub-hub`)}`);
    say(`load done: ${load.accepted.length} of ${mix.length} events acknowledged (${load.postedOverHttps} of them ${WEBHOOK_PARTNER}'s over HTTPS), `
      + `${load.failedSends} sends and ${load.failedPosts} posts repeated (${elapsed()})`);

    // 4. Drain, stop, verify.
    phase = 'drain';
    const reader = feed;
    const drained = await drain(hub, pool, new Set(load.accepted.map((e) => e.eventId)), [
      { topic: webhookTopic, received: () => receiver!.on(WEBHOOK_PATH).filter((d) => d.signatureOk).map((d) => d.id) },
      { topic: feedTopic, received: () => reader.taken },
    ], started + opts.minutes * 60_000 - 120_000);
    await feed.stop();
    // Every deadline due by now has fired (the drain waited for it) or is lost.
    const dueBy = new Date();
    clearInterval(ticker);
    phase = 'verify';
    await hub.stop();
    await pool.end();
    pool = undefined;
    const database = await readDatabase(services.postgres!.url, prefix, Buffer.from(env.AUDIT_CHAIN_KEY, 'base64'));
    const deliveries = await readTopics(client, prefix, 120_000);
    let oracle: Map<string, Set<string>> | undefined;
    let oracleSignals: Map<string, Set<string>> | undefined;
    if (opts.oracle) {
      phase = 'oracle';
      const acknowledged = new Set(load.accepted.map((e) => e.eventId));
      const result = await runOracle({
        kafka: client, brokers: services.kafka!.brokers, adminDatabaseUrl: services.postgres!.url, workDir: work,
        events: mix.filter((e) => acknowledged.has(e.event.id)), acceptedAt: database.inbox, until: started + opts.minutes * 60_000 - 30_000, say,
      });
      oracle = result.expected;
      oracleSignals = result.signals;
    }
    const webhook = { topic: webhookTopic, arrivals: receiver.on(WEBHOOK_PATH).map((d) => ({ messageId: d.id, signatureOk: d.signatureOk })) };
    const deadlines = { ...database.deadlines, dueBy, ...(oracleSignals ? { oracle: oracleSignals } : {}) };
    const feedArrivals = { topic: feedTopic, arrivals: feed.taken.map((messageId) => ({ messageId })) };
    const verdict = verify({ ...database, accepted: load.accepted, deliveries, webhook, feed: feedArrivals, deadlines, ...(oracle ? { oracle } : {}) });
    say(`verdict after ${elapsed()}: ${verdict.accepted} events acknowledged, ${database.inbox.length} in the inbox; ${verdict.messages} outbox messages `
      + `(${verdict.disclosures} disclosures), ${verdict.deliveries} copies read from the topics; ${database.audit.length} audit records, chain ${database.chain.ok ? 'verifies' : 'BROKEN'}`);
    say(`faults: ${hub.kills} kills, the broker stopped once and SIGKILLed once, PostgreSQL restarted once, ${hub.runs} hub runs${opts.hubs > 1 ? ` over ${opts.hubs} hubs` : ''}, ${hub.unexpectedExits.length} exits the hub made by itself`);
    for (const what of context.unrecovered) say(`  NOT RECOVERED: ${what}`);
    if (verdict.webhook) {
      say(`webhook of ${WEBHOOK_PARTNER}: ${verdict.webhook.messages} messages on its outbound topic, ${verdict.webhook.arrivals} requests received `
        + `(${verdict.webhook.badSignatures} with a signature that did not check), ${receiver.refused.length} answered 503 during its outage`);
    }
    if (verdict.feed) {
      say(`feed of ${FEED_PARTNER}: ${verdict.feed.messages} messages on its outbound topic, ${verdict.feed.arrivals} events taken by its reader, `
        + `${feed.failedReads} reads failed or refused${feed.lastProblem ? ` (last: ${feed.lastProblem})` : ''}`);
    }
    if (verdict.deadlines) {
      const d = verdict.deadlines;
      say(`deadlines: ${d.due} fell due and ${d.fired} fired, signalled by ${d.signals} messages (${d.unmarked} for a deadline not marked as signalled)`
        + `${opts.oracle ? `; against the undisturbed hub ${d.oracleMissing} signals missing (counted as lost), ${d.oracleUnexpected} it did not send` : ''}`);
    }
    if (verdict.oracle) {
      say(`oracle (an undisturbed hub given the same events in the same order per family): ${verdict.oracle.events} events compared, `
        + `${verdict.oracle.missing} expected messages missing (counted as lost), ${verdict.oracle.unexpected} messages it did not send`);
    }
    if (!drained) say('the hub did not drain before the bound: events not in the inbox and messages not sent count as lost');
    for (const exit of hub.unexpectedExits) say(`  ${exit.hub} exited by itself: run ${exit.run}, code ${exit.code}, signal ${exit.signal} (see its log)`);
    for (const problem of verdict.problems) say(`  ${problem.kind}: ${problem.detail}`);
    // A hub that needed to be started again, or did not resume after an outage, did not recover by itself.
    const failed = verdict.lost > 0 || verdict.auditMismatches > 0 || verdict.orderViolations > 0 || (verdict.webhook?.badSignatures ?? 0) > 0
      || hub.unexpectedExits.length > 0 || context.unrecovered.length > 0 || (verdict.oracle?.unexpected ?? 0) > 0
      || (verdict.deadlines?.unmarked ?? 0) > 0 || (verdict.deadlines?.oracleUnexpected ?? 0) > 0;
    if (failed) say(`the hub's last lines:\n${hub.lastLines(30).join('\n')}`);
    clearTimeout(bound);
    phase = 'stop';
    await stopEverything();
    process.stdout.write(`runs=${hub.runs} accepted=${verdict.accepted} lost=${verdict.lost} duplicateDeliveries=${verdict.duplicateDeliveries} `
      + `auditMismatches=${verdict.auditMismatches} orderViolations=${verdict.orderViolations}\n`);
    say(`done in ${elapsed()}`);
    return failed ? 1 : 0;
  } catch (error) {
    clearTimeout(bound);
    say(`failed in phase ${phase} after ${elapsed()}: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
    if (hub) say(`the hub's last lines:\n${hub.lastLines(20).join('\n')}`);
    await stopEverything();
    return 1;
  }
}

interface FaultContext {
  hub: HubFleet;
  services: Services;
  startBroker: () => Promise<RunningKafka>;
  startDatabase: () => Promise<RunningPostgres>;
  pool: Pool;
  load: Load;
  receiver: WebhookReceiver;
  elapsed: () => string;
  /** Outages after which the hub did not resume within RECOVERY_MS. */
  unrecovered: string[];
}

/** How long before the load's end the broker and database outages start at the latest. */
const OUTAGE_HEADROOM_MS = 50_000;

/** The longest the webhook endpoint stays down waiting for a request to refuse. */
const WEBHOOK_OUTAGE_MAX_MS = 40_000;

/** How long the hub may take to resume after an outage before that counts as not recovering. */
const RECOVERY_MS = 120_000;

async function inject(fault: Fault, c: FaultContext): Promise<void> {
  if (fault.kind === 'kill') {
    const target = c.hub.members[fault.target];
    const wasReady = await target.waitReady(0).then(() => 'running', () => 'not ready yet: booting or joining the consumer group');
    await target.killAndRestart();
    say(`SIGKILLed ${target.name} (${wasReady}); its run ${target.runs} starting (${c.elapsed()})`);
    return;
  }
  // The outages are meant for a running hub: one that is booting would just wait for the service.
  await c.hub.waitReady(60_000).catch((error: unknown) => say(`before the ${fault.kind} outage: ${error instanceof Error ? error.message : String(error)}`));
  if (fault.kind === 'webhook') {
    const refusedBefore = c.receiver.refused.length;
    c.receiver.down(WEBHOOK_PATH);
    say(`the webhook endpoint of ${WEBHOOK_PARTNER} answers 503 for ${(fault.downMs / 1000).toFixed(1)} s (${c.elapsed()})`);
    await sleep(fault.downMs);
    // Right after a kill the consumer group rebalances and nothing may come for a while: an outage
    // no request met tested nothing, so it lasts until one did (or WEBHOOK_OUTAGE_MAX_MS).
    const until = Date.now() + WEBHOOK_OUTAGE_MAX_MS - fault.downMs;
    while (c.receiver.refused.length === refusedBefore && Date.now() < until) await sleep(250);
    c.receiver.up(WEBHOOK_PATH);
    say(`the webhook endpoint is back after ${c.receiver.refused.length - refusedBefore} requests refused (${c.elapsed()})`);
    return;
  }
  const runBefore = c.hub.runs;
  if (fault.kind === 'broker' || fault.kind === 'broker-kill') {
    if (fault.kind === 'broker') await c.services.kafka.stop();
    else await c.services.kafka.kill();
    say(`broker ${fault.kind === 'broker' ? 'stopped' : 'SIGKILLed (no clean shutdown)'} for ${(fault.downMs / 1000).toFixed(1)} s (${c.elapsed()})`);
    await sleep(fault.downMs);
    c.services.kafka = await c.startBroker();
    say(`broker back at ${c.services.kafka.brokers} (${c.elapsed()})`);
  } else {
    await c.services.postgres.stop();
    say(`PostgreSQL stopped (fast shutdown: connections cut, open transactions rolled back) for ${(fault.downMs / 1000).toFixed(1)} s (${c.elapsed()})`);
    await sleep(fault.downMs);
    c.services.postgres = await c.startDatabase();
    say(`PostgreSQL back (${c.elapsed()})`);
  }
  const back = Date.now();
  const resumed = await resumption(c.pool, c.load, back + RECOVERY_MS);
  const what = fault.kind === 'postgres' ? 'PostgreSQL' : 'the broker';
  if (resumed === undefined) {
    c.unrecovered.push(`${RECOVERY_MS / 1000} s after ${what} came back the hub had not accepted and published anything new`);
    say(`the hub has NOT resumed ${RECOVERY_MS / 1000} s after ${what} came back; its last lines:\n${c.hub.lastLines(20).join('\n')}`);
  } else {
    say(`${c.hub.members.length === 1 ? 'the hub' : 'the hubs'} resumed ${((resumed - back) / 1000).toFixed(1)} s after ${what} came back${c.hub.runs === runBefore ? ', in the same process' : ` (it had to be started again: run ${c.hub.runs})`}`);
    const slowest = await catchUp(c.pool, c.load, back, back + RECOVERY_MS);
    if (slowest) say(`the first ${slowest.events} events acknowledged after that were applied within ${(slowest.ms / 1000).toFixed(1)} s of their acknowledgement`);
  }
}

/** How many events acknowledged after an outage `catchUp` follows: enough to reach most of the partitions. */
const CATCH_UP_SAMPLE = 100;

/**
 * How long the first events acknowledged after an outage took to be applied, the slowest of them.
 * Resuming counts as soon as any hub makes progress; with several hubs one may not have taken up
 * its partitions yet, and the events on those show it here.
 */
async function catchUp(pool: Pool, load: Load, back: number, until: number): Promise<{ events: number; ms: number } | undefined> {
  const after = () => load.accepted.filter((e) => e.acknowledgedAt >= back).slice(0, CATCH_UP_SAMPLE);
  // The load may end before it has sent as many: then the ones it sent.
  const sampleBy = Math.min(until, Date.now() + 30_000);
  while (after().length < CATCH_UP_SAMPLE && Date.now() < sampleBy) await sleep(250);
  const sample = after();
  if (sample.length === 0) return undefined;
  const acknowledged = new Map(sample.map((e) => [e.eventId, e.acknowledgedAt]));
  while (Date.now() < until) {
    const rows = await pool.query<{ event_id: string; received: string }>(
      'SELECT event_id, (extract(epoch FROM received_at) * 1000)::float8 AS received FROM inbox WHERE event_id = ANY($1)', [[...acknowledged.keys()]]).then((r) => r.rows, () => []);
    if (rows.length === sample.length) {
      return { events: sample.length, ms: Math.max(...rows.map((r) => Number(r.received) - acknowledged.get(r.event_id)!)) };
    }
    await sleep(250);
  }
  return undefined;
}

/** How the inbound partitions are shared among the consumer group's members, e.g. '2 members: 20 + 19 partitions'. */
async function groupShares(kafka: Kafka, groupId: string): Promise<string> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const { groups: [group] } = await admin.describeGroups([groupId]);
    const shares = group.members.map((m) => {
      const assignment = AssignerProtocol.MemberAssignment.decode(m.memberAssignment);
      return Object.values(assignment?.assignment ?? {}).reduce((n, partitions) => n + partitions.length, 0);
    });
    return `${shares.length} member${shares.length === 1 ? '' : 's'} (${group.state}): ${shares.join(' + ')} partitions`;
  } catch (error) {
    return `could not describe group ${groupId}: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * When the hub accepted an event and published a message again after an outage, or had nothing
 * left to do; undefined if neither happened before `until`.
 */
async function resumption(pool: Pool, load: Load, until: number): Promise<number | undefined> {
  const read = () => pool.query<{ inbox: number; published: number; backlog: number }>(
    `SELECT (SELECT count(*)::int FROM inbox) AS inbox, count(*) FILTER (WHERE seq <= p.up_to)::int AS published,
            count(*) FILTER (WHERE seq > p.up_to)::int AS backlog FROM outbox, (SELECT ${PUBLISHED_UP_TO} AS up_to) p`).then((r) => r.rows[0], () => undefined);
  let base: Awaited<ReturnType<typeof read>>;
  while (Date.now() < until && (base = await read()) === undefined) await sleep(500);
  if (base === undefined) return undefined;
  let accepted = false;
  let published = false;
  while (Date.now() < until) {
    const now = await read();
    if (now) {
      // New events applied; or, once the load has sent everything, every one of them. (Counting
      // an inbox that merely held every event acknowledged so far made a hub that had not resumed
      // look resumed at once: the load's sends wait for the broker too.)
      accepted ||= now.inbox > base.inbox || (load.finished && now.inbox >= load.accepted.length);
      published ||= now.published > base.published || (accepted && now.backlog === 0);
      if (accepted && published) return Date.now();
    }
    await sleep(500);
  }
  return undefined;
}

/**
 * Waits until every acknowledged event is in the inbox, every deadline due has fired, the outbox
 * is sent and the HTTPS partners have their messages, and all stay so for two polls; false if
 * that did not happen before `until`.
 */
async function drain(hub: HubFleet, pool: Pool, accepted: Set<string>, https: HttpsPartner[], until: number): Promise<boolean> {
  await hub.waitReady(Math.max(0, until - Date.now())).catch((error: unknown) => say(`drain: ${error instanceof Error ? error.message : String(error)}`));
  let previous = '';
  let quiet = 0;
  let lastSaid = 0;
  while (Date.now() < until) {
    const state = await drainState(pool, accepted).catch(() => undefined);
    const unreceived = await httpsBacklog(pool, https).catch(() => undefined);
    if (state && unreceived !== undefined) {
      const now = `${state.inbox}/${state.outbox}`;
      quiet = state.missing === 0 && state.backlog === 0 && state.dueTimers === 0 && unreceived === 0 && now === previous ? quiet + 1 : 0;
      previous = now;
      if (quiet >= 2) return true;
      if (Date.now() - lastSaid > 5_000) {
        say(`drain: ${state.missing} acknowledged events not in the inbox yet, outbox backlog ${state.backlog}, ${state.dueTimers} deadlines due and not fired, `
          + `${unreceived} messages not yet at the webhook or the feed's reader`);
        lastSaid = Date.now();
      }
    }
    await sleep(1_000);
  }
  return false;
}

/** A partner connected over HTTPS: its outbound topic, and the message ids it has received so far. */
interface HttpsPartner {
  topic: string;
  received: () => string[];
}

/** The HTTPS partners' messages in the outbox that they have not received yet. */
async function httpsBacklog(pool: Pool, partners: HttpsPartner[]): Promise<number> {
  let backlog = 0;
  for (const partner of partners) {
    const { rows } = await pool.query<{ message_id: string }>('SELECT message_id FROM outbox WHERE topic = $1', [partner.topic]);
    const received = new Set(partner.received());
    backlog += rows.filter((r) => !received.has(r.message_id)).length;
  }
  return backlog;
}

main().then((code) => process.exit(code), (error: unknown) => {
  if (error instanceof UsageError) {
    process.stderr.write(`faults: ${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`faults: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
