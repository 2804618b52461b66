import type { BerichtAfgewezenV1 } from '@ketenhub/contracts';
import type { ConformanceOptions } from './conformance-options';
import type { Check, ConformanceReport } from './conformance-report';
import { deliveryState, describe, doorHint, isAccepted, throttledNote } from './hub-answers';
import { HubClient, HubUnreachable, type HubAnswer } from './hub.client';
import type { KafkaLink } from './kafka.link';
import { noticeData, rejectionOf, type OutboundReceiver, type Received } from './outbound';
import { partnerProfile, type CloudEvent, type PartnerProfile } from './partner-profile';
import {
  binaryMode, freshEvent, invalidVariant, newEventId, otherSourceVariant, repeatable, unknownPersonVariant, type Freshness,
} from './sample-events';

/** The I/O a run needs, so each piece can be replaced. */
export interface ConformanceDeps {
  hub: HubClient;
  openWebhook(port: number, secret: string | undefined): OutboundReceiver;
  openFeed(hub: HubClient, token: string): OutboundReceiver;
  openKafka(brokers: string[], partnerId: string, inboundTopic: string, outboundTopic: string, topicPrefix: string): KafkaLink;
  now(): Date;
  newId(): string;
}

/** A refusal the hub must send back on the outbound side (Kafka partners have no HTTP answer). */
interface Expected {
  check: string;
  eventId: string;
  reason: BerichtAfgewezenV1['reden'];
  pointers: string[];
}

/**
 * One conformance run against a hub, as the partner: learn the partner's role, connection and
 * sample events from /asyncapi.json; send every sample (and a few broken on purpose) the way the
 * partner connects; then wait on the partner's outbound side for the hub's answer to an event
 * naming an unknown person, which shows that messages find their way back. Each step is one check
 * in the report; a step that makes the rest meaningless (no hub, no token) ends the run.
 */
export class ConformanceRun {
  private readonly checks: Check[] = [];
  private profile?: PartnerProfile;
  private receiver?: OutboundReceiver;
  private readonly started: Date;
  private readonly secretsHint: string;

  constructor(private readonly options: ConformanceOptions, private readonly deps: ConformanceDeps) {
    this.started = deps.now();
    this.secretsHint = `npm run partner -- secrets ${options.partner}`;
  }

