/**
 * Issue 21, hole 1: knowing a child's BSN was enough to get the family's dossier. On the real
 * broker and database, with the Flevoland region: a provider that is not involved posts an event
 * naming a known child; the hub refuses it (NIET_BETROKKEN) with the same answer as for an unknown
 * child, hands over nothing, audits the attempt and asks the regisseur, who may let it in.
 */
import { requestToken } from '../../deploy/local/https-partner';
import { regionWithConnections } from '../../deploy/local/region-copy';
import { clientSecretOf } from '../../apps/hub/src/gateway/partner-secrets';
import { chainEvent, hulpvraag, makeBsn } from '../support/factories';
import type { KafkaPartner, Received } from '../support/partner';
import { pollUntil } from '../support/poll';
import { openScenario, type Scenario } from '../support/scenario';
import { testKeys } from '../support/test-env';

const REGION = { REGION_DIR: 'config/regions/flevoland' };
const PARTNERS = ['toegang-almere', 'veilig-thuis-flevoland', 'ambulant-flevoland', 'verblijf-flevoland'];
const hub = (name: string) => `nl.ketenhub.hub.${name}.v1`;
const OFFICER = { sub: 'fg-flevoland', role: 'PRIVACY_OFFICER' as const, name: 'M. Bakker (FG)' };

