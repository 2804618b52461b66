/**
 * The partner gateway end to end, on the real broker and database: a partner system on HTTPS
 * (client-credentials token, CloudEvents in, signed webhooks out) and partner systems on Kafka go
 * through a family's story together; rejected messages come back to their senders; a webhook
 * receiver that is down for a while loses nothing; a cursor feed survives a hub restart.
 */
import { randomUUID } from 'node:crypto';
import { Parser } from '@asyncapi/parser';
import { chainEvent, hulpvraag, makeBsn } from '../support/factories';
import { requestToken } from '../../deploy/local/https-partner';
import { pollUntil } from '../support/poll';
import { regionWithConnections } from '../../deploy/local/region-copy';
import { openScenario, type Scenario } from '../support/scenario';
import { startHubProcess, testKeys } from '../support/test-env';
import { WebhookReceiver } from '../../deploy/local/webhook-receiver';
import { clientSecretOf, webhookSecretOf } from '../../apps/hub/src/gateway/partner-secrets';

const HTTPS_PARTNER = 'toegang-almere';
const DEAD_PARTNER = 'verblijf-flevoland';
const FEED_PARTNER = 'ambulant-flevoland';
const KAFKA_PARTNERS = ['veilig-thuis-flevoland', 'samen-veilig', 'rechtbank-midden-nederland'];
const INFO_MANAGER = { sub: 'im-flevoland', role: 'INFORMATIEMANAGER' as const, name: 'Informatiemanager Flevoland' };
const PROBLEM = 'application/problem+json';

/** The Flevoland region with three partners moved to the HTTPS door. */
function regionWithHttpsPartners(receiver: WebhookReceiver): string {
  return regionWithConnections({
    [HTTPS_PARTNER]: `{ via: HTTPS_WEBHOOK, webhookUrl: "${receiver.url('/toegang')}" }`,
    [DEAD_PARTNER]: `{ via: HTTPS_WEBHOOK, webhookUrl: "${receiver.url('/verblijf')}" }`,
    [FEED_PARTNER]: '{ via: HTTPS_FEED, rateLimitPerSecond: 3 }',
  });
}

