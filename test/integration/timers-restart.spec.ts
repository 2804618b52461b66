/**
 * Deadlines live in the database: a hub killed while a deadline is pending signals it after its
 * restart, exactly once, and a deadline it already signalled is not signalled again.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chainEvent, hulpvraag, makeBsn } from '../support/factories';
import { pollUntil } from '../support/poll';
import { openScenario, type Scenario } from '../support/scenario';
import { ROOT, startHubProcess, testKeys } from '../support/test-env';

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

describe('18+: no handover deadline where an all-ages professional holds regie (handreiking, taken perspectiefregisseur)', () => {
  let scenario: Scenario;
  const keys = testKeys();
  const env = { REGION_DIR: 'config/regions/flevoland' };

  beforeAll(async () => {
    scenario = await openScenario(['toegang-lelystad', 'toegang-almere'], env, keys);
  });
  afterAll(async () => {
    await scenario?.close();
  });

  it('the choice switched on for a municipality cancels an 18+ timer already set, at the family\'s next event; other municipalities keep theirs', async () => {
    const open18 = async (municipality: string) => scenario.db.query(
      `SELECT t.timer_key, t.cancelled_at FROM timer t JOIN family f ON f.id = t.family_id
        WHERE t.kind = 'ACHTTIEN_PLUS' AND f.municipality = $1 ORDER BY t.id`, [municipality]);
    const child = makeBsn();
    const lelystad = scenario.partner('toegang-lelystad');
    await lelystad.send(hulpvraag('toegang-lelystad', [child], { gemeente: 'GM0995' }));
    await pollUntil('the 18+ timer under the choice off', async () => {
      const rows = await open18('GM0995');
      return rows.length === 1 && rows[0].cancelled_at === null ? rows : undefined;
    });

    // The information manager switches the choice on for Lelystad and restarts the hub with it.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flevoland-all-ages-'));
    const text = fs.readFileSync(path.join(ROOT, 'config', 'regions', 'flevoland', 'region.yaml'), 'utf8');
    const from = '{ code: GM0995, name: Lelystad, localAccess: toegang-lelystad }';
    expect(text).toContain(from);
    fs.writeFileSync(path.join(dir, 'region.yaml'), text.replace(from, '{ code: GM0995, name: Lelystad, localAccess: toegang-lelystad, lokaleKeuzes: { integraleFunctionarisAlleLeeftijden: true } }'));
    scenario.hub.child.kill('SIGTERM');
    await scenario.hub.exited;
    const allAges = { REGION_DIR: dir };
    scenario.hub = await startHubProcess({ databaseUrl: scenario.databaseUrl, topicPrefix: scenario.prefix, env: allAges, keys });

    await lelystad.send(hulpvraag('toegang-lelystad', [child], { gemeente: 'GM0995' }));
    await scenario.partner('toegang-almere').send(hulpvraag('toegang-almere', [makeBsn()]));
    const cancelled = await pollUntil('the 18+ timer cancelled by the family\'s next event', async () => {
      const rows = await open18('GM0995');
      return rows.length === 1 && rows[0].cancelled_at !== null ? rows : undefined;
    }, 60_000);
    expect(cancelled).toHaveLength(1);
    // Almere has no all-ages professional: its family gets its 18+ timer as before.
    await pollUntil('the 18+ timer in Almere', async () => {
      const rows = await open18('GM0034');
      return rows.length === 1 && rows[0].cancelled_at === null ? rows : undefined;
    }, 60_000);
  });
});
