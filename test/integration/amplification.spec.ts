/**
 * Issue 21, part 2, first attack: one message that makes the hub's answer huge. A 120 KB event
 * whose `kinderen` holds 60,000 numbers gave 180,003 schema errors, 33 s of validation in which
 * the hub answered nothing, a 15.7 MB 400 over HTTPS and on the bus a rejection too large for the
 * broker, retried for ever in front of every later message. Now: the answer and the rejection
 * are a few kilobytes, list at most 20 errors and say the rest were not listed, the hub stays
 * ready, and a good event sent right after the attack is delivered promptly on both doors.
 */
import { cloudEvent, hulpvraag, toestemming, makeBsn } from '../support/factories';
import { partnerAccessToken } from '../../deploy/local/https-partner';
import { HttpsDoor } from '../support/fuzz/https-door';
import type { KafkaPartner, Received } from '../support/partner';
import { openScenario, type Scenario } from '../support/scenario';
import { testKeys } from '../support/test-env';

const BUS = 'toegang-almere';
const HTTPS = 'toegang-lelystad';
const VT = 'veilig-thuis-flevoland';
const NOTICE = 'nl.ketenhub.hub.bericht-afgewezen.v2';
/** "Promptly": a good event after the attack reaches Veilig Thuis within this (on main it never did). */
const PROMPT_MS = 30_000;

/** The event: valid envelope, `kinderen` 60,000 numbers, about 120 KB. */
function amplifier(partnerId: string): Buffer {
  return Buffer.from(JSON.stringify(cloudEvent({
    source: `urn:ketenhub:partner:${partnerId}`, type: 'nl.ketenhub.veiligthuis.melding-ontvangen.v1',
    data: { kinderen: Array.from({ length: 60_000 }, (_, i) => i % 10), melder: { soort: 'BUURTBEWONER' } },
  })));
}

const headerBytes = (m: Received) => Object.entries(m.headers).reduce((n, [k, v]) => n + k.length + Buffer.byteLength(String(v)), 0);

