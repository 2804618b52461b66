/**
 * The regie engine end to end on the real broker and database, with the Flevoland region
 * (default table standaard 2025.1): one test per block of the brief's decision table, the rules
 * around it, and the handover package reaching a newly involved partner in one message.
 */
import { chainEvent, hulpvraag, issuedBsns, makeBsn } from '../support/factories';
import { TopicReader } from '../support/partner';
import type { KafkaPartner, Received } from '../support/partner';
import { pollUntil } from '../support/poll';
import { openScenario, type Scenario } from '../support/scenario';

const REGION = { REGION_DIR: 'config/regions/flevoland' };
const PARTNERS = ['toegang-almere', 'toegang-dronten', 'veilig-thuis-flevoland', 'rvdk-flevoland', 'samen-veilig', 'rechtbank-midden-nederland', 'verblijf-flevoland', 'ambulant-flevoland'];
const hub = (name: string) => `nl.ketenhub.hub.${name}.v1`;
/** The Flevoland scenario stays open for the BSN scan that follows it, which closes it. */
let lastScenario: Scenario | undefined;
afterAll(async () => {
  await lastScenario?.close().catch(() => undefined);
});

describe('regie end to end in Flevoland (table standaard)', () => {
  let scenario: Scenario;
  const p = (id: string): KafkaPartner => scenario.partner(id);

  beforeAll(async () => {
    scenario = await openScenario(PARTNERS, REGION);
    lastScenario = scenario;
  });

  /** The next hub event of a type about the family that `cause` started, at a partner. */
  const hubEventAt = (partner: string, type: string, familyOf: () => string | undefined, extra: (m: Received) => boolean = () => true) =>
    p(partner).outbound.waitFor(`${type} at ${partner}`, (m) => m.event?.type === hub(type) && m.event?.familyid === familyOf() && extra(m));

  async function familyIdOf(causeId: string, partner: string): Promise<string> {
    const row = await pollUntil(`the family of ${causeId}`, async () => (await scenario.db.query('SELECT family_id FROM inbox WHERE event_id = $1', [causeId]))[0]);
    void partner;
    return row.family_id as string;
  }

  it('block HULPVRAAG: a family asking local access for help gets local access as regisseur and safety holder, with the row as reason', async () => {
    const request = hulpvraag('toegang-almere', [makeBsn()]);
    await p('toegang-almere').send(request);
    const familyId = await familyIdOf(request.id as string, 'toegang-almere');
    const assigned = await hubEventAt('toegang-almere', 'regisseur-toegewezen', () => familyId);
    expect(assigned.event!.data).toMatchObject({
      regisseur: { rol: 'LOKALE_TOEGANG', organisatie: 'toegang-almere' },
      reden: { tabel: 'standaard', tabelversie: '2025.1', rij: 'HULPVRAAG', oorzaak: request.id },
    });
    await hubEventAt('toegang-almere', 'veiligheid-toegewezen', () => familyId);
    const [record] = await scenario.db.query('SELECT regisseur_role, regisseur_partner, veiligheid_role, row_id FROM regie_of_record WHERE family_id = $1', [familyId]);
    expect(record).toEqual({ regisseur_role: 'LOKALE_TOEGANG', regisseur_partner: 'toegang-almere', veiligheid_role: 'LOKALE_TOEGANG', row_id: 'HULPVRAAG' });
  });

  it('a pointer-only route tells Veilig Thuis who is involved and whom to call, without the content', async () => {
    const child = makeBsn();
    const request = hulpvraag('toegang-almere', [child]);
    await p('toegang-almere').send(request);
    const pointer = await p('veilig-thuis-flevoland').outbound.waitFor('the pointer notice', (m) => m.event?.causationid === request.id);
    expect(pointer.event!.type).toBe('nl.ketenhub.hub.verwijzing.v1');
    expect(pointer.event!.data).toEqual({
      over: { type: 'nl.ketenhub.toegang.hulpvraag-geregistreerd.v1', id: request.id },
      afzender: { partnerId: 'toegang-almere', naam: 'Jeugdgezondheidszorg Almere', rol: 'LOKALE_TOEGANG' },
    });
    const [disclosure] = await scenario.db.query('SELECT legal_basis, data_categories FROM audit_log WHERE message_id = $1', [pointer.event!.id]);
    expect(disclosure).toEqual({ legal_basis: 'VERWIJSINDEX', data_categories: ['nl.ketenhub.toegang.hulpvraag-geregistreerd.v1#verwijzing'] });
  });

  it('block VEILIG THUIS: a police report puts regie with Veilig Thuis, and the agreement to hand it over moves it to local access with a handover', async () => {
    const child = makeBsn();
    const report = chainEvent('veilig-thuis-flevoland', 'veiligthuis.melding-ontvangen', [child], { gemeente: 'GM0034', melder: 'POLITIE' });
    await p('veilig-thuis-flevoland').send(report);
    const familyId = await familyIdOf(report.id as string, 'veilig-thuis-flevoland');
    const toVt = await hubEventAt('veilig-thuis-flevoland', 'regisseur-toegewezen', () => familyId);
    expect(toVt.event!.data).toMatchObject({ regisseur: { rol: 'VEILIG_THUIS', organisatie: 'veilig-thuis-flevoland' }, reden: { rij: 'VT-ANDEREN' } });

    const card = chainEvent('veilig-thuis-flevoland', 'keten.veiligheidskaart-bijdrage', [child], { zorgen: ['Geweld tussen ouders in bijzijn van kind'], schaalscores: [{ scorer: 'veilig-thuis-flevoland', score: 3 }] });
    await p('veilig-thuis-flevoland').send(card);
    const agreement = chainEvent('veilig-thuis-flevoland', 'keten.afspraak-vastgelegd', [child], { soort: 'VT_DRAAGT_REGIE_OVER' });
    await p('veilig-thuis-flevoland').send(agreement);

    const toToegang = await hubEventAt('toegang-almere', 'regisseur-toegewezen', () => familyId);
    expect(toToegang.event!.data).toMatchObject({
      regisseur: { rol: 'LOKALE_TOEGANG', organisatie: 'toegang-almere' },
      vorige: { rol: 'VEILIG_THUIS', organisatie: 'veilig-thuis-flevoland' },
      reden: { rij: 'VT-ANDEREN-AFSPRAAK', oorzaak: agreement.id },
    });
    expect(toToegang.event!.data.overdracht.veiligheidskaart.bijdragen).toEqual([
      expect.objectContaining({ bron: 'veilig-thuis-flevoland', eventId: card.id, bijdrage: expect.objectContaining({ zorgen: ['Geweld tussen ouders in bijzijn van kind'] }) }),
    ]);
    // The previous regisseur hears it too.
    await hubEventAt('veilig-thuis-flevoland', 'regisseur-toegewezen', () => familyId, (m) => m.event!.data.regisseur.rol === 'LOKALE_TOEGANG');
    const history = await scenario.db.query("SELECT from_role, to_role, row_id, cause_event_id FROM regie_history WHERE family_id = $1 AND kind = 'REGISSEUR' ORDER BY id", [familyId]);
    expect(history).toEqual([
      { from_role: null, to_role: 'VEILIG_THUIS', row_id: 'VT-ANDEREN', cause_event_id: report.id },
      { from_role: 'VEILIG_THUIS', to_role: 'LOKALE_TOEGANG', row_id: 'VT-ANDEREN-AFSPRAAK', cause_event_id: agreement.id },
    ]);
  });

  it('block RVDK: Almere bought the preventive framework, so the GI holds safety oversight while the Raad investigates', async () => {
    const child = makeBsn();
    const request = hulpvraag('toegang-almere', [child]);
    await p('toegang-almere').send(request);
    const familyId = await familyIdOf(request.id as string, 'toegang-almere');
    await p('rvdk-flevoland').send(chainEvent('rvdk-flevoland', 'rvdk.verzoek-onderzoek-ontvangen', [child], { gemeente: 'GM0034', verzoeker: 'LOKALE_TOEGANG' }));
    const safety = await hubEventAt('samen-veilig', 'veiligheid-toegewezen', () => familyId);
    expect(safety.event!.data).toMatchObject({ veiligheid: { rol: 'GI', organisatie: 'samen-veilig' }, vorige: { rol: 'LOKALE_TOEGANG' }, reden: { rij: 'RVDK' } });
  });

  it('block GI PREVENTIEF: the preventive justice framework gives the GI safety oversight while local access keeps regie', async () => {
    const child = makeBsn();
    const request = hulpvraag('toegang-almere', [child]);
    await p('toegang-almere').send(request);
    const familyId = await familyIdOf(request.id as string, 'toegang-almere');
    await p('samen-veilig').send(chainEvent('samen-veilig', 'gi.preventief-kader-gestart', [child], { aangemeldDoor: 'LOKALE_TOEGANG' }));
    const safety = await hubEventAt('samen-veilig', 'veiligheid-toegewezen', () => familyId);
    expect(safety.event!.data).toMatchObject({ veiligheid: { rol: 'GI', organisatie: 'samen-veilig' }, reden: { rij: 'GI-PREVENTIEF' } });
    const [record] = await scenario.db.query('SELECT regisseur_partner FROM regie_of_record WHERE family_id = $1', [familyId]);
    expect(record.regisseur_partner).toBe('toegang-almere');
  });

  it('block HULPVRAAG LANGDURIG: Dronten chose the residential provider as regisseur for LANGDURIG_VERBLIJF', async () => {
    const child = makeBsn();
    const request = hulpvraag('toegang-dronten', [child], { gemeente: 'GM0303', perspectief: 'LANGDURIG_VERBLIJF' });
    await p('toegang-dronten').send(request);
    // Dronten's local access places the child (naming the provider makes it involved: PLAATSING).
    await p('toegang-dronten').send(chainEvent('toegang-dronten', 'toegang.verblijf-gestart', [child], { soort: 'REGULIER', aanbieder: 'verblijf-flevoland', gemeente: 'GM0303' }));
    const familyId = await familyIdOf(request.id as string, 'toegang-dronten');
    const assigned = await hubEventAt('verblijf-flevoland', 'regisseur-toegewezen', () => familyId);
    expect(assigned.event!.data).toMatchObject({ regisseur: { rol: 'AANBIEDER', organisatie: 'verblijf-flevoland' }, reden: { rij: 'HULPVRAAG-LANGDURIG' } });
  });

  it('block GI BY THE COURT: a measure moves regie to the GI with the card and plan, and its end moves it back with a complete handover', async () => {
    const child = makeBsn();
    const request = hulpvraag('toegang-almere', [child]);
    await p('toegang-almere').send(request);
    const familyId = await familyIdOf(request.id as string, 'toegang-almere');
    const plan = chainEvent('toegang-almere', 'keten.perspectiefplan-vastgesteld', [child], {
      perspectief: 'THUIS', doelen: [{ levensdomein: 'VEILIGHEID', doel: 'Geen geweld meer thuis' }, { levensdomein: 'INKOMEN_EN_SCHULDEN', doel: 'Schuldhulp gestart' }],
      zorgtrajecten: [{ aanbieder: 'ambulant-flevoland', soort: 'gezinsbegeleiding', kader: 'VRIJWILLIG', start: '2026-09-01' }],
    });
    await p('toegang-almere').send(plan);
    const card = chainEvent('toegang-almere', 'keten.veiligheidskaart-bijdrage', [child], { krachten: ['Oma helpt dagelijks'], visieGezin: 'We willen samen thuis blijven' });
    await p('toegang-almere').send(card);
    // Topics of different partners have no order between them: let the card land before the verdict.
    await familyIdOf(card.id as string, 'toegang-almere');
    const measure = chainEvent('rechtbank-midden-nederland', 'kinderrechter.maatregel-opgelegd', [child], { maatregel: 'OTS', gi: 'samen-veilig', zaakreferentie: 'C/16/123456', tot: '2027-11-23' });
    await p('rechtbank-midden-nederland').send(measure);

    // Data minimisation (route rechter-maatregel-naar-betrokkenen): local access gets the measure and the GI, not the court's case reference.
    const forwarded = await p('toegang-almere').outbound.waitFor('the measure at local access', (m) => m.event?.causationid === measure.id && m.event?.type === measure.type);
    expect(Object.keys(forwarded.event!.data).sort()).toEqual(['gi', 'kinderen', 'maatregel']);
    const [disclosure] = await scenario.db.query('SELECT data_categories, rule_id FROM audit_log WHERE message_id = $1', [forwarded.event!.id]);
    expect(disclosure).toEqual({ rule_id: 'rechter-maatregel-naar-betrokkenen', data_categories: expect.arrayContaining([`${measure.type}#maatregel`, `${measure.type}#gi`]) });

    const toGi = await hubEventAt('samen-veilig', 'regisseur-toegewezen', () => familyId);
    expect(toGi.event!.data).toMatchObject({ regisseur: { rol: 'GI', organisatie: 'samen-veilig' }, vorige: { organisatie: 'toegang-almere' }, reden: { rij: 'GI-RECHTER' } });
    expect(toGi.event!.data.overdracht).toMatchObject({ kader: 'OTS', perspectiefplan: { versie: 1, bron: 'toegang-almere', plan: expect.objectContaining({ perspectief: 'THUIS' }) } });
    expect(toGi.event!.data.overdracht.veiligheidskaart.versie).toBe(1);

    const ended = chainEvent('rechtbank-midden-nederland', 'kinderrechter.maatregel-beeindigd', [child], { maatregel: 'OTS' });
    await p('rechtbank-midden-nederland').send(ended);
    const back = await hubEventAt('toegang-almere', 'regisseur-toegewezen', () => familyId, (m) => m.event!.data.reden.oorzaak === ended.id);
    expect(back.event!.data).toMatchObject({ regisseur: { organisatie: 'toegang-almere' }, vorige: { rol: 'GI', organisatie: 'samen-veilig' }, reden: { rij: 'HULPVRAAG' } });
    expect(back.event!.data.overdracht).toMatchObject({ kader: 'VRIJWILLIG', perspectiefplan: { versie: 1 }, veiligheidskaart: { versie: 1 } });
    expect(back.event!.data.overdracht.geschiedenis.map((h: { type: string }) => h.type)).toContain('nl.ketenhub.kinderrechter.maatregel-beeindigd.v1');
  });

  it('rule: a residential placement in the voluntary framework without regisseur is a regie gap, raised to local access at once', async () => {
    // Local access places a child it has no request for help about: no row of the table gives a regisseur.
    const placement = chainEvent('toegang-almere', 'toegang.verblijf-gestart', [makeBsn()], { soort: 'REGULIER', aanbieder: 'verblijf-flevoland', gemeente: 'GM0034' });
    await p('toegang-almere').send(placement);
    const familyId = await familyIdOf(placement.id as string, 'toegang-almere');
    const gap = await hubEventAt('toegang-almere', 'regie-gat-gesignaleerd', () => familyId);
    expect(gap.event!.data).toMatchObject({ gemeente: 'GM0034' });
    expect(gap.event!.causationid).toBe(placement.id);
  });

  it('rule: an evaluation by the residential provider without the regisseur is signalled to the regisseur', async () => {
    const child = makeBsn();
    const request = hulpvraag('toegang-almere', [child]);
    await p('toegang-almere').send(request);
    const familyId = await familyIdOf(request.id as string, 'toegang-almere');
    // The provider is involved through the placement local access starts (it may not send about a family it has no relation with).
    const placement = chainEvent('toegang-almere', 'toegang.verblijf-gestart', [child], { soort: 'REGULIER', aanbieder: 'verblijf-flevoland', gemeente: 'GM0034' });
    await p('toegang-almere').send(placement);
    await familyIdOf(placement.id as string, 'toegang-almere');
    const evaluation = chainEvent('verblijf-flevoland', 'keten.evaluatie-gehouden', [child], { regisseurAanwezig: false });
    await p('verblijf-flevoland').send(evaluation);
    const signal = await hubEventAt('toegang-almere', 'perspectief-signaal', () => familyId);
    expect(signal.event!.data).toEqual({ soort: 'EVALUATIE_ZONDER_REGISSEUR', bron: 'verblijf-flevoland', oorzaak: evaluation.id });
  });

  it('a partner newly involved receives the current card, plan and history once, in one message', async () => {
    const child = makeBsn();
    const request = hulpvraag('toegang-almere', [child]);
    await p('toegang-almere').send(request);
    const familyId = await familyIdOf(request.id as string, 'toegang-almere');
    await p('toegang-almere').send(chainEvent('toegang-almere', 'keten.veiligheidskaart-bijdrage', [child], { zorgen: ['Schoolverzuim'], schaalscores: [{ scorer: 'GEZIN', score: 6 }] }));
    const plan = chainEvent('toegang-almere', 'keten.perspectiefplan-vastgesteld', [child], { perspectief: 'THUIS', doelen: [{ levensdomein: 'SCHOOL_OF_WERK', doel: 'Weer naar school' }] });
    await p('toegang-almere').send(plan);
    await familyIdOf(plan.id as string, 'toegang-almere');
    const firstVtEvent = chainEvent('veilig-thuis-flevoland', 'veiligthuis.melding-ontvangen', [child], { gemeente: 'GM0034', melder: 'LOKALE_TOEGANG' });
    await p('veilig-thuis-flevoland').send(firstVtEvent);

    const dossier = await hubEventAt('veilig-thuis-flevoland', 'dossier-overgedragen', () => familyId);
    const pkg = dossier.event!.data.overdracht;
    expect(pkg.veiligheidskaart).toMatchObject({ versie: 1, bijdragen: [{ bron: 'toegang-almere', bijdrage: expect.objectContaining({ zorgen: ['Schoolverzuim'] }) }] });
    expect(pkg.perspectiefplan).toMatchObject({ versie: 1, plan: expect.objectContaining({ doelen: [{ levensdomein: 'SCHOOL_OF_WERK', doel: 'Weer naar school' }] }) });
    expect(pkg.regisseur).toEqual({ rol: 'LOKALE_TOEGANG', organisatie: 'toegang-almere' });
    expect(pkg.geschiedenis).toHaveLength(4);
    expect(JSON.stringify(pkg)).not.toContain(child);

    // Once: a second event of the same partner brings no second dossier.
    const second = chainEvent('veilig-thuis-flevoland', 'veiligthuis.onderzoek-gestart', [child]);
    await p('veilig-thuis-flevoland').send(second);
    await pollUntil('the second event to be applied', async () => (await scenario.db.query('SELECT 1 FROM inbox WHERE event_id = $1', [second.id]))[0]);
    await new Promise((r) => setTimeout(r, 500));
    expect(p('veilig-thuis-flevoland').outbound.events(hub('dossier-overgedragen')).filter((e) => e.familyid === familyId)).toHaveLength(1);
  });
});

