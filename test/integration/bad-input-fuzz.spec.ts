/**
 * Issue "ten thousand bad messages": property-based bad input, generated with fast-check from the
 * schemas' own examples, over the bus (a Kafka partner's inbound topic) and over the HTTPS door
 * (POST /events), with good messages interleaved on both. Classes: malformed JSON, invalid UTF-8,
 * broken envelopes, spoofed sources, unknown types and versions, types the role may not publish,
 * schema mutations (missing and extra fields, wrong types, too long, broken patterns, enums and
 * formats), 10,000-deep nesting, oversize payloads, persons and families the hub never saw or
 * cannot combine, invalid consent, replayed ids with other content, empty messages, binary mode and
 * content types, and hostile strings in free text. Amplification (issue 21): messages that cost far
 * more than their size, thousands of schema errors, long arrays of the wrong type, deep but valid
 * nesting, thousands of unknown properties, a property name as long as the limit allows; each
 * answer (a 400 body, a bericht-afgewezen, a dead letter's headers) must stay bounded: at most
 * MAX_LISTED errors of at most MAX_TEXT characters per field, under MAX_ANSWER_BYTES.
 *
 * Proves: each bad message is refused with its reason (bus: one dead letter and one
 * bericht-afgewezen to the sender; HTTPS: a 4xx problem, or for what only the family transaction
 * can refuse a 202 and then bericht-afgewezen on the partner's feed); every good message is
 * applied and delivered; the hub stays ready, never restarts, and drains its inbound topics; no
 * BSN or message content reaches a log line.
 *
 * Hostile free text: where a schema allows the string (toelichting, zaakreferentie: any text up to
 * maxLength) the hub must carry it verbatim, so those cases are counted as acceptedHostileText and
 * checked byte for byte at Veilig Thuis. Where the schema forbids it (patterns, enums, formats, ids,
 * sources) it is a bad message like any other. Text no store can keep (U+0000, an unpaired
 * surrogate) is refused with UNKEEPABLE_REASON wherever it appears.
 *
 * Size: FUZZ_COUNT bad messages (default 400, `npm run fuzz`: 10,000); seed: FUZZ_SEED.
 */
import * as fs from 'node:fs';
import fc from 'fast-check';
import { Contracts } from '@ketenhub/contracts';
import { findBsnLike } from '@ketenhub/domain';
import { PUBLISHED_UP_TO } from '@ketenhub/persistence';
import { goodPair, ingredients, renderBad, type BadMessage, type Door, type FuzzContext, type GoodPair } from '../support/fuzz/bad-messages';
import { LATE_REASONS, related, statusFor, type Expected } from '../support/fuzz/expectations';
import { HOSTILE_SAMPLES, keepableHostileText } from '../support/fuzz/hostile-text';
import { HttpsDoor, inPool, type DoorAnswer } from '../support/fuzz/https-door';
import { SchemaSites } from '../support/fuzz/schema-sites';
import type { Received, TopicReader } from '../support/partner';
import { pollUntil } from '../support/poll';
import { openScenario, type Scenario } from '../support/scenario';
import { testKeys } from '../support/test-env';

const SEED = Number(process.env.FUZZ_SEED ?? 20_260_312);
const BAD = Number(process.env.FUZZ_COUNT ?? 400);
const GOOD_PAIRS = Math.max(10, Math.ceil(BAD / 10));
const HOSTILE = Math.max(6, Math.ceil(BAD / 40));
const MAX_BYTES = 32_768;
const HTTPS_WIDTH = 8;
/** Bounds on every refusal's answer, whatever the input (issue 21). */
const MAX_LISTED = 20;
const MAX_TEXT = 300;
const MAX_ANSWER_BYTES = 16_384;
/** Budget for the whole run: the hub takes each message in its own transaction. */
const TIMEOUT_MS = 120_000 + BAD * 45;

const BUS_PARTNER = 'toegang-almere';
const HTTPS_PARTNER = 'toegang-lelystad';
const VT = 'veilig-thuis-flevoland';
const REQUEST_TYPE = 'nl.ketenhub.toegang.hulpvraag-geregistreerd.v1';
const NOTICE_TYPE = 'nl.ketenhub.hub.bericht-afgewezen.v2';