describe('one message with 180,000 schema errors does not stop the chain', () => {
  const keys = testKeys();
  let scenario: Scenario;
  let bus: KafkaPartner;
  let vt: KafkaPartner;
  let door: HttpsDoor;
  const health: Array<{ status: number; ms: number }> = [];
  let healthTimer: NodeJS.Timeout | undefined;

  beforeAll(async () => {
    scenario = await openScenario([BUS, VT], {}, keys);
    bus = scenario.partner(BUS);
    vt = scenario.partner(VT);
    door = new HttpsDoor(() => scenario.hub.url, HTTPS, Buffer.from(keys.partner, 'base64'));
    healthTimer = setInterval(() => {
      const at = Date.now();
      fetch(`${scenario.hub.url}/health/ready`, { signal: AbortSignal.timeout(10_000) })
        .then((r) => health.push({ status: r.status, ms: Date.now() - at }), () => health.push({ status: 0, ms: Date.now() - at }));
    }, 250);
  }, 180_000);

  afterAll(async () => {
    if (healthTimer) clearInterval(healthTimer);
    await scenario?.close();
  });

  it('on the bus: a rejection of a few kilobytes with 20 errors at most, and the good event after it is delivered promptly', async () => {
    const bad = amplifier(BUS);
    expect(bad.length).toBeGreaterThan(115_000);
    const child = makeBsn();
    const good = hulpvraag(BUS, [child]);
    await bus.send(toestemming(BUS, [child]));
    await bus.send(bad);
    const sentAt = Date.now();
    await bus.send(good);

    await vt.outbound.waitFor('the good event sent right after the attack', (m) => m.event?.causationid === good.id, PROMPT_MS);
    const deliveredMs = Date.now() - sentAt;
    const notice = await bus.outbound.waitFor('the rejection of the attack', (m) => m.event?.type === NOTICE, PROMPT_MS);
    const data = notice.event!.data;
    expect(data.reden).toBe('SCHEMAFOUT');
    expect(data.fouten.length).toBeLessThanOrEqual(20);
    expect(data.fouten[0]).toMatchObject({ pointer: '/data/kinderen', keyword: 'maxItems' });
    expect(data.fouten).toContainEqual(expect.objectContaining({ keyword: 'ketenhub-max-errors' }));
    expect(data.volledigGecontroleerd).toBe(false);
    expect(data.foutenWeggelaten).toBe(0);
    const dead = await scenario.deadLetters.waitFor('its dead letter', (m) => m.headers['ketenhub-origin-offset'] === data.bericht.offset, PROMPT_MS);
    // The dead letter keeps the original bytes sealed with the BSN key (issue 21, part 5).
    expect(scenario.openDeadLetter(dead)!.equals(bad)).toBe(true);
    const sizes = { noticeBody: notice.value!.length, noticeHeaders: headerBytes(notice), deadLetterHeaders: headerBytes(dead), deliveredMs };
    process.stdout.write(`amplification (bus): ${JSON.stringify(sizes)}\n`);
    // Far below the broker's 1 MB: the body and both header sets are each under 8 KB.
    expect(sizes.noticeBody).toBeLessThan(8_192);
    expect(sizes.noticeHeaders).toBeLessThan(8_192);
    expect(sizes.deadLetterHeaders).toBeLessThan(8_192);
  }, 120_000);

  it('over HTTPS: a 400 of a few kilobytes, answered at once, and the good event after it is delivered promptly', async () => {
    const bad = amplifier(HTTPS);
    const token = await partnerAccessToken(scenario.hub.url, HTTPS, Buffer.from(keys.partner, 'base64'));
    const at = Date.now();
    // Not through HttpsDoor (it gives up after 30 s): the size and time of the answer are what is measured.
    const response = await fetch(`${scenario.hub.url}/events`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/cloudevents+json' }, body: bad, signal: AbortSignal.timeout(110_000),
    });
    const text = await response.text();
    const answeredMs = Date.now() - at;
    const bodyBytes = Buffer.byteLength(text);
    process.stdout.write(`amplification (https 400): ${JSON.stringify({ status: response.status, bodyBytes, answeredMs })}\n`);
    expect(response.status).toBe(400);
    const body = JSON.parse(text) as Record<string, any>;
    expect(body).toMatchObject({ reason: 'SCHEMAFOUT', errorsOmitted: 0, checkedInFull: false });
    expect(body.errors.length).toBeLessThanOrEqual(20);
    expect(body.errors[0]).toMatchObject({ pointer: '/data/kinderen', keyword: 'maxItems' });

    const child = makeBsn();
    const good = hulpvraag(HTTPS, [child], { gemeente: 'GM0995' });
    const sentAt = Date.now();
    for (const event of [toestemming(HTTPS, [child], { gemeente: 'GM0995' }), good]) expect((await door.post(Buffer.from(JSON.stringify(event)))).status).toBe(202);
    await vt.outbound.waitFor('the good HTTPS event sent right after the attack', (m) => m.event?.causationid === good.id, PROMPT_MS);
    const deliveredMs = Date.now() - sentAt;
    process.stdout.write(`amplification (https): ${JSON.stringify({ bodyBytes, answeredMs, deliveredMs })}\n`);
    expect(bodyBytes).toBeLessThan(8_192);
    expect(answeredMs).toBeLessThan(5_000);
  }, 120_000);

  it('stayed ready throughout, and no readiness probe waited long', () => {
    const down = health.filter((h) => h.status !== 200);
    const slowest = Math.max(0, ...health.map((h) => h.ms));
    process.stdout.write(`amplification (ready): ${JSON.stringify({ probes: health.length, down: down.length, slowestMs: slowest })}\n`);
    expect({ probes: health.length > 0, down: down.slice(0, 5) }).toEqual({ probes: true, down: [] });
    expect(slowest).toBeLessThan(2_000);
  });
});
