/**
 * The privacy officer's trail and the family's own report, on the real broker and database, with
 * the Flevoland region: every disclosure and read a scenario causes appears in the family's report
 * and nothing else does; the read API answers each requester only what its routes allow; the
 * regisseur sees who read the veiligheidskaart; tokens and roles are enforced and refusals audited.
 */
import { signToken } from '../../apps/hub/src/auth/token';
import { chainEvent, hulpvraag, makeBsn } from '../support/factories';
import { pollUntil } from '../support/poll';
import { openScenario, type Scenario } from '../support/scenario';

const PARTNERS = ['toegang-almere', 'veilig-thuis-flevoland', 'samen-veilig', 'rechtbank-midden-nederland', 'william-schrikker'];
const OFFICER = { sub: 'fg-flevoland', role: 'PRIVACY_OFFICER' as const, name: 'M. Bakker (FG)' };
const as = (partnerId: string) => ({ sub: partnerId, role: 'PARTNER' as const });

describe('the disclosure trail for privacy officers, and reading as a partner', () => {
  let scenario: Scenario;
  let familyA: string;
  let familyB: string;
  const child = makeBsn();
  /** Every message any partner received about a family, by family. */
  const received = (familyId: string) => PARTNERS.flatMap((id) => scenario.partner(id).outbound.events().filter((e) => e.familyid === familyId));

  async function familyOf(eventId: string): Promise<string> {
    const row = await pollUntil(`the family of ${eventId}`, async () => (await scenario.db.query('SELECT family_id FROM inbox WHERE event_id = $1', [eventId]))[0]);
    return row.family_id as string;
  }

  /** Waits until every message the hub wrote for the family has reached its partner. */
  async function settled(familyId: string): Promise<number> {
    return pollUntil('every message for the family delivered', async () => {
      const [{ n }] = await scenario.db.query('SELECT count(*)::int AS n FROM outbox WHERE family_id = $1', [familyId]);
      return n > 0 && received(familyId).length === n ? n : undefined;
    });
  }

  beforeAll(async () => {
    scenario = await openScenario(PARTNERS, { REGION_DIR: 'config/regions/flevoland' });
    const p = (id: string) => scenario.partner(id);
    const request = hulpvraag('toegang-almere', [child]);
    await p('toegang-almere').send(request);
    familyA = await familyOf(request.id as string);
    const report = chainEvent('veilig-thuis-flevoland', 'veiligthuis.melding-ontvangen', [child], { gemeente: 'GM0034', melder: 'POLITIE' });
    await p('veilig-thuis-flevoland').send(report);
    await familyOf(report.id as string);
    await p('veilig-thuis-flevoland').send(chainEvent('veilig-thuis-flevoland', 'keten.veiligheidskaart-bijdrage', [child], { zorgen: ['Ruzie thuis'] }));
    await p('rechtbank-midden-nederland').send(chainEvent('rechtbank-midden-nederland', 'kinderrechter.maatregel-opgelegd', [child], { maatregel: 'OTS', gi: 'samen-veilig', zaakreferentie: 'C/16/123' }));
    const other = hulpvraag('toegang-almere', [makeBsn()]);
    await p('toegang-almere').send(other);
    familyB = await familyOf(other.id as string);
    await pollUntil('GI samen-veilig is regisseur', async () =>
      (await scenario.db.query("SELECT 1 FROM regie_of_record WHERE family_id = $1 AND regisseur_partner = 'samen-veilig'", [familyA]))[0]);
    await settled(familyA);
    await settled(familyB);
  });

  afterAll(async () => {
    await scenario?.close();
  });

  it('refuses a request without a valid token (401) and a token whose role may not read family records (403, audited)', async () => {
    const bare = await fetch(`${scenario.hub.url}/families/${familyA}`);
    expect(bare.status).toBe(401);
    expect(bare.headers.get('www-authenticate')).toContain('Bearer');
    const forged = await signToken(Buffer.alloc(32, 1), as('toegang-almere'));
    expect((await fetch(`${scenario.hub.url}/families/${familyA}`, { headers: { authorization: `Bearer ${forged}` } })).status).toBe(401);

    const officer = await scenario.api(OFFICER, `/families/${familyA}`);
    expect(officer.status).toBe(403);
    const stranger = await scenario.api(as('onbekende-partij'), `/families/${familyA}`);
    expect(stranger.status).toBe(403);
    const refused = await scenario.db.query("SELECT actor_role, actor_person, actor_partner_id FROM audit_log WHERE family_id = $1 AND outcome = 'REFUSED' AND action = 'READ' ORDER BY seq", [familyA]);
    expect(refused).toEqual([
      { actor_role: 'PRIVACY_OFFICER', actor_person: 'M. Bakker (FG)', actor_partner_id: null },
      { actor_role: 'ONBEKEND', actor_person: null, actor_partner_id: 'onbekende-partij' },
    ]);
  });

  it('gives an uninvolved partner nothing and audits the attempt; an involved one what its routes allow', async () => {
    const uninvolved = await scenario.api(as('william-schrikker'), `/families/${familyA}`);
    expect(uninvolved.status).toBe(404);
    const [attempt] = await scenario.db.query("SELECT outcome, purpose FROM audit_log WHERE family_id = $1 AND actor_partner_id = 'william-schrikker'", [familyA]);
    expect(attempt).toEqual({ outcome: 'REFUSED', purpose: expect.stringContaining('niet betrokken') });

    const gi = await (await scenario.api(as('samen-veilig'), `/families/${familyA}`)).json() as Record<string, any>;
    expect(gi.regisseur).toMatchObject({ rol: 'GI', organisatie: 'samen-veilig' });
    expect(gi.veiligheidskaart.bijdragen.map((b: any) => b.bijdrage.zorgen)).toEqual([['Ruzie thuis']]);
    const kaart = await scenario.api(as('toegang-almere'), `/families/${familyA}/veiligheidskaart`);
    expect(kaart.status).toBe(200);
  });

  it('shows the regisseur of record who read the veiligheidskaart, newest first, and no one else', async () => {
    const res = await scenario.api(as('samen-veilig'), `/families/${familyA}/veiligheidskaart/inzage?limit=50`);
    expect(res.status).toBe(200);
    const { inzages } = await res.json() as { inzages: Array<Record<string, any>> };
    const reads = inzages.filter((i) => i.actie === 'READ');
    expect(reads.map((r) => [r.actor, r.gegevens])).toEqual([
      ['toegang-almere', ['veiligheidskaart']],
      ['samen-veilig', ['gezinsdossier', 'veiligheidskaart', 'perspectiefplan']],
    ]);
    // Deliveries that carried the card: the contribution itself and the handover packages.
    expect(inzages.filter((i) => i.actie === 'DISCLOSE').map((d) => d.ontvanger)).toEqual(expect.arrayContaining(['samen-veilig', 'toegang-almere']));
    expect((await scenario.api(as('toegang-almere'), `/families/${familyA}/veiligheidskaart/inzage`)).status).toBe(404);
  });

  it('lists disclosures by family, partner, rule and period, paged, as JSON and CSV, and audits each look', async () => {
    const all = await (await scenario.api(OFFICER, `/privacy/disclosures?familyId=${familyA}&pageSize=1000`)).json() as Record<string, any>;
    expect(all.total).toBe(received(familyA).length);
    expect(new Set(all.entries.map((e: any) => e.bericht))).toEqual(new Set(received(familyA).map((e) => e.id)));

    const minimised = await (await scenario.api(OFFICER, `/privacy/disclosures?rule=rechter-maatregel-naar-betrokkenen&familyId=${familyA}`)).json() as Record<string, any>;
    expect(minimised.total).toBeGreaterThan(0);
    for (const e of minimised.entries) {
      expect(e.gegevens.sort()).toEqual(['gi', 'kinderen', 'maatregel'].map((f) => `nl.ketenhub.kinderrechter.maatregel-opgelegd.v1#${f}`));
      expect(e.grondslag).toBe('JEUGDWET_7_3_11_LID_4');
    }
    const toVt = await (await scenario.api(OFFICER, `/privacy/disclosures?partner=veilig-thuis-flevoland&familyId=${familyB}`)).json() as Record<string, any>;
    expect(toVt.entries.map((e: any) => [e.ontvanger, e.regel, e.gegevens])).toEqual([
      ['veilig-thuis-flevoland', 'hulpvraag-verwijzing', ['nl.ketenhub.toegang.hulpvraag-geregistreerd.v1#verwijzing']],
    ]);
    const future = await (await scenario.api(OFFICER, `/privacy/disclosures?from=2099-01-01`)).json() as Record<string, any>;
    expect(future.total).toBe(0);

    const paged = await scenario.api(OFFICER, `/privacy/disclosures?familyId=${familyA}&pageSize=2`);
    expect(paged.headers.get('x-total-count')).toBe(String(all.total));
    expect(paged.headers.get('link')).toContain('page=2');
    const csv = await scenario.api(OFFICER, `/privacy/disclosures?familyId=${familyA}&pageSize=1000&format=csv`);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = (await csv.text()).trim().split('\n');
    expect(lines[0]).toBe('seq,tijd,actie,uitkomst,gezin,ontvanger,actor,actorRol,persoon,namens,gegevens,grondslag,regel,doel,configVersie,bericht,oorzaak,toegangspunt');
    expect(lines).toHaveLength(all.total + 1);

    expect((await scenario.api(OFFICER, '/privacy/disclosures?from=gisteren')).status).toBe(400);
    expect((await scenario.api(OFFICER, '/privacy/disclosures?action=DELETE')).status).toBe(400);
    expect((await scenario.api(as('toegang-almere'), '/privacy/disclosures')).status).toBe(403);
    const looks = await scenario.db.query("SELECT count(*)::int AS n FROM audit_log WHERE action = 'AUDIT_READ' AND actor_person = 'M. Bakker (FG)'");
    // Six looks at the trail; the two bad queries were refused before anything was read.
    expect(looks[0].n).toBe(6);
  });

  it('finds the family by BSN and reports, in plain Dutch, every disclosure and read about it and nothing else', async () => {
    const lookup = await scenario.api(OFFICER, '/privacy/families/lookup', { method: 'POST', body: JSON.stringify({ bsn: child }), headers: { 'content-type': 'application/json' } });
    expect(await lookup.json()).toEqual({ familyId: familyA });
    expect((await scenario.api(OFFICER, '/privacy/families/lookup', { method: 'POST', body: JSON.stringify({ bsn: '123456789' }), headers: { 'content-type': 'application/json' } })).status).toBe(400);

    const trail = await scenario.db.query('SELECT audit_id, action, outcome, message_id FROM audit_log WHERE family_id = $1 ORDER BY seq', [familyA]);
    const report = await (await scenario.api(OFFICER, `/privacy/families/${familyA}/report?format=json`)).json() as Record<string, any>;
    // Every message delivered about the family is a disclosure in the report, and nothing else is.
    expect(report.verstrekkingen.map((l: any) => l.kenmerk).sort()).toEqual(received(familyA).map((e) => e.id).sort());
    // Every read (and every look at the trail) about the family, and every refusal, exactly once.
    const ids = (rows: Array<Record<string, any>>) => rows.map((r) => r.audit_id).sort();
    expect(report.inzages.map((l: any) => l.auditId).sort()).toEqual(ids(trail.filter((r: any) => !['DISCLOSE', 'INVOLVE'].includes(r.action) && r.outcome === 'SUCCESS')));
    // Every partner that became involved, by its relation (docs/REGIE.md, "Who is involved").
    expect(report.betrokkenen.map((l: any) => l.auditId).sort()).toEqual(ids(trail.filter((r: any) => r.action === 'INVOLVE' && r.outcome === 'SUCCESS')));
    expect(report.betrokkenen.map((l: any) => l.zin).join('\n')).toMatch(/Veilig Thuis Flevoland werd betrokken bij uw gezin \(relatie MELDING\)/);
    expect(report.nietVerstrekt.map((l: any) => l.auditId).sort()).toEqual(ids(trail.filter((r: any) => r.outcome !== 'SUCCESS')));
    expect(report.overig).toEqual([]);
    const other = new Set(received(familyB).map((e) => e.id));
    expect(report.verstrekkingen.filter((l: any) => other.has(l.kenmerk))).toEqual([]);

    // The officer acted for the family: NEN 7513's "on behalf of".
    const [made] = await scenario.db.query("SELECT on_behalf_of FROM audit_log WHERE action = 'AUDIT_READ' AND purpose LIKE 'inzageverzoek%' ORDER BY seq DESC LIMIT 1");
    expect(made).toEqual({ on_behalf_of: `gezin ${familyA}` });
    const text = await (await scenario.api(OFFICER, `/privacy/families/${familyA}/report`)).text();
    expect(text).toContain('Wie kreeg gegevens over uw gezin?');
    expect(text).toMatch(/Veilig Thuis Flevoland ontving het bericht "maatregel opgelegd" \(kinderen, maatregel, gi\) van Rechtbank Midden-Nederland \(kinderrechter\)\. Doel: uitvoering kinderbeschermingsmaatregel\. Grondslag: JEUGDWET_7_3_11_LID_4: Jeugdwet art\. 7\.3\.11 lid 4/);
    expect(text).toMatch(/Jeugdgezondheidszorg Almere bekeek de veiligheidskaart/);
    expect(text).toMatch(/William Schrikker Groep probeerde te bekijken/);
    expect(text).not.toContain(child);
  });
});