/** One message of a door's stream, in the order it is sent. */
type Item =
  | { kind: 'good'; pair: GoodPair }
  | { kind: 'hostile'; pair: GoodPair; field: 'toelichting' | 'zaakreferentie'; text: string }
  | { kind: 'bad'; message: BadMessage; partition?: number; offset?: string; answer?: DoorAnswer }
  | { kind: 'replay'; pair: GoodPair };

type BadItem = Extract<Item, { kind: 'bad' }>;

describe(`bad input, property-based (seed ${SEED}, ${BAD} bad messages): every one refused with its reason on both doors, the good ones delivered, the hub never stalls`, () => {
  const keys = testKeys();
  const contracts = Contracts.load();
  const sites = new SchemaSites(contracts);
  let started = 0;
  let scenario: Scenario;
  let door: HttpsDoor;
  let vtOutbound: TopicReader;
  let busOutbound: TopicReader;
  const streams: Record<Door, Item[]> = { bus: [], https: [] };
  const health: Array<{ status: number; ms: number }> = [];
  let healthTimer: NodeJS.Timeout | undefined;
  let hubPid: number | undefined;
  let sentDoneAt = 0;
  let drainedAt = 0;
  const failures: string[] = [];
  const observed: Record<string, number> = {};
  const summary = { good: 0, delivered: 0, acceptedHostileText: 0 };

  const context = (d: Door): FuzzContext => ({
    contracts, sites, door: d, maxBytes: MAX_BYTES, role: 'LOKALE_TOEGANG',
    partnerId: d === 'bus' ? BUS_PARTNER : HTTPS_PARTNER, gemeente: d === 'bus' ? 'GM0034' : 'GM0995',
    others: d === 'bus' ? [HTTPS_PARTNER, VT] : [BUS_PARTNER, VT],
  });

  /** Bad messages from the seed, with good pairs, hostile-text pairs and exact replays spread between them. */
  function plan(d: Door, bad: number, goods: number, hostile: number, seed: number): Item[] {
    const ctx = context(d);
    const drawn = fc.sample(ingredients(d), { seed, numRuns: bad });
    const texts = fc.sample(fc.oneof(
      fc.tuple(fc.constant('toelichting' as const), keepableHostileText(4000)),
      fc.tuple(fc.constant('zaakreferentie' as const), keepableHostileText(100)),
    ), { seed: seed + 7, numRuns: hostile });
    const items: Item[] = [];
    const sent: GoodPair[] = [];
    const goodEvery = Math.max(1, Math.floor(bad / goods));
    const hostileEvery = Math.max(1, Math.floor(bad / hostile));
    drawn.forEach((ingredient, k) => {
      if (k % goodEvery === 0 && sent.length < goods) {
        const pair = goodPair(ctx.partnerId, ctx.gemeente);
        sent.push(pair);
        items.push({ kind: 'good', pair });
        if (sent.length % 10 === 5) items.push({ kind: 'replay', pair });
      }
      if (k % hostileEvery === 0 && texts.length > 0) {
        const [field, text] = texts.shift() as ['toelichting' | 'zaakreferentie', string];
        items.push({ kind: 'hostile', field, text, pair: goodPair(ctx.partnerId, ctx.gemeente, { [field]: text }) });
      }
      items.push({ kind: 'bad', message: renderBad(ingredient, ctx, k, sent) });
    });
    while (sent.length < goods) {
      const pair = goodPair(ctx.partnerId, ctx.gemeente);
      sent.push(pair);
      items.push({ kind: 'good', pair });
    }
    return items;
  }

  const bytesOf = (event: Record<string, unknown>) => Buffer.from(JSON.stringify(event));
  const pairs = (d: Door) => streams[d].flatMap((it) => (it.kind === 'good' || it.kind === 'hostile' ? [it.pair] : []));
  const bads = (d: Door) => streams[d].filter((it): it is BadItem => it.kind === 'bad');
  const isLate = (m: BadMessage) => LATE_REASONS.has(m.expected.reason);
  const fail = (what: string) => failures.push(what);
  const count = (reason: string) => { observed[reason] = (observed[reason] ?? 0) + 1; };
  const pointersOf = (errors: unknown): string[] => (Array.isArray(errors) ? errors.map((e) => String((e as { pointer?: unknown }).pointer)) : []);
  const describeBad = (d: Door, m: BadMessage) => `[${d} ${m.kind} expected ${m.expected.reason}${m.expected.pointer !== undefined ? ` at '${m.expected.pointer}'` : ''}]`;

  function checkErrors(d: Door, m: BadMessage, reason: unknown, errors: unknown, where: string, answer?: unknown): boolean {
    const bytes = Buffer.byteLength(JSON.stringify(answer ?? errors ?? null));
    const list = Array.isArray(errors) ? (errors as Array<Record<string, unknown>>) : [];
    const tooLong = list.find((e) => ['pointer', 'keyword', 'message'].some((k) => String(e[k] ?? '').length > MAX_TEXT));
    if (list.length > MAX_LISTED || tooLong !== undefined || bytes > MAX_ANSWER_BYTES) {
      fail(`${describeBad(d, m)} ${where}: unbounded answer: ${list.length} errors, ${bytes} bytes${tooLong ? `, a field over ${MAX_TEXT} characters` : ''}`);
      return false;
    }
    if (reason !== m.expected.reason) {
      fail(`${describeBad(d, m)} ${where}: reason ${String(reason)} ${JSON.stringify(errors)?.slice(0, 300)}`);
      return false;
    }
    const pointer = m.expected.pointer;
    if (pointer !== undefined && !pointersOf(errors).some((p) => related(p, pointer))) {
      fail(`${describeBad(d, m)} ${where}: no error at or around '${pointer}': ${JSON.stringify(errors)?.slice(0, 300)}`);
      return false;
    }
    return true;
  }

  beforeAll(async () => {
    process.stdout.write(`bad-input: seed=${SEED} count=${BAD} (reproduce with FUZZ_SEED=${SEED} FUZZ_COUNT=${BAD})\n`);
    scenario = await openScenario([BUS_PARTNER, VT], { MAX_MESSAGE_BYTES: String(MAX_BYTES), PARTNER_RATE_LIMIT_PER_SECOND: '100000' }, keys);
    hubPid = scenario.hub.child.pid;
    door = new HttpsDoor(() => scenario.hub.url, HTTPS_PARTNER, Buffer.from(keys.partner, 'base64'));
    vtOutbound = scenario.partner(VT).outbound;
    busOutbound = scenario.partner(BUS_PARTNER).outbound;
    healthTimer = setInterval(() => {
      const at = Date.now();
      fetch(`${scenario.hub.url}/health/ready`, { signal: AbortSignal.timeout(10_000) })
        .then((r) => health.push({ status: r.status, ms: Date.now() - at }), () => health.push({ status: 0, ms: Date.now() - at }));
    }, 500);
    streams.bus = plan('bus', Math.ceil(BAD / 2), Math.ceil(GOOD_PAIRS / 2), Math.ceil(HOSTILE / 2), SEED);
    streams.https = plan('https', Math.floor(BAD / 2), Math.floor(GOOD_PAIRS / 2), Math.floor(HOSTILE / 2), SEED + 1);
  }, 180_000);

  afterAll(async () => {
    if (healthTimer) clearInterval(healthTimer);
    printSummary();
    // For a failing seed: FUZZ_HUB_LOG=<file> keeps the hub's log lines.
    if (process.env.FUZZ_HUB_LOG && scenario) fs.writeFileSync(process.env.FUZZ_HUB_LOG, `${scenario.hub.logs.join('\n')}\n`);
    await scenario?.close();
  });

  it('sends every bad message, interleaved with good ones, on the bus in batches and on the HTTPS door eight at a time', async () => {
    failures.length = 0;
    started = Date.now();
    const producer = scenario.kafka.producer();
    await producer.connect();
    const topic = `${scenario.prefix}inbound.${BUS_PARTNER}`;
    const sendBus = async () => {
      const wire = streams.bus.flatMap((item): Array<{ item: Item; value: Buffer | null }> => {
        switch (item.kind) {
          case 'good':
          case 'hostile': return [{ item, value: bytesOf(item.pair.consent) }, { item, value: bytesOf(item.pair.request) }];
          case 'replay': return [{ item, value: bytesOf(item.pair.request) }];
          case 'bad': return [{ item, value: item.message.bytes }];
          default: return [];
        }
      });
      for (let start = 0; start < wire.length;) {
        let end = start;
        let bytes = 0;
        while (end < wire.length && end - start < 500 && bytes + (wire[end].value?.length ?? 0) < 700_000) bytes += wire[end++].value?.length ?? 0;
        if (end === start) end++;
        const chunk = wire.slice(start, end);
        const [meta, ...more] = await producer.send({ topic, acks: -1, messages: chunk.map((w) => ({ key: BUS_PARTNER, value: w.value })) });
        if (more.length > 0) throw new Error('one key, one partition: the batch was split');
        chunk.forEach((w, k) => {
          if (w.item.kind === 'bad') Object.assign(w.item, { partition: meta.partition, offset: String(BigInt(meta.baseOffset ?? '0') + BigInt(k)) });
        });
        start = end;
      }
    };
    const sendHttps = async () => {
      const tasks = streams.https.map((item) => async () => {
        if (item.kind === 'good' || item.kind === 'hostile') {
          for (const event of [item.pair.consent, item.pair.request]) {
            const answer = await door.post(bytesOf(event));
            if (answer.status !== 202) fail(`[https good ${String(event.type)}] answered ${answer.status}: ${JSON.stringify(answer.body)?.slice(0, 300)}`);
          }
        } else if (item.kind === 'bad' && !isLate(item.message)) {
          item.answer = await door.post(item.message.bytes, item.message.headers);
        }
      });
      await inPool(tasks, HTTPS_WIDTH);
    };
    await Promise.all([sendBus(), sendHttps()]);
    await producer.disconnect();

    // What only the family transaction can refuse needs the families in place first: all good HTTPS events applied.
    const httpsIds = pairs('https').flatMap((p) => [p.consent.id, p.request.id]);
    await pollUntil('the good HTTPS events applied', async () => {
      const rows = await scenario.db.query('SELECT count(*)::int AS n FROM inbox WHERE event_id = ANY($1)', [httpsIds]);
      return rows[0].n === httpsIds.length ? true : undefined;
    }, TIMEOUT_MS / 2, 250);
    const late = bads('https').filter((item) => isLate(item.message));
    const replays = streams.https.flatMap((it) => (it.kind === 'replay' ? [it] : []));
    await inPool([
      ...late.map((item) => async () => { item.answer = await door.post(item.message.bytes, item.message.headers); }),
      ...replays.map((item) => async () => {
        const answer = await door.post(bytesOf(item.pair.request));
        if (answer.status !== 202) fail(`[https replay] an exact resend answered ${answer.status}`);
      }),
    ], HTTPS_WIDTH);
    sentDoneAt = Date.now();
    expect(failures.slice(0, 25)).toEqual([]);
  }, TIMEOUT_MS);

  it('drains: the hub commits every inbound message and publishes its whole outbox within the bound', async () => {
    const admin = scenario.kafka.admin();
    await admin.connect();
    const topics = [BUS_PARTNER, HTTPS_PARTNER].map((p) => `${scenario.prefix}inbound.${p}`);
    try {
      await pollUntil('consumer lag 0 on both inbound topics', async () => {
        const committed = await admin.fetchOffsets({ groupId: `${scenario.prefix}ketenhub-hub`, topics });
        for (const t of topics) {
          const ends = await admin.fetchTopicOffsets(t);
          const done = committed.find((c) => c.topic === t)?.partitions ?? [];
          for (const end of ends) {
            const at = done.find((p) => p.partition === end.partition)?.offset ?? '-1';
            if (end.high !== '0' && at !== end.high) return undefined;
          }
        }
        return true;
      }, 60_000 + BAD * 30, 500);
      await pollUntil('the outbox published', async () => {
        const rows = await scenario.db.query(`SELECT count(*)::int AS n FROM outbox WHERE seq > ${PUBLISHED_UP_TO}`);
        return rows[0].n === 0 ? true : undefined;
      }, 60_000, 250);
    } finally {
      await admin.disconnect();
    }
    drainedAt = Date.now();
  }, TIMEOUT_MS);

  it('refuses every bad bus message with its reason: one dead letter with the original bytes, one bericht-afgewezen to the sender', async () => {
    failures.length = 0;
    const origin = (topic: string, partition: unknown, offset: unknown) => `${topic}:${String(partition)}:${String(offset)}`;
    const topic = `${scenario.prefix}inbound.${BUS_PARTNER}`;
    const busBad = bads('bus');
    const lateHttps = bads('https').filter((it) => it.answer?.status === 202);
    // A shortfall is reported message by message below.
    await pollUntil('every dead letter read', () => (scenario.deadLetters.messages.length >= busBad.length + lateHttps.length ? true : undefined), 60_000, 250).catch(() => undefined);
    await pollUntil('every notice read', () => (busOutbound.events(NOTICE_TYPE).length >= busBad.length ? true : undefined), 60_000, 250).catch(() => undefined);
    const byOrigin = new Map<string, Received[]>();
    for (const m of scenario.deadLetters.messages) {
      const key = origin(m.headers['ketenhub-origin-topic'], m.headers['ketenhub-origin-partition'], m.headers['ketenhub-origin-offset']);
      byOrigin.set(key, [...(byOrigin.get(key) ?? []), m]);
    }
    const notices = new Map<string, Array<Record<string, any>>>();
    for (const e of busOutbound.events(NOTICE_TYPE)) {
      const key = origin(e.data.bericht.topic, e.data.bericht.partition, e.data.bericht.offset);
      notices.set(key, [...(notices.get(key) ?? []), e]);
    }
    let rejected = 0;
    for (const item of busBad) {
      const m = item.message;
      const key = origin(topic, item.partition, item.offset);
      const dead = byOrigin.get(key) ?? [];
      const notice = notices.get(key) ?? [];
      if (dead.length !== 1 || notice.length !== 1) {
        fail(`${describeBad('bus', m)} offset ${item.offset}: ${dead.length} dead letters, ${notice.length} notices (want 1 and 1)`);
        continue;
      }
      const opened = scenario.openDeadLetter(dead[0]);
      const sameBytes = m.bytes === null ? opened === null || opened.length === 0 : opened?.equals(m.bytes) === true;
      if (!sameBytes) fail(`${describeBad('bus', m)} offset ${item.offset}: the dead letter does not hold the original bytes`);
      if (dead[0].headers['ketenhub-reason'] !== notice[0].data.reden) fail(`${describeBad('bus', m)}: dead letter says ${dead[0].headers['ketenhub-reason']}, notice ${notice[0].data.reden}`);
      const deadHeaderBytes = Object.entries(dead[0].headers).reduce((n, [k, v]) => n + k.length + Buffer.byteLength(v), 0);
      if (deadHeaderBytes > MAX_ANSWER_BYTES) fail(`${describeBad('bus', m)}: the dead letter's headers are ${deadHeaderBytes} bytes`);
      if (checkErrors('bus', m, notice[0].data.reden, notice[0].data.fouten, 'notice', notice[0]) && sameBytes) {
        rejected++;
        count(m.expected.reason);
      }
    }
    // Nothing else was dead-lettered: no good message, no HTTPS message the door had already refused.
    const expectedDead = busBad.length + lateHttps.length;
    if (scenario.deadLetters.messages.length !== expectedDead) fail(`${scenario.deadLetters.messages.length} dead letters, expected ${expectedDead}`);
    expect({ rejected, of: busBad.length, failures: failures.slice(0, 25) }).toEqual({ rejected: busBad.length, of: busBad.length, failures: [] });
  }, TIMEOUT_MS);

  it('refuses every bad HTTPS message: a 4xx problem with reason and pointers, or 202 and then bericht-afgewezen on the partner\'s feed', async () => {
    failures.length = 0;
    const httpsBad = bads('https');
    const onFeed = httpsBad.filter((it) => it.answer?.status === 202 && statusFor(it.message.expected.reason) === 202);
    let feed: Array<Record<string, any>> = [];
    // A shortfall is reported message by message below.
    await pollUntil('the late refusals on the feed', async () => {
      const { events } = await door.readFeed();
      feed = events.filter((e) => e.type === NOTICE_TYPE);
      return feed.length >= onFeed.length ? true : undefined;
    }, 60_000, 500).catch(() => undefined);
    const byId = new Map<string, Array<Record<string, any>>>();
    for (const e of feed) byId.set(e.data.bericht.id, [...(byId.get(e.data.bericht.id) ?? []), e]);
    let rejected = 0;
    for (const item of httpsBad) {
      const m = item.message;
      const answer = item.answer;
      if (!answer) {
        fail(`${describeBad('https', m)}: never answered`);
        continue;
      }
      const status = statusFor(m.expected.reason);
      if (answer.status !== status) {
        fail(`${describeBad('https', m)}: answered ${answer.status}, want ${status}: ${JSON.stringify(answer.body)?.slice(0, 300)}`);
        continue;
      }
      if (status === 202) {
        const notice = byId.get(m.eventId ?? '') ?? [];
        if (notice.length !== 1) fail(`${describeBad('https', m)} id ${m.eventId}: ${notice.length} notices on the feed (want 1)`);
        else if (checkErrors('https', m, notice[0].data.reden, notice[0].data.fouten, 'feed', notice[0])) {
          rejected++;
          count(m.expected.reason);
        }
        continue;
      }
      if (!answer.contentType.includes('application/problem+json')) fail(`${describeBad('https', m)}: content-type ${answer.contentType}`);
      else if (checkErrors('https', m, answer.body?.reason, m.expected.reason === 'NIET_ONDERSTEUND' ? [{ pointer: '' }] : answer.body?.errors, `HTTP ${answer.status}`, answer.body)) {
        rejected++;
        count(m.expected.reason);
      }
    }
    expect({ rejected, of: httpsBad.length, failures: failures.slice(0, 25) }).toEqual({ rejected: httpsBad.length, of: httpsBad.length, failures: [] });
  }, TIMEOUT_MS);

  it('applies and delivers every good message once, and carries hostile free text to Veilig Thuis byte for byte', async () => {
    failures.length = 0;
    const all = [...pairs('bus'), ...pairs('https')];
    const ids = all.flatMap((p) => [p.consent.id, p.request.id]);
    const applied = await scenario.db.query('SELECT event_id FROM inbox WHERE event_id = ANY($1)', [ids]);
    const appliedIds = new Set(applied.map((r: { event_id: string }) => r.event_id));
    await pollUntil('every request at Veilig Thuis', () => {
      const seen = new Set(vtOutbound.events(REQUEST_TYPE).map((e) => e.causationid));
      return all.every((p) => seen.has(p.request.id)) ? true : undefined;
    }, 60_000, 250).catch(() => undefined);
    const forwards = new Map<string, Array<Record<string, any>>>();
    for (const e of vtOutbound.events(REQUEST_TYPE)) forwards.set(e.causationid, [...(forwards.get(e.causationid) ?? []), e]);
    const hostile = [...streams.bus, ...streams.https].flatMap((it) => (it.kind === 'hostile' ? [it] : []));
    let delivered = 0;
    for (const p of all) {
      const at = forwards.get(p.request.id as string) ?? [];
      if (!appliedIds.has(p.consent.id) || !appliedIds.has(p.request.id)) fail(`good pair ${String(p.request.id)}: not applied`);
      else if (at.length !== 1) fail(`good request ${String(p.request.id)}: ${at.length} deliveries to Veilig Thuis (want 1)`);
      else delivered++;
    }
    let carried = 0;
    for (const h of hostile) {
      const at = forwards.get(h.pair.request.id as string)?.[0];
      if (at && at.data[h.field] === h.text) carried++;
      else if (at) fail(`hostile ${h.field} ${JSON.stringify(h.text).slice(0, 80)}: arrived as ${JSON.stringify(at.data[h.field])?.slice(0, 80)}`);
    }
    summary.good = all.length - hostile.length;
    summary.delivered = delivered - carried;
    summary.acceptedHostileText = carried;
    expect({ delivered, carried, failures: failures.slice(0, 25) }).toEqual({ delivered: all.length, carried: hostile.length, failures: [] });
  }, TIMEOUT_MS);

  it('stayed ready all along, never restarted, and put no BSN and no message content in a log line', () => {
    const down = health.filter((h) => h.status !== 200);
    const slowest = Math.max(0, ...health.map((h) => h.ms));
    expect({ polls: health.length > 0, down: down.slice(0, 5), exit: scenario.hub.child.exitCode, signal: scenario.hub.child.signalCode, pid: scenario.hub.child.pid })
      .toEqual({ polls: true, down: [], exit: null, signal: null, pid: hubPid });
    expect(slowest).toBeLessThan(10_000);
    // Content as sent, and as an HTTP header carries it (percent-encoded); an id is logged only when it is a well-formed id
    // (the logger's last-resort mask turns a nine-digit run inside a uuid that passes the elfproef into '[bsn]').
    const markers = [...HOSTILE_SAMPLES.filter((s) => s.length >= 12 && /[a-z]{4}/i.test(s)), ...exampleSentences(contracts)].flatMap((s) => [s, encodeURIComponent(s)]);
    const leaks = scenario.hub.logs.flatMap((line) => [
      ...findBsnLike(line).map((b) => `BSN ${b}`),
      ...markers.filter((mk) => line.includes(mk)).map((mk) => `content '${mk}'`),
      ...[...line.matchAll(/"correlationId":("(?:[^"\\]|\\.)*")/g)].map((m) => JSON.parse(m[1]) as string).filter((id) => !/^[A-Za-z0-9._:-]+$/.test(id.replace(/\[bsn\]/g, '0'))).map((id) => `id '${id}'`),
    ].map((what) => `${what} in: ${line.slice(0, 300)}`));
    expect(leaks.slice(0, 10)).toEqual([]);
  });

  function printSummary(): void {
    const sent = { bus: streams.bus.filter((it) => it.kind === 'bad' || it.kind === 'hostile').length, https: streams.https.filter((it) => it.kind === 'bad' || it.kind === 'hostile').length };
    const rejected = Object.values(observed).reduce((a, b) => a + b, 0);
    const byReason = Object.fromEntries(Object.entries(observed).sort(([a], [b]) => a.localeCompare(b)));
    const amplification = [...bads('bus'), ...bads('https')].filter((it) => it.message.kind.startsWith('amplification:')).length;
    process.stdout.write(`bad-input: sent=${sent.bus + sent.https} (bus=${sent.bus} https=${sent.https}) rejected=${rejected} byReason=${JSON.stringify(byReason)} amplification=${amplification} `
      + `acceptedHostileText=${summary.acceptedHostileText} good=${summary.good} delivered=${summary.delivered} hubRestarts=${scenario?.hub.child.pid === hubPid ? 0 : 1} `
      + `elapsedMs=${started ? Date.now() - started : 0} (sent in ${sentDoneAt ? sentDoneAt - started : '?'} ms, drained after ${drainedAt && sentDoneAt ? drainedAt - sentDoneAt : '?'} ms) `
      + `readyPolls=${health.length} notReady=${health.filter((h) => h.status !== 200).length} slowestReadyMs=${Math.max(0, ...health.map((h) => h.ms))} seed=${SEED}\n`);
  }
});

/** Free-text sentences from the schemas' examples: they may travel in messages, never in logs. */
function exampleSentences(contracts: Contracts): string[] {
  const out = new Set<string>();
  const walk = (value: unknown): void => {
    if (typeof value === 'string' && value.length >= 20 && value.includes(' ')) out.add(value);
    else if (Array.isArray(value)) value.forEach(walk);
    else if (typeof value === 'object' && value !== null) Object.values(value).forEach(walk);
  };
  for (const type of contracts.eventTypes()) contracts.examplesOf(type).forEach(walk);
  return [...out];
}
