/**
 * Every class of bad input from issue 2, one at a time on the real broker and database: the
 * sender receives a rejection on its outbound topic that says exactly what was wrong (reason,
 * JSON pointer, keyword), the dead-letter topic keeps the original bytes with the reasons, and
 * the good message sent right after is still delivered.
 */
import { cloudEvent, hulpvraag, makeBsn, triage, toestemming } from '../support/factories';
import type { KafkaPartner, TopicReader } from '../support/partner';
import { openScenario, type Scenario } from '../support/scenario';

const SOURCE = 'urn:ketenhub:partner:toegang-almere';
const MAX_BYTES = 4096;

interface Case {
  name: string;
  bytes: () => Buffer;
  reason: string;
  errors: Array<{ pointer: string; keyword: string }>;
}

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

const cases: Case[] = [
  {
    name: 'malformed JSON',
    bytes: () => Buffer.from('{"specversion": "1.0", "id": '),
    reason: 'ONGELDIGE_JSON',
    errors: [{ pointer: '', keyword: 'json' }],
  },
  {
    name: 'invalid UTF-8',
    bytes: () => Buffer.concat([Buffer.from('{"specversion":"1.0","id":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]),
    reason: 'ONGELDIGE_UTF8',
    errors: [{ pointer: '', keyword: 'utf-8' }],
  },
  {
    name: 'an envelope without time and with an unknown attribute',
    bytes: () => {
      const { time: _time, ...event } = hulpvraag('toegang-almere', [makeBsn()]);
      return json({ ...event, priority: 'high' });
    },
    reason: 'ONGELDIGE_ENVELOP',
    errors: [{ pointer: '/time', keyword: 'required' }, { pointer: '/priority', keyword: 'additionalProperties' }],
  },
  {
    name: 'a payload that fails its schema (missing field, extra field, BSN failing the elfproef, wrong enum)',
    bytes: () => {
      const event = hulpvraag('toegang-almere', [makeBsn()]);
      const data = event.data as Record<string, any>;
      delete data.gemeente;
      data.verzonnen = true;
      data.kinderen[0].persoon = { bsn: '123456789' };
      data.toegangsroute = 'VIA_DE_BUREN';
      return json(event);
    },
    reason: 'SCHEMAFOUT',
    errors: [
      { pointer: '/data/gemeente', keyword: 'required' },
      { pointer: '/data/verzonnen', keyword: 'additionalProperties' },
      { pointer: '/data/toegangsroute', keyword: 'enum' },
      { pointer: '/data/kinderen/0/persoon/bsn', keyword: 'format' },
    ],
  },
  {
    name: 'an unknown event type',
    bytes: () => json(cloudEvent({ source: SOURCE, type: 'nl.ketenhub.toegang.iets-anders.v1', data: {} })),
    reason: 'ONBEKEND_TYPE',
    errors: [{ pointer: '/type', keyword: 'ketenhub-known-type' }],
  },
  {
    name: 'an unknown version of a known type',
    bytes: () => json({ ...hulpvraag('toegang-almere', [makeBsn()]), type: 'nl.ketenhub.toegang.hulpvraag-geregistreerd.v7' }),
    reason: 'ONBEKEND_TYPE',
    errors: [{ pointer: '/type', keyword: 'ketenhub-known-type' }],
  },
  {
    name: 'a source that is not the owner of the inbound topic',
    bytes: () => json({ ...hulpvraag('toegang-almere', [makeBsn()]), source: 'urn:ketenhub:partner:veilig-thuis-flevoland' }),
    reason: 'BRON_KLOPT_NIET',
    errors: [{ pointer: '/source', keyword: 'ketenhub-topic-owner' }],
  },
  {
    name: 'an event type its role may not publish',
    bytes: () => json({ ...triage('veilig-thuis-flevoland', [makeBsn()]), source: SOURCE }),
    reason: 'NIET_TOEGESTAAN',
    errors: [{ pointer: '/type', keyword: 'ketenhub-publisher-role' }],
  },
  {
    name: 'an oversize message',
    bytes: () => json(hulpvraag('toegang-almere', [makeBsn()], { zaakreferentie: 'Z-1', toelichting: 'x'.repeat(3000), extraPadding: 'y'.repeat(2000) })),
    reason: 'TE_GROOT',
    errors: [{ pointer: '', keyword: 'maxBytes' }],
  },
];

describe('bad input on the bus: rejected with its reason to the sender, dead-lettered with its bytes, and the pipeline goes on', () => {
  let scenario: Scenario;
  let toegang: KafkaPartner;
  let vt: KafkaPartner;
  let deadLetters: TopicReader;
  let prefix: string;

  beforeAll(async () => {
    scenario = await openScenario(['toegang-almere', 'veilig-thuis-flevoland'], { MAX_MESSAGE_BYTES: String(MAX_BYTES) });
    ({ deadLetters, prefix } = scenario);
    toegang = scenario.partner('toegang-almere');
    vt = scenario.partner('veilig-thuis-flevoland');
  });

  afterAll(async () => {
    await scenario?.close();
  });

  it.each(cases)('$name → $reason, and the next good message is delivered', async ({ bytes, reason, errors }) => {
    const bad = bytes();
    if (reason === 'TE_GROOT') expect(bad.length).toBeGreaterThan(MAX_BYTES);
    const child = makeBsn();
    const good = hulpvraag('toegang-almere', [child]);
    const before = toegang.outbound.messages.length;
    // The demo region shares requests with Veilig Thuis on consent.
    await toegang.send(toestemming('toegang-almere', [child]));
    await toegang.send(bad);
    await toegang.send(good);

    const notice = await toegang.outbound.waitFor(`the ${reason} rejection`, (m) =>
      toegang.outbound.messages.indexOf(m) >= before && m.event?.type === 'nl.ketenhub.hub.bericht-afgewezen.v2');
    expect(notice.event!.source).toBe('urn:ketenhub:hub');
    expect(notice.event!.data.reden).toBe(reason);
    const reported = notice.event!.data.fouten.map((f: { pointer: string; keyword: string }) => ({ pointer: f.pointer, keyword: f.keyword }));
    expect(reported).toEqual(expect.arrayContaining(errors));
    for (const fout of notice.event!.data.fouten) expect(fout.message).toEqual(expect.any(String));
    const { topic, partition, offset } = notice.event!.data.bericht;
    expect(topic).toBe(`${prefix}inbound.toegang-almere`);

    const dead = await deadLetters.waitFor('its dead letter', (m) =>
      m.headers['ketenhub-origin-partition'] === String(partition) && m.headers['ketenhub-origin-offset'] === offset);
    expect(dead.value!.includes(bad)).toBe(false);
    expect(scenario.openDeadLetter(dead)!.equals(bad)).toBe(true);
    expect(dead.headers['ketenhub-reason']).toBe(reason);
    expect(JSON.parse(dead.headers['ketenhub-errors'])).toEqual(expect.arrayContaining(errors.map((e) => expect.objectContaining(e))));

    await vt.outbound.waitFor('the good message after it', (m) => m.event?.causationid === good.id);
  });

  it('accepts an event id once: a resend is not applied again, the same id with other content is rejected', async () => {
    const [child, next] = [makeBsn(), makeBsn()];
    const event = hulpvraag('toegang-almere', [child]);
    await toegang.send(toestemming('toegang-almere', [child]));
    await toegang.send(event);
    await toegang.send(event);
    await toegang.send({ ...event, data: { ...(event.data as object), perspectief: 'ZELFSTANDIG' } });
    const follower = hulpvraag('toegang-almere', [next]);
    await toegang.send(toestemming('toegang-almere', [next]));
    await toegang.send(follower);

    const notice = await toegang.outbound.waitFor('the id-reuse rejection', (m) => m.event?.data?.reden === 'ID_HERGEBRUIKT');
    expect(notice.event!.data.bericht.id).toBe(event.id);
    await vt.outbound.waitFor('the follower', (m) => m.event?.causationid === follower.id);
    expect(vt.outbound.events().filter((e) => e.causationid === event.id)).toHaveLength(1);
  });
});