  async execute(): Promise<ConformanceReport> {
    try {
      await this.run();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof HubUnreachable) this.fail('hub', `stopped answering: ${message}`, 'is the hub still running? Run again when it is');
      else this.fail('run', `stopped: ${message}`, 'an answer the run did not expect; run again with --json and give the report to the hub\'s operator');
    } finally {
      await this.receiver?.close().catch(() => undefined);
    }
    return {
      hub: this.options.hub, partner: this.options.partner, role: this.profile?.role, connection: this.profile?.connection,
      startedAt: this.started.toISOString(), durationMs: this.deps.now().getTime() - this.started.getTime(), checks: this.checks,
    };
  }

  private pass(name: string, detail: string): void {
    this.checks.push({ name, ok: true, detail });
  }

  private fail(name: string, detail: string, hint: string): void {
    this.checks.push({ name, ok: false, detail, hint });
  }

  private async run(): Promise<void> {
    if (!(await this.checkHub())) return;
    const profile = await this.checkPartner();
    if (!profile) return;
    if (profile.connection === 'KAFKA') await this.runKafka(profile);
    else await this.runHttps(profile);
  }

  private async checkHub(): Promise<boolean> {
    const { hub } = this.deps;
    let answer: HubAnswer;
    try {
      answer = await hub.health();
    } catch (error) {
      this.fail('hub', `${hub.baseUrl} does not answer: ${error instanceof Error ? error.message : String(error)}`, 'check --hub, and that the hub is running and reachable from here');
      return false;
    }
    const body = answer.body as { status?: string; checks?: Record<string, { status: string; detail?: string }> };
    if (answer.status === 200 && body?.status === 'up') {
      this.pass('hub', `${hub.baseUrl}/health: up`);
    } else {
      const down = Object.entries(body?.checks ?? {}).filter(([, c]) => c.status !== 'up').map(([name, c]) => `${name} ${c.detail ?? 'down'}`);
      this.fail('hub', `${hub.baseUrl}/health answered ${answer.status}${down.length > 0 ? `: ${down.join('; ')}` : ''}`, 'the hub is not ready, so messages may not be processed; ask its operator');
    }
    return true;
  }

  private async checkPartner(): Promise<PartnerProfile | undefined> {
    const answer = await this.deps.hub.asyncApi();
    if (answer.status !== 200) {
      this.fail('partner', `GET /asyncapi.json answered ${answer.status}`, 'is --hub the address of a Ketenhub hub?');
      return undefined;
    }
    const result = partnerProfile(answer.body, this.options.partner);
    if (!result.ok) {
      this.fail('partner', result.problem, 'check --partner: the partner id as the region configuration (region.yaml) has it');
      return undefined;
    }
    const profile = result.profile;
    this.profile = profile;
    if (profile.samples.length === 0) {
      this.fail('partner', `${profile.id} (${profile.role}) may publish no event type here`, 'a partner that only receives has nothing to test at the door; ask the information manager about its role');
      return undefined;
    }
    const types = new Set(profile.samples.map((s) => s.type)).size;
    this.pass('partner', `${profile.id} is ${profile.role} and connects via ${profile.connection}; its role publishes ${types} event types (${profile.samples.length} samples)`);
    return profile;
  }

  private freshness(profile: PartnerProfile): Freshness {
    return { partnerId: profile.id, runTag: this.deps.newId().slice(-8), now: this.deps.now(), otherPartners: profile.otherPartners, newId: this.deps.newId };
  }

  // ---- HTTPS partners: the door answers at once ----

  private async runHttps(profile: PartnerProfile): Promise<void> {
    const token = await this.checkToken();
    if (!token) return;
    const receiver = await this.openHttpsReceiver(profile, token);
    if (!receiver) return;
    const { hub } = this.deps;
    const f = this.freshness(profile);
    const accepted: CloudEvent[] = [];
    let first: { body: string; answer: HubAnswer } | undefined;
    for (const sample of profile.samples) {
      const event = freshEvent(sample.event, f);
      const body = JSON.stringify(event);
      const answer = await hub.postStructured(body, token);
      if (isAccepted(answer, event)) {
        accepted.push(event);
        first ??= { body, answer };
        this.pass(`sample ${sample.type}`, `202 accepted, id ${event.id}${throttledNote(answer)}`);
      } else {
        this.fail(`sample ${sample.type}`, describe(answer), doorHint(answer, this.secretsHint));
      }
    }

    const plain = profile.samples.find(repeatable) ?? profile.samples[0];
    const binary = freshEvent(plain.event, f);
    const { headers, body } = binaryMode(binary);
    const binaryAnswer = await hub.postBinary(headers, body, token);
    if (isAccepted(binaryAnswer, binary)) {
      accepted.push(binary);
      this.pass('binary mode', `202 accepted for ${binary.type} sent as ce-* headers and its data, id ${binary.id}`);
    } else {
      this.fail('binary mode', describe(binaryAnswer), 'binary mode: content-type application/json, ce-specversion, ce-id, ce-source, ce-type and ce-time headers, the data as the body');
    }

    if (first) {
      const again = await hub.postStructured(first.body, token);
      if (again.status === 202 && JSON.stringify(again.body) === JSON.stringify(first.answer.body)) {
        this.pass('repeat', `the same event again got the same answer (202 ${JSON.stringify(again.body)})`);
      } else {
        this.fail('repeat', `the same event again: ${describe(again)}`, 'a repeat of an accepted event must get the same 202: send again with the same id when unsure whether the first attempt arrived');
      }
    } else {
      this.fail('repeat', 'not tried: no sample was accepted', 'see the sample checks');
    }

    const invalid = invalidVariant(profile.samples, f);
    if (invalid) {
      const answer = await hub.postStructured(JSON.stringify(invalid.event), token);
      const problem = answer.body as { reason?: string; errors?: Array<{ pointer?: string }> };
      const pointers = (problem?.errors ?? []).map((e) => e.pointer);
      const missing = invalid.pointers.filter((p) => !pointers.includes(p));
      if (answer.status === 400 && answer.contentType.includes('application/problem+json') && problem.reason === 'SCHEMAFOUT' && missing.length === 0) {
        this.pass('invalid sample', `${invalid.event.type} with ${brokenText(invalid.pointers)}: 400 problem+json SCHEMAFOUT naming ${invalid.pointers.join(' and ')}`);
      } else {
        this.fail('invalid sample', `${invalid.event.type} with ${brokenText(invalid.pointers)}: ${describe(answer)}${missing.length > 0 ? `; no error for ${missing.join(', ')}` : ''}`,
          'the hub must refuse it with 400 application/problem+json, reason SCHEMAFOUT and every error with its JSON pointer; tell the hub\'s operator');
      }
    }

    const spoofed = otherSourceVariant(plain, f);
    if (spoofed) {
      const answer = await hub.postStructured(JSON.stringify(spoofed.event), token);
      const reason = (answer.body as { reason?: string })?.reason;
      if (answer.status === 403 && reason === 'BRON_KLOPT_NIET') this.pass('other source', `an event with source ${spoofed.source}: 403 BRON_KLOPT_NIET`);
      else this.fail('other source', `an event with source ${spoofed.source}: ${describe(answer)}`, 'the hub must refuse an event whose source is another partner (403 BRON_KLOPT_NIET); tell the hub\'s operator');
    }

    const anonymous = await hub.postStructured(JSON.stringify(freshEvent(plain.event, f)), undefined);
    if (anonymous.status === 401) this.pass('no token', 'an event without Authorization: 401');
    else this.fail('no token', `an event without Authorization: ${describe(anonymous)}`, 'the hub must refuse a request without a token with 401; tell the hub\'s operator');

    const unknown = unknownPersonVariant(profile.samples, f);
    if (!unknown) {
      this.fail('routed event', 'no sample of this role names a person, so none can be made to come back', 'nothing to do for the partner; tell the hub\'s operator');
      return;
    }
    const sent = await hub.postStructured(JSON.stringify(unknown), token);
    if (!isAccepted(sent, unknown)) {
      this.fail('routed event', `the event naming an unknown persoonId was not accepted at the door: ${describe(sent)}`, doorHint(sent, this.secretsHint));
      return;
    }
    await this.awaitOutbound(receiver, unknown, accepted, [], token);
  }

  private async checkToken(): Promise<string | undefined> {
    const secret = this.options.clientSecret;
    if (!secret) {
      this.fail('token', 'no client secret given', `pass --client-secret or set KETENHUB_CLIENT_SECRET; ${this.secretsHint} prints it`);
      return undefined;
    }
    const answer = await this.deps.hub.token(this.options.partner, secret);
    const body = answer.body as { access_token?: string; token_type?: string; expires_in?: number; error?: string; error_description?: string };
    if (answer.status === 200 && typeof body?.access_token === 'string') {
      this.pass('token', `client credentials accepted: a ${body.token_type} token for ${body.expires_in} s`);
      return body.access_token;
    }
    const error = `${answer.status} ${body?.error ?? ''}${body?.error_description ? ` (${body.error_description})` : ''}`.trim();
    if (body?.error === 'invalid_client') this.fail('token', `POST /oauth/token: ${error}`, `invalid_client: check the client secret: ${this.secretsHint}`);
    else if (answer.status === 429) this.fail('token', `POST /oauth/token: ${error}`, 'too many wrong secrets from this address: wait a minute, then run again with the right one');
    else this.fail('token', `POST /oauth/token: ${error}`, 'the hub did not give a token; tell the hub\'s operator');
    return undefined;
  }

  private async openHttpsReceiver(profile: PartnerProfile, token: string): Promise<OutboundReceiver | undefined> {
    if (profile.connection === 'HTTPS_FEED') {
      const feed = this.deps.openFeed(this.deps.hub, token);
      return this.startReceiver(feed, 'the feed is for partners whose region connection is HTTPS_FEED or HTTPS_WEBHOOK; ask the information manager');
    }
    if (this.options.listen === undefined) {
      this.fail('receiver', `${profile.id} receives by webhook, but no --listen port was given`, `pass --listen <port>: the port on this machine that the region's webhookUrl for ${profile.id} leads to`);
      return undefined;
    }
    const listener = this.deps.openWebhook(this.options.listen, this.options.webhookSecret);
    const started = await this.startReceiver(listener, `is another process using port ${this.options.listen}? Pick the port the region's webhookUrl leads to`);
    if (!started) return undefined;
    // Deliveries that failed while nothing listened wait with backoff and hold back the later ones.
    const requeued = await this.deps.hub.resendFailing(token);
    if (requeued) this.checks[this.checks.length - 1].detail += `; asked the hub to try ${requeued} failing ${requeued === 1 ? 'delivery' : 'deliveries'} again now`;
    return listener;
  }

  private async startReceiver(receiver: OutboundReceiver, hint: string): Promise<OutboundReceiver | undefined> {
    try {
      this.pass('receiver', await receiver.start());
      this.receiver = receiver;
      return receiver;
    } catch (error) {
      await receiver.close().catch(() => undefined);
      const code = (error as NodeJS.ErrnoException | undefined)?.code;
      this.fail('receiver', `${receiver.where}: ${typeof code === 'string' ? code : error instanceof Error ? error.message : String(error)}`, hint);
      return undefined;
    }
  }

  // ---- Kafka partners: the answers come back on the outbound topic ----

  private async runKafka(profile: PartnerProfile): Promise<void> {
    const brokers = this.options.kafkaBrokers;
    const prefix = this.options.topicPrefix ?? profile.topicPrefix;
    const inbound = `${prefix}inbound.${profile.id}`;
    const outbound = `${prefix}outbound.${profile.id}`;
    if (!brokers) {
      this.fail('receiver', `${profile.id} connects over Kafka, but no --kafka-brokers was given`, `pass --kafka-brokers host:port[,host:port] (the hub's document names the topics ${profile.inboundTopic} and ${profile.outboundTopic})`);
      return;
    }
    const link = this.deps.openKafka(brokers, profile.id, inbound, outbound, prefix);
    const note = inbound !== profile.inboundTopic ? ` (the hub's document names ${profile.inboundTopic}: is --topic-prefix right?)` : '';
    if (!(await this.startReceiver(link, `check --kafka-brokers, and that your Kafka user may read ${outbound} and use consumer groups starting with ${prefix}${profile.id}${note}`))) {
      // When the brokers said nothing in time, kafkajs's log says what it was trying.
      const last = link.problems.at(-1);
      const check = this.checks[this.checks.length - 1];
      if (last && check.detail.includes('no answer within')) check.detail += ` (kafkajs: ${last})`;
      return;
    }
    if (note) this.checks[this.checks.length - 1].detail += note;
    const f = this.freshness(profile);
    const accepted: CloudEvent[] = [];
    const write = async (check: string, event: CloudEvent): Promise<boolean> => {
      try {
        const where = await link.send(event);
        if (check.startsWith('sample ')) this.pass(check, `written to ${inbound} (${where}), id ${event.id}`);
        return true;
      } catch (error) {
        this.fail(check, `could not write to ${inbound}: ${error instanceof Error ? error.message : String(error)}`, `check that your Kafka user may write ${inbound}${note}`);
        return false;
      }
    };
    for (const sample of profile.samples) {
      const event = freshEvent(sample.event, f);
      if (!(await write(`sample ${sample.type}`, event))) return;
      accepted.push(event);
    }
    const expected: Expected[] = [];
    const invalid = invalidVariant(profile.samples, f);
    if (invalid && (await write('invalid sample', invalid.event))) expected.push({ check: 'invalid sample', eventId: invalid.event.id, reason: 'SCHEMAFOUT', pointers: invalid.pointers });
    const spoofed = otherSourceVariant(profile.samples.find(repeatable) ?? profile.samples[0], f);
    if (spoofed && (await write('other source', spoofed.event))) expected.push({ check: 'other source', eventId: spoofed.event.id, reason: 'BRON_KLOPT_NIET', pointers: ['/source'] });
    const unknown = unknownPersonVariant(profile.samples, f);
    if (!unknown) {
      this.fail('routed event', 'no sample of this role names a person, so none can be made to come back', 'nothing to do for the partner; tell the hub\'s operator');
      return;
    }
    if (!(await write('routed event', unknown))) return;
    await this.awaitOutbound(link, unknown, accepted, expected, undefined);
  }

  // ---- What comes back ----

  private async awaitOutbound(receiver: OutboundReceiver, unknown: CloudEvent, accepted: CloudEvent[], expected: Expected[], token: string | undefined): Promise<void> {
    const sentAt = Date.now();
    const deadline = sentAt + this.options.timeoutSeconds * 1000;
    const all = () => rejectionOf(receiver.received, unknown.id) !== undefined && expected.every((e) => rejectionOf(receiver.received, e.eventId));
    await receiver.waitUntil(all, deadline);

    for (const e of expected) {
      const notice = rejectionOf(receiver.received, e.eventId);
      const data = noticeData(notice);
      const pointers = (data.fouten ?? []).map((x) => x.pointer);
      if (data.reden === e.reason && e.pointers.every((p) => pointers.includes(p))) {
        this.pass(e.check, `bericht-afgewezen ${e.reason} on ${receiver.where}, naming ${e.pointers.join(' and ')}`);
      } else {
        this.fail(e.check, notice ? `bericht-afgewezen ${data.reden} naming ${pointers.join(', ') || 'nothing'}; expected ${e.reason} naming ${e.pointers.join(' and ')}` : `no bericht-afgewezen for ${e.eventId} on ${receiver.where} within ${this.options.timeoutSeconds} s`,
          notice ? 'the hub must name the problem and every error\'s JSON pointer; tell the hub\'s operator' : 'see routed event');
      }
    }

    const notice = rejectionOf(receiver.received, unknown.id);
    const data = noticeData(notice);
    if (!notice) {
      this.fail('routed event', `nothing for ${unknown.id} arrived on ${receiver.where} within ${this.options.timeoutSeconds} s${receiver.received.length > 0 ? ` (${receiver.received.length} other messages did)` : ''}`
        + (token ? `; ${await deliveryState(this.deps.hub, token, this.started)}` : ''), this.routedHint(receiver));
    } else if (data.reden === 'ONBEKENDE_PERSOON' && notice.event.causationid === unknown.id && data.bericht?.id === unknown.id) {
      this.pass('routed event', `bericht-afgewezen ONBEKENDE_PERSOON for ${unknown.type} ${unknown.id} arrived on ${receiver.where} (causationid and bericht.id match)`);
    } else {
      this.fail('routed event', `bericht-afgewezen for ${unknown.id} arrived with reden ${data.reden}, causationid ${notice.event.causationid}, bericht.id ${data.bericht?.id}; expected ONBEKENDE_PERSOON and the event's id in both`,
        'the hub must refuse an unknown persoonId with ONBEKENDE_PERSOON; tell the hub\'s operator');
    }
    if (this.profile?.connection === 'HTTPS_WEBHOOK') this.checkSignature(notice, receiver.received);

    const answered = accepted.flatMap((event) => {
      const r = rejectionOf(receiver.received, event.id);
      return r ? [{ event, data: noticeData(r) }] : [];
    });
    // A partner may send about a family only through a relation with it (docs/REGIE.md, "Who is
    // involved"): the samples name one test family, so NIET_BETROKKEN is the hub's right answer
    // for a partner without such a relation, not a fault of the partner's system.
    const notInvolved = answered.filter(({ data: d }) => d.reden === 'NIET_BETROKKEN' || d.reden === 'NIET_REGISSEUR');
    const rejected = answered.filter((r) => !notInvolved.includes(r));
    const notInvolvedNote = notInvolved.length > 0 ? `; ${notInvolved.length} refused ${[...new Set(notInvolved.map((r) => r.data.reden))].join('/')} because this partner has no relation with the sample family, as it should` : '';
    if (rejected.length > 0) {
      const listed = rejected.map(({ event, data: d }) => `${event.type} ${event.id}: ${d.reden} (${(d.fouten ?? []).map((x) => `${x.pointer || '/'} ${x.message}`).join('; ')})`);
      this.fail('no rejections', `${rejected.length} of ${accepted.length} accepted events came back as bericht-afgewezen: ${listed.join(' | ')}`,
        'the door accepted them but the family record refused them; the errors say what the hub needs, and the hub\'s operator can look them up on the dead-letter topic');
    } else if (notice) {
      this.pass('no rejections', `none of the ${accepted.length} accepted events came back as bericht-afgewezen for a fault (the hub applied them before it answered the unknown persoonId)${notInvolvedNote}`);
    } else {
      this.fail('no rejections', `not verified: nothing came back within ${this.options.timeoutSeconds} s, so what became of the ${accepted.length} accepted events is unknown`, 'see routed event');
    }
  }

  private checkSignature(notice: Received | undefined, received: Received[]): void {
    const delivery = notice ?? received[0];
    const signature = delivery?.webhook?.signature;
    const label = delivery ? `webhook-id ${delivery.webhook?.id}` : '';
    const bad = received.filter((r) => r.webhook?.signature !== 'unchecked' && r.webhook?.signature.ok === false).length;
    if (!delivery || !signature) {
      this.fail('signature', 'no delivery arrived to check', 'see routed event');
    } else if (signature === 'unchecked') {
      this.fail('signature', `${label}: not checked, no webhook secret given`, `pass --webhook-secret or set KETENHUB_WEBHOOK_SECRET; ${this.secretsHint} prints it`);
    } else if (signature.ok && bad === 0) {
      this.pass('signature', `${label} carries a valid v1 signature (HMAC-SHA256 with your webhook secret)${received.length > 1 ? `, as do the other ${received.length - 1} deliveries` : ''}`);
    } else {
      this.fail('signature', `${label}: ${signature.ok ? `valid, but ${bad} other deliveries were not` : signature.problem}`, `check the webhook secret (${this.secretsHint} prints the one the hub signs with) and this machine's clock`);
    }
  }

  private routedHint(receiver: OutboundReceiver): string {
    const connection = this.profile?.connection;
    switch (connection) {
      case 'HTTPS_WEBHOOK':
        return `is the region's webhookUrl for ${this.options.partner} this address (${receiver.where})?`;
      case 'HTTPS_FEED':
        return 'the hub has not put it on the feed; is its pipeline running (GET /health)?';
      case 'KAFKA':
        return `check that the hub reads ${this.profile?.inboundTopic} and writes ${this.profile?.outboundTopic} (--topic-prefix), and that its pipeline runs (GET /health)`;
      case undefined:
        return 'see the checks above';
      default: {
        const unknown: never = connection;
        return unknown;
      }
    }
  }
}

/** "/data/a removed and /data/b of the wrong type", for the two pointers of invalidVariant. */
function brokenText([removed, retyped]: string[]): string {
  return `${removed} removed${retyped ? ` and ${retyped} of the wrong type` : ''}`;
}
