/**
 * POST /events while the hub cannot reach its broker, on the real broker and database. The hub
 * talks to Kafka through a TCP proxy (test/support/kafka-proxy.ts) that the test cuts, as the
 * network between a hub and its broker can fail: the partner gets 503 problem+json
 * TIJDELIJK_NIET_BESCHIKBAAR with Retry-After, and nothing reaches the broker or the database.
 * Once the broker is back, the same event posted again is accepted (202), stored once and
 * delivered to its recipient once. A broker that refuses the door producer's sequence for good
 * (as one that recovered from a kill can) gets the event from a new producer.
 */
import { hulpvraag, makeBsn } from '../support/factories';
import { partnerAccessToken } from '../../deploy/local/https-partner';
import { KafkaProxy, OUT_OF_ORDER_SEQUENCE_NUMBER } from '../support/kafka-proxy';
import { TopicReader } from '../support/partner';
import { pollUntil } from '../support/poll';
import { regionWithConnections } from '../../deploy/local/region-copy';
import { openScenario, type Scenario } from '../support/scenario';
import { testKeys } from '../support/test-env';

const HTTPS_PARTNER = 'toegang-almere';
/** The region sends a hulpvraag (as a pointer) to the partner with role VEILIG_THUIS, here on Kafka. */
const RECIPIENT = 'veilig-thuis-flevoland';
const PROBLEM = 'application/problem+json';

describe('POST /events while the broker is unreachable', () => {
  const keys = testKeys();
  const child = makeBsn();
  /** Posted while the broker is cut off, and again once it is back. */
  const event = hulpvraag(HTTPS_PARTNER, [child]);
  let proxy: KafkaProxy;
  let scenario: Scenario;
  let inboundTopic: string;
  let inbound: TopicReader;
  let bearer: string;

  beforeAll(async () => {
    proxy = await KafkaProxy.start();
    // Only the hub goes through the proxy; the test's partners and readers use the broker directly.
    scenario = await openScenario([RECIPIENT], { REGION_DIR: regionWithConnections({ [HTTPS_PARTNER]: '{ via: HTTPS_FEED }' }), KAFKA_BROKERS: proxy.address }, keys);
    inboundTopic = `${scenario.prefix}inbound.${HTTPS_PARTNER}`;
    inbound = await TopicReader.start(scenario.kafka, inboundTopic);
    bearer = `Bearer ${await partnerAccessToken(scenario.hub.url, HTTPS_PARTNER, Buffer.from(keys.partner, 'base64'))}`;
  });
  afterAll(async () => {
    await proxy?.restore();
    await inbound?.stop();
    await scenario?.close();
    await proxy?.stop();
  });

  const post = (body: Record<string, unknown>) => fetch(`${scenario.hub.url}/events`, {
    method: 'POST', headers: { authorization: bearer, 'content-type': 'application/cloudevents+json' }, body: JSON.stringify(body),
  });
  const inboxCount = async (id: unknown) => (await scenario.db.query('SELECT count(*)::int AS n FROM inbox WHERE event_id = $1', [id]))[0].n as number;
  /** How many messages the partner's inbound topic holds, asked of the broker itself. */
  async function messagesOnInbound(): Promise<number> {
    const admin = scenario.kafka.admin();
    await admin.connect();
    try {
      return (await admin.fetchTopicOffsets(inboundTopic)).reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
    } finally {
      await admin.disconnect();
    }
  }
  const deliveredCopies = (id: unknown) => scenario.partner(RECIPIENT).outbound.events().filter((e) => e.causationid === id).length;

  it('accepts and delivers an event through the proxy while the broker is reachable', async () => {
    const before = hulpvraag(HTTPS_PARTNER, [child]);
    expect((await post(before)).status).toBe(202);
    await scenario.partner(RECIPIENT).outbound.waitFor('the first hulpvraag delivered', (m) => m.event?.causationid === before.id);
    // The broker's advertised address in the hub's metadata was the proxy's: the hub cannot go around it.
    expect(proxy.rewritten).toBeGreaterThan(0);
  });

  it('answers 503 TIJDELIJK_NIET_BESCHIKBAAR with Retry-After: 5 when the broker is unreachable, and accepts nothing', async () => {
    const onTopicBefore = await messagesOnInbound();
    await proxy.cut();
    const started = Date.now();
    const refused = await post(event);
    // The door's client gives up after a few tries (DOOR_KAFKA_RETRY): the partner gets an answer
    // soon, not a hanging request. About 5 s here; 22 s with the hub's other clients' retries, and
    // 94 s with kafkajs' default bound of 30 s between reconnect tries, which this test did not see
    // while the hub ran with jest's NODE_ENV=test (see KAFKA_RETRY).
    expect(Date.now() - started).toBeLessThan(15_000);

    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(refused.headers.get('content-type')).toContain(PROBLEM);
    // `reason` as in the other refusals of POST /events, so a partner reads every answer the same way.
    expect(await refused.json()).toMatchObject({
      type: 'https://ketenhub.nl/problems/tijdelijk_niet_beschikbaar', title: 'TIJDELIJK_NIET_BESCHIKBAAR', status: 503, reason: 'TIJDELIJK_NIET_BESCHIKBAAR',
      detail: expect.stringContaining('nothing was accepted'),
    });
    // The log line may reach the test a moment after the answer.
    await pollUntil('the hub to log why it refused', () => scenario.hub.logs.find((l) => l.includes('event not accepted over HTTPS')), 5_000);

    // Nothing was accepted: the broker holds no new message and the hub applied nothing.
    expect(await messagesOnInbound()).toBe(onTopicBefore);
    expect(await inboxCount(event.id)).toBe(0);
  });

  it('accepts the same event (202) once the broker is back, and stores and delivers it once', async () => {
    await proxy.restore();
    const again = await post(event);
    expect(again.status).toBe(202);
    expect(await again.json()).toEqual({ id: event.id, source: `urn:ketenhub:partner:${HTTPS_PARTNER}`, status: 'accepted' });
    await scenario.partner(RECIPIENT).outbound.waitFor('the event delivered after the outage', (m) => m.event?.causationid === event.id, 60_000);

    // A later event about the same family, delivered after it: a second copy would have come by now.
    const after = hulpvraag(HTTPS_PARTNER, [child]);
    expect((await post(after)).status).toBe(202);
    await scenario.partner(RECIPIENT).outbound.waitFor('the event after it delivered', (m) => m.event?.causationid === after.id);
    expect(deliveredCopies(event.id)).toBe(1);
    await inbound.waitFor('the event after it on the inbound topic', (m) => m.event?.id === after.id);
    expect(inbound.messages.filter((m) => m.event?.id === event.id)).toHaveLength(1);
    expect(await inboxCount(event.id)).toBe(1);
  });

  it('sends with a new producer when the broker no longer takes the door producer\'s sequence, and answers 202', async () => {
    // What a broker that recovered from a kill without this producer's state answers, until a new producer id is asked for.
    proxy.refuseProducesUntilNewProducerId(OUT_OF_ORDER_SEQUENCE_NUMBER);
    const next = hulpvraag(HTTPS_PARTNER, [makeBsn()]);
    expect((await post(next)).status).toBe(202);
    expect(proxy.refusedProduces).toBeGreaterThan(0);
    const metrics = await (await fetch(`${scenario.hub.url}/metrics`)).text();
    expect(metrics).toMatch(/^ketenhub_producer_renewals_total{producer="https-door"} [1-9]/m);
    // Stored once, though the refused send may have reached the broker as well.
    await pollUntil('the event applied', async () => ((await inboxCount(next.id)) === 1 ? true : undefined));
  });
});
