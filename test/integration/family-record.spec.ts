/**
 * The family record read back through the API, and the same story arriving in another order
 * giving the same record (the iJw standard forbids giving meaning to arrival order).
 */
import { chainEvent, hulpvraag, makeBsn } from '../support/factories';
import { pollUntil } from '../support/poll';
import { openScenario, type Scenario } from '../support/scenario';

const PARTNERS = ['toegang-almere', 'veilig-thuis-flevoland', 'samen-veilig', 'rechtbank-midden-nederland', 'verblijf-flevoland', 'ambulant-flevoland'];
const day = (n: number) => new Date(Date.UTC(2026, 0, 1 + n, 9)).toISOString();

/**
 * One family's story: [sender, event] pairs with the times they happened, in two phases. The
 * first holds the events that give their senders (or the partners they name) a relation with the
 * family; the second the events of partners that need one (docs/REGIE.md, "Who is involved"): a
 * partner's event that overtakes its relation is refused NIET_BETROKKEN, so a shuffle keeps that order.
 */
function story(child: string): Array<Array<[string, Record<string, unknown>]>> {
  return [[
    ['toegang-almere', { ...hulpvraag('toegang-almere', [child], { toegangsroute: 'VERWEZEN_HUISARTS' }), time: day(0) }],
    ['veilig-thuis-flevoland', chainEvent('veilig-thuis-flevoland', 'veiligthuis.melding-ontvangen', [child], { gemeente: 'GM0034', melder: 'POLITIE' }, day(2))],
    ['toegang-almere', chainEvent('toegang-almere', 'toegang.verblijf-gestart', [child], { soort: 'CRISIS', aanbieder: 'verblijf-flevoland', gemeente: 'GM0034' }, day(4))],
    ['rechtbank-midden-nederland', chainEvent('rechtbank-midden-nederland', 'kinderrechter.maatregel-opgelegd', [child], { maatregel: 'OTS', gi: 'samen-veilig' }, day(9))],
  ], [
    ['veilig-thuis-flevoland', chainEvent('veilig-thuis-flevoland', 'keten.veiligheidskaart-bijdrage', [child], { zorgen: ['Ruzie thuis'] }, day(3))],
    ['samen-veilig', chainEvent('samen-veilig', 'keten.veiligheidskaart-bijdrage', [child], { krachten: ['Vader zoekt hulp'] }, day(10))],
    ['samen-veilig', chainEvent('samen-veilig', 'keten.perspectiefplan-vastgesteld', [child], { perspectief: 'THUIS', doelen: [{ levensdomein: 'OPVOEDING', doel: 'Rust in huis' }] }, day(11))],
    ['veilig-thuis-flevoland', chainEvent('veilig-thuis-flevoland', 'veiligthuis.overgedragen-aan-hulp', [child], { aan: 'samen-veilig' }, day(12))],
    ['toegang-almere', chainEvent('toegang-almere', 'toegang.ambulante-hulp-gestart', [child], { aanbieder: 'ambulant-flevoland' }, day(13))],
  ]];
}

/** What must not depend on arrival order; ids differ between the two families, so they are left out. */
function comparable(view: Record<string, any>) {
  return {
    regisseur: view.regisseur, veiligheid: view.veiligheid, kader: view.kader, perspectief: view.perspectief, gemeente: view.gemeente,
    kaart: view.veiligheidskaart.bijdragen.map((b: Record<string, any>) => ({ bron: b.bron, tijd: b.tijd, zorgen: b.bijdrage.zorgen, krachten: b.bijdrage.krachten })),
    plan: view.perspectiefplan && { versie: view.perspectiefplan.versie, bron: view.perspectiefplan.bron, doelen: view.perspectiefplan.plan.doelen },
    geschiedenis: view.geschiedenis.map((h: Record<string, any>) => [h.tijd, h.type, h.bron]),
  };
}

