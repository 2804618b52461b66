/**
 * A broker the hub cannot reach for a while, on the real broker and database: the hub talks to
 * Kafka through a TCP proxy (test/support/kafka-proxy.ts) that the test cuts for 20 s, long enough
 * for kafkajs' tries to reconnect to wait longer and longer between them. A partner's event that
 * arrives on the broker meanwhile is taken in, applied and delivered within a few seconds of the
 * broker being reachable again: every try waits at most KAFKA_RETRY_MAX_MS (libs/messaging). With
 * kafkajs' own bound (30 s), which the hub's clients used for reconnecting until this test came,
 * the next try could come 10 s or more after the broker was back: here 5.5 and 13.9 s, and in a
 * two-hub fault run one hub answered 7.3 s after a killed broker was back.
 *
 * A broker that recovers from a kill may no longer hold the state of the relay's idempotent
 * producer and refuses each of its sends (OUT_OF_ORDER_SEQUENCE_NUMBER) for good. The proxy plays
 * that broker: the relay has to publish with a new producer id. Before it did, a fault run's relay
 * was refused for two minutes, until the hub was killed.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { PUBLISHED_UP_TO } from '@ketenhub/persistence';
import { hulpvraag, makeBsn, toestemming } from '../support/factories';
import { regionWithConnections } from '../../deploy/local/region-copy';
import { KafkaProxy, OUT_OF_ORDER_SEQUENCE_NUMBER } from '../support/kafka-proxy';
import { pollUntil } from '../support/poll';
import { openScenario, type Scenario } from '../support/scenario';

const SENDER = 'toegang-almere';
/**
 * In the demo region a request for help goes to Veilig Thuis on the family's consent. Veilig Thuis
 * takes it from the cursor feed here, so the delivery bridge's consumer has to come back too.
 */
const RECIPIENT = 'veilig-thuis-flevoland';
const AWAY_MS = 20_000;
/** Two tries' bound, the consumer group's rejoin and one event's way through, with room for a busy machine. */
const BACK_WITHIN_MS = 5_000;

describe('a broker that was away for a while', () => {
  let proxy: KafkaProxy;
  let scenario: Scenario;

  beforeAll(async () => {
    proxy = await KafkaProxy.start();
    // Only the hub goes through the proxy; the test's partners and readers use the broker directly.
    scenario = await openScenario([SENDER], { REGION_DIR: regionWithConnections({ [RECIPIENT]: '{ via: HTTPS_FEED }' }), KAFKA_BROKERS: proxy.address });
  });
  afterAll(async () => {
    await proxy?.restore();
    await scenario?.close();
    await proxy?.stop();
  });

  /** A family's consent and its request for help: the request is delivered to RECIPIENT. */
  async function askForHelp(): Promise<string> {
    const child = makeBsn();
    const request = hulpvraag(SENDER, [child]);
    await scenario.partner(SENDER).sendAll([toestemming(SENDER, [child]), request]);
    return request.id as string;
  }
  /** Whether the message caused by this event is in RECIPIENT's feed. */
  const inFeed = async (id: string) => (await scenario.db.query(
    `SELECT count(*)::int AS n FROM partner_delivery WHERE partner_id = $1 AND convert_from(value, 'UTF8')::jsonb->>'causationid' = $2`, [RECIPIENT, id]))[0].n > 0;
  const delivered = (id: string, timeoutMs?: number) => pollUntil(`the delivery caused by ${id}`, async () => (await inFeed(id)) || undefined, timeoutMs);

  it(`delivers what came while it was away within ${BACK_WITHIN_MS / 1000} s of it being back`, async () => {
    await delivered(await askForHelp());

    await proxy.cut();
    await sleep(AWAY_MS / 2);
    const meanwhile = await askForHelp();
    await sleep(AWAY_MS / 2);
    expect(await inFeed(meanwhile)).toBe(false);

    await proxy.restore();
    const back = Date.now();
    await delivered(meanwhile, 60_000);
    const took = Date.now() - back;
    expect(took).toBeLessThan(BACK_WITHIN_MS);
  });

  it('publishes with a new producer when the broker no longer takes the relay producer\'s sequence', async () => {
    proxy.refuseProducesUntilNewProducerId(OUT_OF_ORDER_SEQUENCE_NUMBER);
    const id = await askForHelp();
    // The proxy lets the broker write what it refuses, so the feed alone does not show it: the
    // relay's own record of what it published does, once the event has written its messages.
    await pollUntil('the request for help applied', async () => {
      const [{ n }] = await scenario.db.query('SELECT count(*)::int AS n FROM inbox WHERE event_id = $1', [id]);
      return n === 1 ? true : undefined;
    });
    await pollUntil('the outbox published to its end', async () => {
      const [{ unpublished }] = await scenario.db.query(`SELECT count(*)::int AS unpublished FROM outbox WHERE seq > ${PUBLISHED_UP_TO}`);
      return unpublished === 0 ? true : undefined;
    }, 20_000);
    await delivered(id);
    expect(proxy.refusedProduces).toBeGreaterThan(0);
    const metrics = await (await fetch(`${scenario.hub.url}/metrics`)).text();
    expect(metrics).toMatch(/^ketenhub_producer_renewals_total{producer="outbox-relay"} [1-9]/m);
    expect(scenario.hub.logs.some((l) => l.includes('publishing again with a new producer'))).toBe(true);
  });
});