describe('involvement is a relation with authority (issue 21, hole 1)', () => {
  let scenario: Scenario;
  const p = (id: string): KafkaPartner => scenario.partner(id);

  beforeAll(async () => {
    scenario = await openScenario(PARTNERS, REGION);
  });
  afterAll(async () => {
    await scenario?.close();
  });

  const familyOf = async (eventId: unknown): Promise<string> =>
    (await pollUntil(`the family of ${String(eventId)}`, async () => (await scenario.db.query('SELECT family_id FROM inbox WHERE event_id = $1', [eventId]))[0])).family_id as string;
  /** The first message at the partner that the event caused (a rejection, a forward, a hub event). */
  const answerTo = (partner: string, eventId: unknown): Promise<Received> =>
    p(partner).outbound.waitFor(`the answer to ${String(eventId)} at ${partner}`, (m) => m.event?.causationid === eventId);
  const readAs = (partner: string, familyId: string) => scenario.api({ sub: partner, role: 'PARTNER' }, `/families/${familyId}`);

  /** A family of Almere with local access as regisseur and a card by Veilig Thuis, reported by local access. */
  async function familyWithCard(): Promise<{ child: string; familyId: string }> {
    const child = makeBsn();
    const request = hulpvraag('toegang-almere', [child]);
    await p('toegang-almere').send(request);
    const familyId = await familyOf(request.id);
    await p('veilig-thuis-flevoland').send(chainEvent('veilig-thuis-flevoland', 'veiligthuis.melding-ontvangen', [child], { gemeente: 'GM0034', melder: 'LOKALE_TOEGANG' }));
    const card = chainEvent('veilig-thuis-flevoland', 'keten.veiligheidskaart-bijdrage', [child], { zorgen: ['Geweld tussen ouders in bijzijn van kind'] });
    await p('veilig-thuis-flevoland').send(card);
    await familyOf(card.id);
    return { child, familyId };
  }

  it('a provider that only knows the BSN is refused NIET_BETROKKEN, exactly as for an unknown child, gets no dossier, and the regisseur may let it in', async () => {
    const { child, familyId } = await familyWithCard();
    expect((await readAs('ambulant-flevoland', familyId)).status).toBe(404);
    const familiesBefore = Number((await scenario.db.query('SELECT count(*) AS n FROM family'))[0].n);

    // The attack: an event it may publish, naming the child's BSN.
    const attack = chainEvent('ambulant-flevoland', 'keten.afspraak-vastgelegd', [child], { soort: 'OVERIG', omschrijving: 'Intake gepland' });
    await p('ambulant-flevoland').send(attack);
    const answer = await answerTo('ambulant-flevoland', attack.id);
    expect(answer.event!.type).toBe('nl.ketenhub.hub.bericht-afgewezen.v2');
    expect(answer.event!.data.reden).toBe('NIET_BETROKKEN');

    // The same event naming a child the hub does not know: the same answer, and no family started.
    const probe = chainEvent('ambulant-flevoland', 'keten.afspraak-vastgelegd', [makeBsn()], { soort: 'OVERIG', omschrijving: 'Intake gepland' });
    await p('ambulant-flevoland').send(probe);
    const probeAnswer = await answerTo('ambulant-flevoland', probe.id);
    const normalised = (m: Received, eventId: unknown) => m.value!.toString('utf8')
      .replaceAll(String(eventId), '<event id>').replace(m.event!.id, '<message id>').replace(m.event!.time, '<time>')
      .replace(`"offset":"${m.event!.data.bericht.offset}"`, '"offset":"<offset>"');
    expect(normalised(answer, attack.id)).toBe(normalised(probeAnswer, probe.id));
    expect(answer.value!.toString('utf8')).not.toContain(familyId);
    expect(JSON.stringify(answer.headers)).not.toContain(familyId);
    const familiesAfter = Number((await scenario.db.query('SELECT count(*) AS n FROM family'))[0].n);
    expect(familiesAfter).toBe(familiesBefore);
    expect(await scenario.db.query('SELECT event_id FROM inbox WHERE event_id = ANY($1)', [[attack.id, probe.id]])).toEqual([]);

    // Nothing about the family reached the provider, and it still may not read it.
    const toProvider = await scenario.db.query('SELECT message_id FROM outbox WHERE topic = $1 AND family_id IS NOT NULL', [`${scenario.prefix}outbound.ambulant-flevoland`]);
    expect(toProvider).toEqual([]);
    expect(p('ambulant-flevoland').outbound.events(hub('dossier-overgedragen'))).toEqual([]);
    expect((await readAs('ambulant-flevoland', familyId)).status).toBe(404);
    expect(await scenario.db.query('SELECT partner_id FROM involvement WHERE family_id = $1 AND partner_id = $2', [familyId, 'ambulant-flevoland'])).toEqual([]);

    // The regisseur of record is asked, without the refused event's content.
    const request = await p('toegang-almere').outbound.waitFor('the request to be let in', (m) => m.event?.type === hub('betrokkenheid-gevraagd') && m.event?.causationid === attack.id);
    expect(request.event!.familyid).toBe(familyId);
    expect(request.event!.data).toEqual({
      partner: { partnerId: 'ambulant-flevoland', naam: 'Ambulante gezinsbegeleiding Flevoland (example provider)', rol: 'AANBIEDER' },
      verzoek: { id: attack.id, type: attack.type, tijd: expect.any(String) },
    });
    expect(p('toegang-almere').outbound.events(hub('betrokkenheid-gevraagd')).filter((e) => e.causationid === probe.id)).toEqual([]);
    // The attempt is in the privacy officer's trail, with the family; the probe without one.
    const refusedRows = await scenario.db.query(
      "SELECT family_id, actor_partner_id, data_categories, rule_id FROM audit_log WHERE action = 'INVOLVE' AND outcome = 'REFUSED' AND causation_id = ANY($1) ORDER BY family_id NULLS LAST",
      [[attack.id, probe.id]]);
    expect(refusedRows).toEqual([
      { family_id: familyId, actor_partner_id: 'ambulant-flevoland', data_categories: [attack.type], rule_id: 'NIET_BETROKKEN' },
      { family_id: null, actor_partner_id: 'ambulant-flevoland', data_categories: [probe.type], rule_id: 'NIET_BETROKKEN' },
    ]);

    // The regisseur lets it in: the package arrives once, at that moment.
    const grant = chainEvent('toegang-almere', 'keten.betrokkene-toegelaten', [child], { partner: 'ambulant-flevoland', verzoek: attack.id });
    await p('toegang-almere').send(grant);
    const dossier = await p('ambulant-flevoland').outbound.waitFor('the handover package', (m) => m.event?.type === hub('dossier-overgedragen') && m.event?.causationid === grant.id);
    expect(dossier.event!.data.overdracht.veiligheidskaart.bijdragen).toEqual([
      expect.objectContaining({ bron: 'veilig-thuis-flevoland', bijdrage: expect.objectContaining({ zorgen: ['Geweld tussen ouders in bijzijn van kind'] }) }),
    ]);
    const [row] = await scenario.db.query('SELECT relation, basis, first_event_id FROM involvement WHERE family_id = $1 AND partner_id = $2', [familyId, 'ambulant-flevoland']);
    expect(row).toEqual({ relation: 'TOEGELATEN_DOOR_REGISSEUR', basis: 'JEUGDWET_7_4_0', first_event_id: grant.id });

    // Involved now: its own events are accepted, later events reach it by its routes, and no second package comes.
    const own = chainEvent('ambulant-flevoland', 'keten.afspraak-vastgelegd', [child], { soort: 'OVERIG' });
    await p('ambulant-flevoland').send(own);
    await familyOf(own.id);
    const later = chainEvent('toegang-almere', 'keten.evaluatie-gepland', [child], { datum: '2026-12-01' });
    await p('toegang-almere').send(later);
    await answerTo('ambulant-flevoland', later.id);
    expect(p('ambulant-flevoland').outbound.events(hub('dossier-overgedragen'))).toHaveLength(1);
    expect((await readAs('ambulant-flevoland', familyId)).status).toBe(200);
  });

  it('a non-involved partner\'s grant is refused, and so is one by an involved partner that is not the regisseur', async () => {
    const { child, familyId } = await familyWithCard();
    const byOutsider = chainEvent('verblijf-flevoland', 'keten.betrokkene-toegelaten', [child], { partner: 'verblijf-flevoland' });
    await p('verblijf-flevoland').send(byOutsider);
    expect((await answerTo('verblijf-flevoland', byOutsider.id)).event!.data.reden).toBe('NIET_BETROKKEN');
    const byVt = chainEvent('veilig-thuis-flevoland', 'keten.betrokkene-toegelaten', [child], { partner: 'verblijf-flevoland' });
    await p('veilig-thuis-flevoland').send(byVt);
    expect((await answerTo('veilig-thuis-flevoland', byVt.id)).event!.data.reden).toBe('NIET_REGISSEUR');
    expect(await scenario.db.query('SELECT partner_id FROM involvement WHERE family_id = $1 AND partner_id = $2', [familyId, 'verblijf-flevoland'])).toEqual([]);
    expect(p('verblijf-flevoland').outbound.events(hub('dossier-overgedragen'))).toEqual([]);
  });

  it('a provider named in a beschikking becomes involved by that relation, receives the package, and the privacy officer sees who, by which relation and cause', async () => {
    const { child, familyId } = await familyWithCard();
    const beschikking = chainEvent('toegang-almere', 'toegang.beschikking-afgegeven', [child], { soort: 'JEUGDHULP_VERBLIJF', aanbieder: 'verblijf-flevoland' });
    await p('toegang-almere').send(beschikking);
    const dossier = await p('verblijf-flevoland').outbound.waitFor('the handover package', (m) => m.event?.type === hub('dossier-overgedragen') && m.event?.causationid === beschikking.id);
    expect(dossier.event!.familyid).toBe(familyId);

    const involvement = await scenario.db.query('SELECT partner_id, relation, basis, first_event_id FROM involvement WHERE family_id = $1 ORDER BY since, partner_id', [familyId]);
    expect(involvement).toEqual([
      { partner_id: 'toegang-almere', relation: 'LOKALE_TOEGANG', basis: 'JEUGDWET_2_3', first_event_id: expect.any(String) },
      { partner_id: 'veilig-thuis-flevoland', relation: 'MELDING', basis: 'WMO_2015_4_1_1', first_event_id: expect.any(String) },
      { partner_id: 'verblijf-flevoland', relation: 'BESCHIKKING', basis: 'BESCHIKKING', first_event_id: beschikking.id },
    ]);
    const trail = await scenario.api(OFFICER, `/privacy/disclosures?familyId=${familyId}&action=INVOLVE`);
    expect(trail.status).toBe(200);
    const { entries } = await trail.json() as { entries: Array<Record<string, unknown>> };
    expect(entries).toEqual(expect.arrayContaining([
      expect.objectContaining({ actie: 'INVOLVE', uitkomst: 'SUCCESS', ontvanger: 'verblijf-flevoland', actor: 'toegang-almere', regel: 'BESCHIKKING', grondslag: 'BESCHIKKING', oorzaak: beschikking.id }),
      expect.objectContaining({ actie: 'INVOLVE', uitkomst: 'SUCCESS', ontvanger: 'veilig-thuis-flevoland', actor: 'veilig-thuis-flevoland', regel: 'MELDING' }),
      expect.objectContaining({ actie: 'INVOLVE', uitkomst: 'SUCCESS', ontvanger: 'toegang-almere', actor: 'toegang-almere', regel: 'LOKALE_TOEGANG' }),
    ]));
    expect(entries.filter((e) => e.uitkomst === 'SUCCESS')).toHaveLength(3);
  });
});

