/**
 * The outbox relay publishes what each group of events wrote when that group commits, not at its
 * next idle poll (here once a minute: RELAY_IDLE_MS=60000). The hub's producers reach the broker
 * through a proxy that holds their requests, so every send of the relay takes a while, and a
 * second wave commits while it is sending. The relay finds it by looking again after each batch,
 * and a nudge that comes while the relay is busy is kept (wakeable-sleep.spec.ts) for a relay
 * that had just looked and found nothing. (Between 9704955 and the commit after a4ddae2 the relay
 * slept after every short batch instead, and this test failed without the kept nudge.)
 *
 * With several hub instances only one relay holds the lock at a time. Rows one instance writes
 * while another's relay holds it nudge only their own relay, which finds the lock taken. The holder
 * looks again after its batch, but may have looked for the last time just before those rows
 * committed; so a relay that finds the lock taken tries again soon, instead of waiting for its idle
 * poll. The test takes the lock itself to be that other relay.
 */
import { PUBLISHED_UP_TO } from '@ketenhub/persistence';
import { RELAY_LOCK } from '../../apps/hub/src/relay/outbox.relay';
import { hulpvraag, makeBsn, toestemming } from '../support/factories';
import { KafkaProxy } from '../support/kafka-proxy';
import { pollUntil } from '../support/poll';
import { openScenario, type Scenario } from '../support/scenario';

describe('the outbox relay', () => {
  let proxy: KafkaProxy;
  let scenario: Scenario;

  beforeAll(async () => {
    proxy = await KafkaProxy.start();
    scenario = await openScenario(['toegang-almere'], { RELAY_IDLE_MS: '60000', KAFKA_BROKERS: proxy.address });
    proxy.produceDelayMs = 600;
  });
  afterAll(async () => {
    await scenario?.close();
    await proxy?.stop();
  });

  it('publishes every group as it commits, also one that committed while the relay was sending, without waiting for its idle poll', async () => {
    const partner = scenario.partner('toegang-almere');
    // In the demo region a request for help goes to Veilig Thuis on the family's consent.
    const waves = Array.from({ length: 2 }, () => Array.from({ length: 5 }, () => makeBsn()).flatMap((child) => [toestemming('toegang-almere', [child]), hulpvraag('toegang-almere', [child])]));
    const ids = waves.flat().map((e) => e.id as string);
    // The second wave commits while the relay is still sending the first (600 ms), and is the last:
    // no later nudge would cover for one that was lost.
    await partner.sendAll(waves[0]);
    await new Promise((r) => setTimeout(r, 150));
    await partner.sendAll(waves[1]);
    await pollUntil('every event accepted', async () => {
      const [{ n }] = await scenario.db.query('SELECT count(*)::int AS n FROM inbox WHERE event_id = ANY($1)', [ids]);
      return n === ids.length ? true : undefined;
    });
    const [{ written }] = await scenario.db.query('SELECT count(*)::int AS written FROM outbox');
    expect(written).toBeGreaterThanOrEqual(ids.length / 2);
    // Well within the minute an idle poll would take.
    await pollUntil('the outbox published to the end', async () => {
      const [{ unpublished }] = await scenario.db.query(`SELECT count(*)::int AS unpublished FROM outbox WHERE seq > ${PUBLISHED_UP_TO}`);
      return unpublished === 0 ? true : undefined;
    }, 10_000);
  });

  it('tries again soon when another relay holds the lock, so what it held up is published when that relay lets go', async () => {
    const partner = scenario.partner('toegang-almere');
    const events = Array.from({ length: 3 }, () => makeBsn()).flatMap((child) => [toestemming('toegang-almere', [child]), hulpvraag('toegang-almere', [child])]);
    const ids = events.map((e) => e.id as string);
    const otherRelay = scenario.db.createQueryRunner();
    await otherRelay.connect();
    try {
      await otherRelay.query('SELECT pg_advisory_lock($1)', [RELAY_LOCK]);
      await partner.sendAll(events);
      await pollUntil('every event accepted', async () => {
        const [{ n }] = await scenario.db.query('SELECT count(*)::int AS n FROM inbox WHERE event_id = ANY($1)', [ids]);
        return n === ids.length ? true : undefined;
      });
      // The group's nudge has met the taken lock by now; nothing may have gone out around it.
      await new Promise((r) => setTimeout(r, 500));
      const [{ held }] = await scenario.db.query(`SELECT count(*)::int AS held FROM outbox WHERE seq > ${PUBLISHED_UP_TO}`);
      expect(held).toBeGreaterThanOrEqual(ids.length / 2);
    } finally {
      await otherRelay.query('SELECT pg_advisory_unlock($1)', [RELAY_LOCK]);
      await otherRelay.release();
    }
    // The idle poll is a minute away; the retries after a taken lock are not.
    await pollUntil('the outbox published to the end', async () => {
      const [{ unpublished }] = await scenario.db.query(`SELECT count(*)::int AS unpublished FROM outbox WHERE seq > ${PUBLISHED_UP_TO}`);
      return unpublished === 0 ? true : undefined;
    }, 10_000);
  });
});