describe('the partner gateway', () => {
  const keys = testKeys();
  const partnerKey = Buffer.from(keys.partner, 'base64');
  let receiver: WebhookReceiver;
  let scenario: Scenario;
  let env: Record<string, string>;
  let familyId: string;
  const child = makeBsn();

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    receiver.expect('/toegang', webhookSecretOf(partnerKey, HTTPS_PARTNER));
    receiver.expect('/verblijf', webhookSecretOf(partnerKey, DEAD_PARTNER));
    env = {
      REGION_DIR: regionWithHttpsPartners(receiver),
      WEBHOOK_MAX_ATTEMPTS: '8', WEBHOOK_BACKOFF_MS: '200', WEBHOOK_MAX_BACKOFF_MS: '800', WEBHOOK_POLL_MS: '50',
    };
    scenario = await openScenario(KAFKA_PARTNERS, env, keys);
  });
  afterAll(async () => {
    await scenario?.close();
    await receiver?.stop();
  });

  async function token(partnerId: string, secret = clientSecretOf(partnerKey, partnerId)): Promise<Response> {
    return requestToken(scenario.hub.url, partnerId, secret);
  }
  const tokens = new Map<string, string>();
  async function bearer(partnerId: string): Promise<string> {
    if (!tokens.has(partnerId)) tokens.set(partnerId, ((await (await token(partnerId)).json()) as { access_token: string }).access_token);
    return `Bearer ${tokens.get(partnerId)}`;
  }
  async function post(partnerId: string, body: string | Buffer, headers: Record<string, string> = { 'content-type': 'application/cloudevents+json' }): Promise<Response> {
    return fetch(`${scenario.hub.url}/events`, { method: 'POST', headers: { authorization: await bearer(partnerId), ...headers }, body });
  }
  async function get(partnerId: string, url: string): Promise<Response> {
    return fetch(`${scenario.hub.url}${url}`, { headers: { authorization: await bearer(partnerId) } });
  }
  const inboxCount = async (ids: unknown[]) => (await scenario.db.query('SELECT count(*)::int AS n FROM inbox WHERE event_id = ANY($1)', [ids]))[0].n as number;
  /** An event naming a person the hub does not know: valid at the door, rejected by the family transaction. */
  const unknownPerson = (partnerId: string) => chainEvent(partnerId, 'keten.veiligheidskaart-bijdrage', [], { kinderen: [{ persoonId: randomUUID() }], zorgen: ['Onbekend kind'] });

  it('gives a partner a short-lived token for its client credentials, and refuses a wrong secret', async () => {
    const good = await token(HTTPS_PARTNER);
    expect(good.status).toBe(200);
    expect(good.headers.get('cache-control')).toBe('no-store');
    expect(await good.json()).toMatchObject({ token_type: 'Bearer', expires_in: 900, access_token: expect.any(String) });

    const wrong = await token(HTTPS_PARTNER, 'not-the-secret');
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: 'invalid_client' });
    const stranger = await token('not-a-partner', clientSecretOf(partnerKey, 'not-a-partner'));
    expect(stranger.status).toBe(401);
    const grant = await fetch(`${scenario.hub.url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ grant_type: 'password' }) });
    expect(grant.status).toBe(400);
    expect(await grant.json()).toMatchObject({ error: 'unsupported_grant_type' });
  });

  it('accepts CloudEvents in structured and binary mode, each once, and answers a repeat the same', async () => {
    const first = hulpvraag(HTTPS_PARTNER, [child]);
    const answer = await post(HTTPS_PARTNER, JSON.stringify(first));
    expect(answer.status).toBe(202);
    const body = await answer.json();
    expect(body).toEqual({ id: first.id, source: `urn:ketenhub:partner:${HTTPS_PARTNER}`, status: 'accepted' });
    const again = await post(HTTPS_PARTNER, JSON.stringify(first));
    expect(again.status).toBe(202);
    expect(await again.json()).toEqual(body);

    const binaryId = randomUUID();
    const binary = await post(HTTPS_PARTNER, JSON.stringify({ kinderen: [{ bsn: child }], zorgen: ['Zorgen over de thuissituatie'] }), {
      'content-type': 'application/json', 'ce-specversion': '1.0', 'ce-id': binaryId, 'ce-source': `urn:ketenhub:partner:${HTTPS_PARTNER}`,
      'ce-type': 'nl.ketenhub.keten.veiligheidskaart-bijdrage.v1', 'ce-time': new Date().toISOString(),
    });
    expect(binary.status).toBe(202);
    expect(await binary.json()).toMatchObject({ id: binaryId });

    const rows = await pollUntil('both events applied', async () => {
      const found = await scenario.db.query('SELECT event_id, family_id FROM inbox WHERE event_id = ANY($1)', [[first.id, binaryId]]);
      return found.length === 2 ? found : undefined;
    });
    expect(new Set(rows.map((r: { family_id: string }) => r.family_id)).size).toBe(1);
    familyId = rows[0].family_id;
    // Applied once, though posted twice.
    expect(await inboxCount([first.id])).toBe(1);
  });

  it('refuses bad input as problem+json with every error and its JSON pointer, keeps 401 and 403 apart, and audits the 403s', async () => {
    const broken = hulpvraag(HTTPS_PARTNER, [child]);
    const data = broken.data as Record<string, unknown>;
    delete data.toegangsroute;
    data.gemeente = 34;
    const invalid = await post(HTTPS_PARTNER, JSON.stringify(broken));
    expect(invalid.status).toBe(400);
    expect(invalid.headers.get('content-type')).toContain(PROBLEM);
    const problem = (await invalid.json()) as Record<string, any>;
    expect(problem).toMatchObject({ status: 400, title: 'SCHEMAFOUT', reason: 'SCHEMAFOUT', eventId: broken.id });
    const pointers = (problem.errors as Array<{ pointer: string }>).map((e) => e.pointer);
    expect(pointers).toEqual(expect.arrayContaining(['/data/gemeente', '/data/toegangsroute']));

    const notJson = await post(HTTPS_PARTNER, '{"specversion": "1.0",');
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toMatchObject({ reason: 'ONGELDIGE_JSON' });

    const anonymous = await fetch(`${scenario.hub.url}/events`, { method: 'POST', headers: { 'content-type': 'application/cloudevents+json' }, body: JSON.stringify(hulpvraag(HTTPS_PARTNER, [child])) });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toContain(PROBLEM);

    const spoofed = await post(HTTPS_PARTNER, JSON.stringify(chainEvent('veilig-thuis-flevoland', 'keten.veiligheidskaart-bijdrage', [child], { zorgen: ['Namens een ander'] })));
    expect(spoofed.status).toBe(403);
    expect(await spoofed.json()).toMatchObject({ reason: 'BRON_KLOPT_NIET', errors: [{ pointer: '/source' }] });
    const wrongRole = await post(HTTPS_PARTNER, JSON.stringify(chainEvent(HTTPS_PARTNER, 'veiligthuis.melding-ontvangen', [child], { gemeente: 'GM0034', melder: 'POLITIE' })));
    expect(wrongRole.status).toBe(403);
    expect(await wrongRole.json()).toMatchObject({ reason: 'NIET_TOEGESTAAN' });
    const refusals = await scenario.db.query(
      `SELECT purpose FROM audit_log WHERE outcome = 'REFUSED' AND actor_partner_id = $1 AND access_point = 'http:POST /events' ORDER BY seq`, [HTTPS_PARTNER]);
    expect(refusals.map((r: { purpose: string }) => r.purpose)).toEqual([expect.stringContaining('BRON_KLOPT_NIET'), expect.stringContaining('NIET_TOEGESTAAN')]);

    const first = hulpvraag(HTTPS_PARTNER, [child]);
    expect((await post(HTTPS_PARTNER, JSON.stringify(first))).status).toBe(202);
    await pollUntil('first applied', async () => ((await inboxCount([first.id])) === 1 ? true : undefined));
    const reused = await post(HTTPS_PARTNER, JSON.stringify({ ...first, data: { ...(first.data as object), perspectief: 'ZELFSTANDIG' } }));
    expect(reused.status).toBe(409);
    expect(await reused.json()).toMatchObject({ reason: 'ID_HERGEBRUIKT' });

    const text = await post(HTTPS_PARTNER, 'hallo', { 'content-type': 'text/plain' });
    expect(text.status).toBe(415);
    expect(await inboxCount([broken.id])).toBe(0);
  });

  it('sends a Kafka partner\'s rejected message back to it, and routes its good ones to the HTTPS partner\'s webhook, signed and in order, losing nothing while the receiver is down', async () => {
    const vt = scenario.partner('veilig-thuis-flevoland');
    const bad = chainEvent('veilig-thuis-flevoland', 'veiligthuis.melding-ontvangen', [child], { gemeente: 'GM0034', melder: 'IEMAND' });
    await vt.send(bad);
    const notice = await vt.outbound.waitFor('bericht-afgewezen for the bad melding', (m) => m.event?.type === 'nl.ketenhub.hub.bericht-afgewezen.v2' && m.event.causationid === bad.id);
    expect(notice.event?.data.reden).toBe('SCHEMAFOUT');

    receiver.down('/toegang');
    const story = [
      chainEvent('veilig-thuis-flevoland', 'veiligthuis.melding-ontvangen', [child], { gemeente: 'GM0034', melder: 'POLITIE' }),
      chainEvent('veilig-thuis-flevoland', 'keten.veiligheidskaart-bijdrage', [child], { zorgen: ['Ruzie thuis'] }),
      chainEvent('veilig-thuis-flevoland', 'veiligthuis.triage-afgerond', [child], { uitkomst: 'WACHTLIJST' }),
    ];
    for (const event of story) await vt.send(event);
    const failing = await pollUntil('a delivery to the HTTPS partner retried', async () => {
      const response = await scenario.api(INFO_MANAGER, `/deliveries?partner=${HTTPS_PARTNER}&status=FAILING`);
      const { items } = (await response.json()) as { items: Array<{ attempts: number; lastError: string; lastHttpStatus: number }> };
      return items.find((d) => d.attempts >= 2);
    });
    expect(failing).toMatchObject({ lastHttpStatus: 503, lastError: 'the receiver answered 503' });
    receiver.up('/toegang');

    await pollUntil('the story applied', async () => ((await inboxCount(story.map((e) => e.id))) === story.length ? true : undefined));
    const sent: Array<{ message_id: string }> = await pollUntil('everything for the HTTPS partner delivered', async () => {
      const outbox = await scenario.db.query('SELECT message_id FROM outbox WHERE topic = $1 ORDER BY seq', [`${scenario.prefix}outbound.${HTTPS_PARTNER}`]);
      const delivered = await scenario.db.query(`SELECT message_id FROM partner_delivery WHERE partner_id = $1 AND status = 'DELIVERED' ORDER BY seq`, [HTTPS_PARTNER]);
      return outbox.length > 0 && delivered.length === outbox.length ? delivered : undefined;
    }, 60_000);
    const outbox = await scenario.db.query('SELECT message_id FROM outbox WHERE topic = $1', [`${scenario.prefix}outbound.${HTTPS_PARTNER}`]);
    const received = receiver.on('/toegang');
    expect(received.every((d) => d.signatureOk)).toBe(true);
    const firstSeen = [...new Set(received.map((d) => d.id))];
    expect(new Set(firstSeen)).toEqual(new Set(outbox.map((o: { message_id: string }) => o.message_id)));
    // In feed order: a retried message held the later ones back.
    expect(firstSeen).toEqual(sent.map((s) => s.message_id));
    const types = received.map((d) => d.event.type);
    expect(types).toEqual(expect.arrayContaining(['nl.ketenhub.veiligthuis.melding-ontvangen.v1', 'nl.ketenhub.veiligthuis.triage-afgerond.v1']));
    expect(receiver.refused.length).toBeGreaterThanOrEqual(2);
  });

  it('dead-letters a delivery after its last attempt with an alert, and resends it on request', async () => {
    receiver.down('/verblijf');
    const event = unknownPerson(DEAD_PARTNER);
    expect((await post(DEAD_PARTNER, JSON.stringify(event))).status).toBe(202);
    const dead = await pollUntil('the delivery dead-lettered', async () => {
      const response = await scenario.api(INFO_MANAGER, `/deliveries?partner=${DEAD_PARTNER}&status=DEAD`);
      const { items } = (await response.json()) as { items: Array<{ attempts: number; messageId: string; eventType: string }> };
      return items[0];
    }, 60_000);
    expect(dead).toMatchObject({ attempts: 8, eventType: 'nl.ketenhub.hub.bericht-afgewezen.v2' });
    const metrics = await (await fetch(`${scenario.hub.url}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`ketenhub_webhook_dead_lettered_total\\{partner="${DEAD_PARTNER}"\\} 1`));
    expect(scenario.hub.logs.some((l) => l.includes('ALERT webhook delivery dead-lettered') && l.includes(dead.messageId))).toBe(true);

    const foreign = await fetch(`${scenario.hub.url}/deliveries/resend`, {
      method: 'POST', headers: { authorization: await bearer(HTTPS_PARTNER), 'content-type': 'application/json' }, body: JSON.stringify({ partner: DEAD_PARTNER }),
    });
    expect(foreign.status).toBe(403);

    receiver.up('/verblijf');
    const resend = await scenario.api(INFO_MANAGER, '/deliveries/resend', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ partner: DEAD_PARTNER, status: 'DEAD' }),
    });
    expect(await resend.json()).toEqual({ requeued: 1 });
    const delivered = await pollUntil('the resent delivery arrived', () => receiver.on('/verblijf').find((d) => d.id === dead.messageId));
    expect(delivered.signatureOk).toBe(true);
    expect(delivered.event.data).toMatchObject({ reden: 'ONBEKENDE_PERSOON', bericht: { id: event.id } });
  });

  it('serves a cursor feed with long polling; the cursor survives a hub restart and nothing is skipped', async () => {
    const kafkaPartner = await get('samen-veilig', '/feed');
    expect(kafkaPartner.status).toBe(409);

    const first = [unknownPerson(FEED_PARTNER), unknownPerson(FEED_PARTNER)];
    for (const e of first) expect((await post(FEED_PARTNER, JSON.stringify(e))).status).toBe(202);
    const page = await pollUntil('two notices on the feed', async () => {
      const body = (await (await get(FEED_PARTNER, '/feed?wait=5')).json()) as { events: Array<Record<string, any>>; cursor: string };
      return body.events.length >= 2 ? body : undefined;
    });
    expect(page.events.map((e) => e.data.bericht.id)).toEqual(first.map((e) => e.id));

    // The feed partner may make 3 requests per second (a fixed one-second window). The posts and
    // polls above can fill that window, and so can the long poll, so the long poll and the post
    // after it each wait for a window of their own rather than being answered 429, which is the
    // next test's subject. (Once, in CI, the long poll was the fourth request in its window.)
    await new Promise((r) => setTimeout(r, 1_100));
    const started = Date.now();
    const longPoll = get(FEED_PARTNER, `/feed?after=${page.cursor}&wait=25`);
    await new Promise((r) => setTimeout(r, 1_100));
    const third = unknownPerson(FEED_PARTNER);
    expect((await post(FEED_PARTNER, JSON.stringify(third))).status).toBe(202);
    const answer = await longPoll;
    expect(answer.status).toBe(200);
    const next = (await answer.json()) as { events: Array<Record<string, any>>; cursor: string };
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(next.events.map((e) => e.data.bericht.id)).toEqual([third.id]);

    await scenario.hub.stop();
    scenario.hub = await startHubProcess({ databaseUrl: scenario.databaseUrl, topicPrefix: scenario.prefix, env, keys });
    tokens.clear();
    // Without a cursor the feed resumes after the last one the partner passed: the third notice again, then nothing.
    const resumed = (await (await get(FEED_PARTNER, '/feed')).json()) as { events: Array<Record<string, any>>; cursor: string };
    expect(resumed.events.map((e) => e.data.bericht.id)).toEqual([third.id]);
    expect(resumed.cursor).toBe(next.cursor);
    const after = (await (await get(FEED_PARTNER, `/feed?after=${next.cursor}`)).json()) as { events: unknown[] };
    expect(after.events).toEqual([]);
    const ahead = await get(FEED_PARTNER, `/feed?after=${BigInt(next.cursor) + 100n}`);
    expect(ahead.status).toBe(400);
  });

  it('holds a partner to its request rate with 429 and Retry-After', async () => {
    const answers = await Promise.all(Array.from({ length: 8 }, () => get(FEED_PARTNER, '/deliveries')));
    const limited = answers.filter((a) => a.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(4);
    expect(Number(limited[0].headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited[0].headers.get('content-type')).toContain(PROBLEM);
    expect(answers.filter((a) => a.status === 200).length).toBeLessThanOrEqual(3);
    // The window is a second: the next test starts with a fresh allowance.
    await new Promise((r) => setTimeout(r, 1_100));
  });

  it('carries the family-record story on: a court order over Kafka reaches the HTTPS partner by webhook, and its record shows the GI as regisseur', async () => {
    const order = chainEvent('rechtbank-midden-nederland', 'kinderrechter.maatregel-opgelegd', [child], { maatregel: 'OTS', gi: 'samen-veilig' });
    await scenario.partner('rechtbank-midden-nederland').send(order);
    const plan = chainEvent('samen-veilig', 'keten.perspectiefplan-vastgesteld', [child], { perspectief: 'THUIS', doelen: [{ levensdomein: 'OPVOEDING', doel: 'Rust in huis' }] });
    await pollUntil('the order applied', async () => ((await inboxCount([order.id])) === 1 ? true : undefined));
    await scenario.partner('samen-veilig').send(plan);
    const measure = await pollUntil('the court order delivered to the HTTPS partner', () =>
      receiver.on('/toegang').find((d) => d.event.type === 'nl.ketenhub.kinderrechter.maatregel-opgelegd.v1' && d.event.causationid === order.id));
    expect(measure.signatureOk).toBe(true);
    // The route gives those involved the measure and the GI, not the court's own case data.
    expect(Object.keys(measure.event.data).sort()).toEqual(['gi', 'kinderen', 'maatregel']);
    await pollUntil('the plan applied', async () => ((await inboxCount([plan.id])) === 1 ? true : undefined));

    const own = await get(HTTPS_PARTNER, `/families/${familyId}`);
    expect(own.status).toBe(200);
    expect(await own.json()).toMatchObject({ gemeente: 'GM0034', regisseur: { rol: 'GI', organisatie: 'samen-veilig' }, kader: 'OTS', perspectief: 'THUIS' });
  });

  it('lets the HTTPS partner read the family it is involved with, and refuses one that is not', async () => {
    const own = await get(HTTPS_PARTNER, `/families/${familyId}`);
    expect(own.status).toBe(200);
    expect(await own.json()).toMatchObject({ gemeente: 'GM0034' });
    const stranger = await get(FEED_PARTNER, `/families/${familyId}`);
    expect(stranger.status).toBe(404);
  });

  it('serves its OpenAPI and AsyncAPI documents, and the AsyncAPI one parses without errors', async () => {
    const openApi = (await (await fetch(`${scenario.hub.url}/api/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(openApi.paths)).toEqual(expect.arrayContaining(['/events', '/feed', '/oauth/token', '/deliveries', '/deliveries/resend']));
    const asyncApi = await (await fetch(`${scenario.hub.url}/asyncapi.json`)).text();
    const { diagnostics, document } = await new Parser().parse(asyncApi);
    expect(diagnostics.filter((d) => d.severity === 0)).toEqual([]);
    expect(document?.channels().all().map((c) => c.address())).toEqual(expect.arrayContaining([`${scenario.prefix}inbound.${HTTPS_PARTNER}`]));
  });
});
