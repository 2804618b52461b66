/**
 * Group commit: messages are applied many to a transaction, also across partitions and partners
 * when they arrive together, and a message the
 * hub refuses in the middle of a group costs its neighbours nothing. Each refused message (an
 * unknown person, an id reused with other content inside the same group, bytes that are not
 * JSON) becomes its own rejection; every other event is accepted once, with one audit record per
 * disclosure and the chain intact.
 */
import { randomUUID } from 'node:crypto';
import { verifyAuditChain } from '@ketenhub/persistence';
import { chainEvent, hulpvraag, makeBsn } from '../support/factories';
import { pollUntil } from '../support/poll';
import { openScenario, type Scenario } from '../support/scenario';
import { startHubProcess, testKeys } from '../support/test-env';

const TOEGANG = ['toegang-almere', 'toegang-dronten', 'toegang-lelystad'];

describe('group commit', () => {
  let scenario: Scenario;
  const env = { REGION_DIR: 'config/regions/flevoland' };
  const keys = testKeys();

  beforeAll(async () => {
    scenario = await openScenario(TOEGANG, env, keys);
  });
  afterAll(async () => {
    await scenario?.close();
  });

  it('applies a batch in few transactions, and splits it around refused messages without losing a neighbour', async () => {
    const good = Array.from({ length: 25 }, () => hulpvraag('toegang-almere', [makeBsn()]));
    const unknownPerson = chainEvent('toegang-almere', 'keten.veiligheidskaart-bijdrage', [], { kinderen: [{ persoonId: randomUUID() }], zorgen: ['x'] });
    const reused = { ...hulpvraag('toegang-almere', [makeBsn()]), id: good[3].id };
    const notJson = Buffer.from('{"specversion":');
    await scenario.partner('toegang-almere').sendAll([
      ...good.slice(0, 10), unknownPerson, ...good.slice(10, 20), reused, notJson, ...good.slice(20),
    ]);

    const goodIds = good.map((e) => e.id as string);
    await pollUntil('every good event accepted and every bad one rejected', async () => {
      const [{ accepted }] = await scenario.db.query('SELECT count(*)::int AS accepted FROM inbox WHERE event_id = ANY($1)', [goodIds]);
      const [{ rejected }] = await scenario.db.query('SELECT count(*)::int AS rejected FROM rejection');
      return accepted === 25 && rejected === 3 ? true : undefined;
    });

    const rejections: Array<{ reason: string; event_id: string | null }> = await scenario.db.query('SELECT reason, event_id FROM rejection ORDER BY kafka_offset');
    expect(rejections).toEqual([
      { reason: 'ONBEKENDE_PERSOON', event_id: unknownPerson.id },
      { reason: 'ID_HERGEBRUIKT', event_id: good[3].id },
      { reason: 'ONGELDIGE_JSON', event_id: null },
    ]);
    // The first of the reused id is the one that counts: its own content, not the repeat's.
    const [first] = await scenario.db.query('SELECT data->>\'zaakreferentie\' AS zaak FROM inbox WHERE event_id = $1', [good[3].id]);
    expect(first.zaak).toBe((good[3].data as { zaakreferentie: string }).zaakreferentie);

    // Rows written by one transaction share its id (xmin). One transaction per event would give
    // 25; the groups here are at most the four stretches between and around the refused ones
    // (one more if the broker's fetch cut the batch in two).
    const [{ transactions }] = await scenario.db.query('SELECT count(DISTINCT xmin::text)::int AS transactions FROM inbox WHERE event_id = ANY($1)', [goodIds]);
    expect(transactions).toBeLessThanOrEqual(5);

    // Every disclosure written has exactly one audit record, and the chain still verifies.
    // (Rejections to the sender carry no family; disclosures do.)
    const [{ messages }] = await scenario.db.query('SELECT count(*)::int AS messages FROM outbox WHERE family_id IS NOT NULL');
    const unmatched = await scenario.db.query(
      `SELECT o.message_id FROM outbox o
       LEFT JOIN audit_log a ON a.message_id = o.message_id AND a.action = 'DISCLOSE' AND a.outcome = 'SUCCESS'
       WHERE o.family_id IS NOT NULL GROUP BY o.message_id HAVING count(a.seq) <> 1`);
    const [{ records }] = await scenario.db.query("SELECT count(*)::int AS records FROM audit_log WHERE action = 'DISCLOSE' AND outcome = 'SUCCESS'");
    expect(records).toBe(messages);
    expect(messages).toBeGreaterThan(0);
    expect(unmatched).toEqual([]);
    expect(await verifyAuditChain(scenario.db.manager, { key: Buffer.from(keys.audit, 'base64') })).toMatchObject({ ok: true });
  });

  it('applies what several partners sent together in shared transactions, each partner in its own order, and records that order', async () => {
    // Written while the hub is down, so that its first fetch finds three partitions (one per
    // partner topic: a simulated partner keys every message by its own id) full at once.
    await scenario.hub.stop();
    // Each local access in its own municipality: that is its relation with the families (docs/REGIE.md, "Who is involved").
    const gemeente: Record<string, string> = { 'toegang-almere': 'GM0034', 'toegang-dronten': 'GM0303', 'toegang-lelystad': 'GM0995' };
    const sent = new Map(TOEGANG.map((id) => [id, Array.from({ length: 6 }, () => hulpvraag(id, [makeBsn()], { gemeente: gemeente[id] }))]));
    for (const [id, events] of sent) await scenario.partner(id).sendAll(events);
    scenario.hub = await startHubProcess({ databaseUrl: scenario.databaseUrl, topicPrefix: scenario.prefix, env, keys });

    const ids = [...sent.values()].flat().map((e) => e.id as string);
    const rows = await pollUntil('all 18 events accepted', async () => {
      const found: Array<{ event_id: string; topic: string; tx: string }> = await scenario.db.query(
        'SELECT event_id, topic, xmin::text AS tx FROM inbox WHERE event_id = ANY($1) ORDER BY accepted_seq', [ids]);
      return found.length === ids.length ? found : undefined;
    }, 60_000);
    // One transaction per partition would never hold two partners' events.
    const partnersPerTransaction = new Map<string, Set<string>>();
    for (const r of rows) partnersPerTransaction.set(r.tx, (partnersPerTransaction.get(r.tx) ?? new Set()).add(r.topic));
    expect(Math.max(...[...partnersPerTransaction.values()].map((topics) => topics.size))).toBeGreaterThanOrEqual(2);
    expect(partnersPerTransaction.size).toBeLessThan(TOEGANG.length);
    // accepted_seq orders each partner's events as it sent them.
    for (const [id, events] of sent) {
      expect(rows.filter((r) => r.topic.endsWith(`inbound.${id}`)).map((r) => r.event_id)).toEqual(events.map((e) => e.id));
    }
  });

  it('rejects messages that fail the checks needing no database within the group: good and bad share the transaction', async () => {
    const good = Array.from({ length: 10 }, () => hulpvraag('toegang-lelystad', [makeBsn()], { gemeente: 'GM0995' }));
    const bad = Array.from({ length: 5 }, (_, i) => Buffer.from(`{"specversion": "1.0", "broken": ${i}`));
    const interleaved = good.flatMap((e, i) => (i % 2 === 1 ? [e, bad[(i - 1) / 2]] : [e]));
    await scenario.partner('toegang-lelystad').sendAll(interleaved);
    const goodIds = good.map((e) => e.id as string);
    const topic = `${scenario.prefix}inbound.toegang-lelystad`;
    const [accepted, rejected] = await pollUntil('10 accepted and 5 rejected', async () => {
      const a: Array<{ tx: string }> = await scenario.db.query('SELECT xmin::text AS tx FROM inbox WHERE event_id = ANY($1)', [goodIds]);
      const r: Array<{ tx: string; reason: string }> = await scenario.db.query('SELECT xmin::text AS tx, reason FROM rejection WHERE topic = $1', [topic]);
      return a.length === 10 && r.length === 5 ? [a, r] as const : undefined;
    });
    expect(rejected.map((r) => r.reason)).toEqual(Array(5).fill('ONGELDIGE_JSON'));
    // Split around each refusal, this would take at least the five refusals' own transactions.
    expect(new Set([...accepted, ...rejected].map((r) => r.tx)).size).toBeLessThanOrEqual(2);
  });
});