describe('no BSN leaves the hub', () => {
  it('scans every message on every topic the hub wrote in the Flevoland run, and every log line, for every BSN the partners sent', async () => {
    // Runs after the scenarios above (same file, in order); their hub's topics and logs are what is scanned.
    expect(issuedBsns.length).toBeGreaterThan(15);
    expect(lastScenario).toBeDefined();
    const scenario = lastScenario!;
    const admin = scenario.kafka.admin();
    await admin.connect();
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${scenario.prefix}outbound.`));
    const ends = await Promise.all(topics.map(async (t) => ({ topic: t, count: (await admin.fetchTopicOffsets(t)).reduce((n, p) => n + Number(p.high), 0) })));
    await admin.disconnect();
    const total = ends.reduce((n, e) => n + e.count, 0);
    const reader = await TopicReader.start(scenario.kafka, topics);
    await pollUntil(`all ${total} messages the hub wrote`, () => (reader.messages.length >= total ? true : undefined));
    for (const m of reader.messages) {
      const text = [m.key ?? '', m.value?.toString('utf8') ?? '', JSON.stringify(m.headers)].join('\n');
      for (const bsn of issuedBsns) expect(text.includes(bsn) ? `${m.topic}: ${bsn}` : 'clean').toBe('clean');
    }
    await reader.stop();
    const scanned = reader.messages.length;
    expect(scanned).toBeGreaterThan(50);
    expect(topics.map((t) => t.replace(scenario.prefix, ''))).toEqual(expect.arrayContaining(['outbound.toegang-almere', 'outbound.veilig-thuis-flevoland', 'outbound.samen-veilig']));
    const logs = scenario.hub.logs.join('\n');
    expect(scenario.hub.logs.length).toBeGreaterThan(20);
    for (const bsn of issuedBsns) expect(logs.includes(bsn) ? bsn : 'clean').toBe('clean');
    await scenario.close();
  });
});

describe('West-Brabant West decides differently where the documents differ', () => {
  let scenario: Scenario;
  beforeAll(async () => {
    scenario = await openScenario(['cjg-steenbergen', 'veilig-thuis-west-brabant'], { REGION_DIR: 'config/regions/west-brabant-west' });
  });
  afterAll(async () => {
    await scenario?.close();
  });

  it('a police report to Veilig Thuis leaves regie with the municipal youth professional (Flevoland: Veilig Thuis)', async () => {
    const report = chainEvent('veilig-thuis-west-brabant', 'veiligthuis.melding-ontvangen', [makeBsn()], { gemeente: 'GM0851', melder: 'POLITIE' });
    await scenario.partner('veilig-thuis-west-brabant').send(report);
    const assigned = await scenario.partner('cjg-steenbergen').outbound.waitFor('regisseur-toegewezen at the CJG', (m) => m.event?.type === hub('regisseur-toegewezen'));
    expect(assigned.event!.data).toMatchObject({
      regisseur: { rol: 'LOKALE_TOEGANG', organisatie: 'cjg-steenbergen' },
      reden: { tabel: 'west-brabant-west', rij: 'VT-BETROKKEN', oorzaak: report.id },
    });
    const safety = await scenario.partner('veilig-thuis-west-brabant').outbound.waitFor('veiligheid-toegewezen at Veilig Thuis', (m) => m.event?.type === hub('veiligheid-toegewezen'));
    expect(safety.event!.data.veiligheid).toEqual({ rol: 'VEILIG_THUIS', organisatie: 'veilig-thuis-west-brabant' });
  });
});