describe('the family record', () => {
  let scenario: Scenario;
  beforeAll(async () => {
    scenario = await openScenario(PARTNERS, { REGION_DIR: 'config/regions/flevoland' });
  });
  afterAll(async () => {
    await scenario?.close();
  });

  /** Sends the events phase by phase (each applied before the next is sent) and answers their one family. */
  async function tell(...phases: Array<Array<[string, Record<string, unknown>]>>): Promise<string> {
    const ids: unknown[] = [];
    let rows: Array<{ family_id: string }> = [];
    for (const events of phases) {
      for (const [sender, event] of events) await scenario.partner(sender).send(event);
      ids.push(...events.map(([, e]) => e.id));
      // One query: with two, an event committed between them was counted but its family not found.
      rows = await pollUntil('every event applied', async () => {
        const found = await scenario.db.query('SELECT family_id FROM inbox WHERE event_id = ANY($1)', [ids]) as Array<{ family_id: string }>;
        return found.length === ids.length ? [...new Set(found.map((r) => r.family_id))].map((family_id) => ({ family_id })) : undefined;
      });
    }
    expect(rows).toHaveLength(1);
    return rows[0].family_id;
  }

  /** Reads as a partner (by default local access, involved in every family here). */
  const get = async (path: string, as = 'toegang-almere') => scenario.api({ sub: as, role: 'PARTNER' }, path);
  const json = async (path: string, as?: string): Promise<Record<string, any>> => (await get(path, as)).json() as Promise<Record<string, any>>;

  it('comes out the same whatever the arrival order of the same events (shuffled orders, table standaard)', async () => {
    const inOrder = await tell(...story(makeBsn()));
    const expected = comparable(await json(`/families/${inOrder}`, 'samen-veilig'));
    expect(expected).toMatchObject({ regisseur: { rol: 'GI', organisatie: 'samen-veilig' }, kader: 'OTS', perspectief: 'THUIS' });

    const orders = [
      ([first, second]: ReturnType<typeof story>) => [[...first].reverse(), [...second].reverse()],
      ([first, second]: ReturnType<typeof story>) => [[first[3], first[1], first[2], first[0]], [second[4], second[1], second[3], second[0], second[2]]],
    ];
    for (const order of orders) {
      const shuffled = await tell(...order(story(makeBsn())));
      expect(comparable(await json(`/families/${shuffled}`, 'samen-veilig'))).toEqual(expected);
      const [a] = await scenario.db.query('SELECT regisseur_role, regisseur_partner, veiligheid_role, row_id FROM regie_of_record WHERE family_id = $1', [inOrder]);
      const [b] = await scenario.db.query('SELECT regisseur_role, regisseur_partner, veiligheid_role, row_id FROM regie_of_record WHERE family_id = $1', [shuffled]);
      expect(b).toEqual(a);
      // Deadlines still ahead. One already due fires as soon as it is known, so whether it fired
      // before a later event would have cancelled it depends on timing, not on the record.
      const timers = async (id: string) => scenario.db.query('SELECT kind, due_at FROM timer WHERE family_id = $1 AND cancelled_at IS NULL AND due_at > now() ORDER BY kind, due_at', [id]);
      expect(await timers(shuffled)).toEqual(await timers(inOrder));
    }
  });

  it('reads back earlier versions of the card and plan, audits each read, and answers 404 as problem+json for an unknown family', async () => {
    const child = makeBsn();
    const familyId = await tell([
      ['toegang-almere', hulpvraag('toegang-almere', [child])],
      ['toegang-almere', chainEvent('toegang-almere', 'keten.veiligheidskaart-bijdrage', [child], { zorgen: ['eerste'] }, day(1))],
      ['toegang-almere', chainEvent('toegang-almere', 'keten.veiligheidskaart-bijdrage', [child], { zorgen: ['tweede'] }, day(2))],
      ['toegang-almere', chainEvent('toegang-almere', 'keten.perspectiefplan-vastgesteld', [child], { perspectief: 'THUIS' }, day(3))],
      ['toegang-almere', chainEvent('toegang-almere', 'keten.perspectiefplan-vastgesteld', [child], { perspectief: 'ZELFSTANDIG' }, day(4))],
    ]);
    const v1 = await json(`/families/${familyId}/veiligheidskaart?versie=1`);
    expect(v1.versie).toBe(1);
    expect(v1.bijdragen.map((b: any) => b.bijdrage.zorgen)).toEqual([['eerste']]);
    const current = await json(`/families/${familyId}/veiligheidskaart`);
    expect(current.bijdragen.map((b: any) => b.bijdrage.zorgen)).toEqual([['eerste'], ['tweede']]);
    expect((await json(`/families/${familyId}/perspectiefplan?versie=1`)).plan.perspectief).toBe('THUIS');
    expect((await json(`/families/${familyId}/perspectiefplan`))).toMatchObject({ versie: 2, plan: { perspectief: 'ZELFSTANDIG' } });
    expect((await get(`/families/${familyId}/perspectiefplan?versie=3`)).status).toBe(404);

    const reads = await scenario.db.query("SELECT count(*)::int AS n FROM audit_log WHERE action = 'READ' AND family_id = $1", [familyId]);
    expect(reads[0].n).toBe(5);

    const missing = await get('/families/00000000-0000-4000-8000-000000000000');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ title: 'FAMILY_NOT_FOUND', status: 404 });
  });

  it('withholds location data while the family has a confidential address, audits what it held back, and routes again once lifted', async () => {
    const child = makeBsn();
    const request = hulpvraag('toegang-almere', [child]);
    const familyId = await tell([['toegang-almere', request]]);
    const marked = chainEvent('toegang-almere', 'keten.geheim-adres-gemarkeerd', [child], { reden: 'OPVANG' });
    await tell([['toegang-almere', marked]]);
    const report = chainEvent('veilig-thuis-flevoland', 'veiligthuis.melding-ontvangen', [child], { gemeente: 'GM0034', melder: 'LOKALE_TOEGANG' });
    await tell([['veilig-thuis-flevoland', report]]);
    const next = chainEvent('veilig-thuis-flevoland', 'veiligthuis.onderzoek-gestart', [child]);
    await tell([['veilig-thuis-flevoland', next]]);

    // The report carries the municipality: held back. The next one carries none: delivered.
    const toegang = scenario.partner('toegang-almere').outbound;
    await toegang.waitFor('the event without location data', (m) => m.event?.causationid === next.id);
    expect(toegang.events().filter((e) => e.causationid === report.id && e.type === report.type)).toHaveLength(0);
    const refused = await scenario.db.query("SELECT recipient_partner_id, rule_id, purpose FROM audit_log WHERE causation_id = $1 AND outcome = 'REFUSED'", [report.id]);
    expect(refused).toEqual([{ recipient_partner_id: 'toegang-almere', rule_id: 'vt-naar-betrokkenen', purpose: expect.stringContaining('confidential address; carries gemeente') }]);

    await tell([['toegang-almere', chainEvent('toegang-almere', 'keten.geheim-adres-opgeheven', [child])]]);
    const again = chainEvent('veilig-thuis-flevoland', 'veiligthuis.melding-ontvangen', [child], { gemeente: 'GM0034', melder: 'LOKALE_TOEGANG' });
    await tell([['veilig-thuis-flevoland', again]]);
    await toegang.waitFor('location data again after the marking is lifted', (m) => m.event?.causationid === again.id && m.event?.data.gemeente === 'GM0034');
    expect(familyId).toEqual(expect.any(String));
  });

  it('shows the contact person the regisseur\'s organisation named', async () => {
    const child = makeBsn();
    const familyId = await tell([
      ['toegang-almere', hulpvraag('toegang-almere', [child])],
      ['toegang-almere', chainEvent('toegang-almere', 'keten.contactpersoon-benoemd', [child], { voor: 'REGIE', naam: 'J. de Vries', functie: 'jeugdverpleegkundige', telefoon: '036-1234567' }, new Date(Date.now() + 1000).toISOString())],
    ]);
    const view = await json(`/families/${familyId}`);
    expect(view.regisseur).toEqual({ rol: 'LOKALE_TOEGANG', organisatie: 'toegang-almere', contactpersoon: { naam: 'J. de Vries', functie: 'jeugdverpleegkundige', telefoon: '036-1234567' } });
  });

  it('has exactly one regisseur of record per family in the database, whatever the number of children', async () => {
    const familyId = await tell([['toegang-almere', hulpvraag('toegang-almere', [makeBsn(), makeBsn(), makeBsn()])]]);
    expect((await scenario.db.query('SELECT count(*)::int AS n FROM regie_of_record WHERE family_id = $1', [familyId]))[0].n).toBe(1);
    await expect(scenario.db.query(
      `INSERT INTO regie_of_record (family_id, regisseur_role, regisseur_partner, row_id, table_name, table_version, config_version, cause_event_id, since)
       VALUES ($1, 'GI', 'samen-veilig', 'X', 't', 'v', 'c', 'e', now())`, [familyId])).rejects.toThrow(/duplicate key value violates unique constraint "regie_of_record_pkey"/);
  });

  it('keeps the event and time of the last change of regie when a later event leaves it as it was', async () => {
    const child = makeBsn();
    const request: Record<string, unknown> = { ...hulpvraag('toegang-almere', [child]), time: day(20) };
    const familyId = await tell([
      ['toegang-almere', request],
      ['toegang-almere', chainEvent('toegang-almere', 'keten.veiligheidskaart-bijdrage', [child], { zorgen: ['Schulden'] }, day(21))],
    ]);
    const [record] = await scenario.db.query('SELECT regisseur_partner, cause_event_id, since FROM regie_of_record WHERE family_id = $1', [familyId]);
    expect(record).toEqual({ regisseur_partner: 'toegang-almere', cause_event_id: request.id as string, since: new Date(day(20)) });
  });

  it('serves its OpenAPI description', async () => {
    const doc = await (await fetch(`${scenario.hub.url}/api/openapi.json`)).json() as Record<string, any>;
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/families/{familyId}', '/families/{familyId}/veiligheidskaart', '/families/{familyId}/perspectiefplan']));
  });
});