describe('the same attack over the HTTPS door', () => {
  const keys = testKeys();
  const partnerKey = Buffer.from(keys.partner, 'base64');
  const DOOR = 'ambulant-flevoland';
  let scenario: Scenario;

  beforeAll(async () => {
    scenario = await openScenario(['toegang-almere', 'veilig-thuis-flevoland'], { REGION_DIR: regionWithConnections({ [DOOR]: '{ via: HTTPS_FEED, rateLimitPerSecond: 50 }' }) }, keys);
  });
  afterAll(async () => {
    await scenario?.close();
  });

  let bearer: string | undefined;
  const authorization = async () => {
    bearer ??= `Bearer ${((await (await requestToken(scenario.hub.url, DOOR, clientSecretOf(partnerKey, DOOR))).json()) as { access_token: string }).access_token}`;
    return bearer;
  };
  const post = async (event: Record<string, unknown>) => fetch(`${scenario.hub.url}/events`, {
    method: 'POST', headers: { authorization: await authorization(), 'content-type': 'application/cloudevents+json' }, body: JSON.stringify(event),
  });
  const get = async (path: string) => fetch(`${scenario.hub.url}${path}`, { headers: { authorization: await authorization() } });

  it('posting an event naming a known child: 202, then NIET_BETROKKEN on the feed as for an unknown child, no dossier, GET still 404', async () => {
    const child = makeBsn();
    const request = hulpvraag('toegang-almere', [child]);
    await scenario.partner('toegang-almere').send(request);
    const card = chainEvent('veilig-thuis-flevoland', 'keten.veiligheidskaart-bijdrage', [child], { zorgen: ['Geweld tussen ouders in bijzijn van kind'] });
    await scenario.partner('veilig-thuis-flevoland').send(chainEvent('veilig-thuis-flevoland', 'veiligthuis.melding-ontvangen', [child], { gemeente: 'GM0034', melder: 'LOKALE_TOEGANG' }));
    await scenario.partner('veilig-thuis-flevoland').send(card);
    const [{ family_id: familyId }] = await pollUntil('the card applied', async () => {
      const rows = await scenario.db.query('SELECT family_id FROM inbox WHERE event_id = $1', [card.id]);
      return rows.length > 0 ? rows : undefined;
    });
    expect((await get(`/families/${familyId}`)).status).toBe(404);

    const attack = chainEvent(DOOR, 'keten.afspraak-vastgelegd', [child], { soort: 'OVERIG', omschrijving: 'Intake gepland' });
    const probe = chainEvent(DOOR, 'keten.afspraak-vastgelegd', [makeBsn()], { soort: 'OVERIG', omschrijving: 'Intake gepland' });
    expect((await post(attack)).status).toBe(202);
    expect((await post(probe)).status).toBe(202);
    const events = await pollUntil('both answers on the feed', async () => {
      const body = (await (await get('/feed?wait=5')).json()) as { events: Array<Record<string, any>> };
      const answers = [attack.id, probe.id].map((id) => body.events.find((e) => e.causationid === id));
      return answers.every(Boolean) ? { all: body.events, answers: answers as Array<Record<string, any>> } : undefined;
    });
    const [a, b] = events.answers;
    expect(a.type).toBe('nl.ketenhub.hub.bericht-afgewezen.v2');
    expect(a.data.reden).toBe('NIET_BETROKKEN');
    const normalised = (e: Record<string, any>, eventId: unknown) => JSON.stringify({ ...e, id: '<id>', time: '<time>', causationid: '<event>', data: { ...e.data, bericht: { ...e.data.bericht, offset: '<offset>', id: '<event>' } } })
      .replaceAll(String(eventId), '<event>');
    expect(normalised(a, attack.id)).toBe(normalised(b, probe.id));
    expect(JSON.stringify(events.all)).not.toContain(familyId);
    expect(events.all.filter((e) => e.type === 'nl.ketenhub.hub.dossier-overgedragen.v1')).toEqual([]);
    expect((await get(`/families/${familyId}`)).status).toBe(404);
  });
});
