/**
 * Deadlines live in the database: a hub killed while a deadline is pending signals it after its
 * restart, exactly once, and a deadline it already signalled is not signalled again.
 */
import { chainEvent, hulpvraag, makeBsn } from '../support/factories';
import { pollUntil } from '../support/poll';
import { openScenario, type Scenario } from '../support/scenario';
import { startHubProcess, testKeys } from '../support/test-env';

const DAY = 86_400_000;

describe('crisis placement deadlines across a hub restart', () => {
  let scenario: Scenario;
  const keys = testKeys();
  const env = { REGION_DIR: 'config/regions/flevoland' };

  beforeAll(async () => {
    scenario = await openScenario(['toegang-almere', 'verblijf-flevoland'], env, keys);
  });
  afterAll(async () => {
    await scenario?.close();
  });

  it('neither loses nor repeats a deadline', async () => {
    const child = makeBsn();
    const toegang = scenario.partner('toegang-almere');
    // The placement is reported late: it happened 14 days minus 10 seconds ago, so the evaluation
    // with the perspective falls due in 10 seconds and the start agreements are long overdue.
    const placedAt = new Date(Date.now() - 14 * DAY + 10_000).toISOString();
    await toegang.send(hulpvraag('toegang-almere', [child]));
    // Local access places the child (the provider placing it itself would have no relation with the family).
    const placement = chainEvent('toegang-almere', 'toegang.verblijf-gestart', [child], { soort: 'CRISIS', aanbieder: 'verblijf-flevoland', gemeente: 'GM0034' }, placedAt);
    await toegang.send(placement);

    const expired = (kind: string) => toegang.outbound.events('nl.ketenhub.hub.termijn-verstreken.v1').filter((e) => e.data.termijn === kind);
    await pollUntil('the overdue start agreements', () => (expired('START_AFSPRAKEN').length > 0 ? true : undefined));
    expect(expired('EVALUATIE_PERSPECTIEF')).toHaveLength(0);

    // Kill the hub while the evaluation deadline is pending, and keep it down past the deadline.
    scenario.hub.child.kill('SIGKILL');
    await scenario.hub.exited;
    const [pending] = await scenario.db.query("SELECT due_at FROM timer WHERE kind = 'EVALUATIE_PERSPECTIEF' AND fired_at IS NULL");
    expect(pending).toBeDefined();
    await pollUntil('the deadline to pass while the hub is down', () => (Date.now() > new Date(pending.due_at).getTime() + 500 ? true : undefined), 30_000, 200);

    scenario.hub = await startHubProcess({ databaseUrl: scenario.databaseUrl, topicPrefix: scenario.prefix, env, keys });
    await pollUntil('the evaluation deadline after the restart', () => (expired('EVALUATIE_PERSPECTIEF').length > 0 ? true : undefined));
    await new Promise((r) => setTimeout(r, 1_500));

    // Exactly once each, also counting what the relay may have sent twice (same message id).
    for (const kind of ['START_AFSPRAKEN', 'EVALUATIE_PERSPECTIEF']) {
      expect(new Set(expired(kind).map((e) => e.id)).size).toBe(1);
    }
    const fired = await scenario.db.query("SELECT kind, count(*)::int AS n FROM timer WHERE fired_at IS NOT NULL GROUP BY kind ORDER BY kind");
    expect(fired).toEqual([{ kind: 'EVALUATIE_PERSPECTIEF', n: 1 }, { kind: 'START_AFSPRAKEN', n: 1 }]);
    const outbox = await scenario.db.query(
      "SELECT count(*)::int AS n FROM outbox WHERE topic = $1 AND convert_from(value, 'UTF8')::jsonb->>'type' = 'nl.ketenhub.hub.termijn-verstreken.v1'", [`${scenario.prefix}outbound.toegang-almere`]);
    expect(outbox[0].n).toBe(2);
  });
});
