/**
 * The involvement rule as a table: for each (event type, sender, family state), which partners
 * become involved by which relation, or the refusal. One named case per relation and per refusal.
 */
import { foldFamily, type FamilyState } from '../regie/family-state';
import { ev } from '../regie/regie.fixtures';
import { decideInvolvement, type InvolvementFacts, type InvolvementPartner } from './involvement';

const PARTNERS: InvolvementPartner[] = [
  { id: 'toegang-almere', role: 'LOKALE_TOEGANG', municipalities: ['GM0034'] },
  { id: 'toegang-lelystad', role: 'LOKALE_TOEGANG', municipalities: ['GM0995'] },
  { id: 'vt', role: 'VEILIG_THUIS' },
  { id: 'rvdk', role: 'RVDK' },
  { id: 'gi', role: 'GI' },
  { id: 'gi-2', role: 'GI' },
  { id: 'rechter', role: 'KINDERRECHTER' },
  { id: 'verblijf', role: 'AANBIEDER' },
  { id: 'ambulant', role: 'AANBIEDER' },
];
const region: InvolvementFacts['region'] = {
  partner: (id) => PARTNERS.find((p) => p.id === id),
  localAccessOf: (m) => ({ GM0034: 'toegang-almere', GM0995: 'toegang-lelystad' } as Record<string, string>)[m],
};
const T = '2026-03-02T09:00:00Z';

/** A known family of Almere: local access involved (and regisseur), plus whoever else is given. */
function known(extra: string[] = [], opts: { regisseur?: string; state?: FamilyState } = {}): InvolvementFacts['family'] {
  return {
    municipality: 'GM0034', involved: ['toegang-almere', ...extra], regisseur: opts.regisseur ?? 'toegang-almere',
    state: opts.state ?? foldFamily([ev('toegang.hulpvraag-geregistreerd', T, { gemeente: 'GM0034', toegangsroute: 'GEZIN_ZELF' }, 'toegang-almere')]),
  };
}

function decide(sender: string, type: string, data: Record<string, unknown>, family: InvolvementFacts['family']) {
  const e = ev(type, T, data, sender);
  return decideInvolvement({ event: { id: e.id, type: e.type, data: e.data }, sender: region.partner(sender)!, family, region });
}
const accepted = (...involvements: Array<[string, string]>) => ({
  kind: 'ACCEPTED', involvements: involvements.map(([partnerId, relation]) => expect.objectContaining({ partnerId, relation, basis: expect.any(String) })),
});
const refused = (reason: string) => ({ kind: 'REFUSED', reason, detail: expect.any(String) });

describe('decideInvolvement: relations with authority', () => {
  it.each<[string, string, string, Record<string, unknown>, InvolvementFacts['family'], object]>([
    ['LOKALE_TOEGANG: a request for help in its municipality starts the family', 'toegang-almere', 'toegang.hulpvraag-geregistreerd', { gemeente: 'GM0034', toegangsroute: 'GEZIN_ZELF' }, null, accepted(['toegang-almere', 'LOKALE_TOEGANG'])],
    ['LOKALE_TOEGANG: any event of the local access of the family\'s municipality', 'toegang-almere', 'keten.afspraak-vastgelegd', { soort: 'OVERIG' }, { ...known()!, involved: [] }, accepted(['toegang-almere', 'LOKALE_TOEGANG'])],
    ['LOKALE_TOEGANG: a placement it starts in its municipality starts the family and involves the provider', 'toegang-almere', 'toegang.verblijf-gestart', { gemeente: 'GM0034', aanbieder: 'verblijf', soort: 'REGULIER' }, null, accepted(['toegang-almere', 'LOKALE_TOEGANG'], ['verblijf', 'PLAATSING'])],
    ['MELDING: Veilig Thuis through a report, known family', 'vt', 'veiligthuis.melding-ontvangen', { melder: 'POLITIE' }, known(), accepted(['vt', 'MELDING'])],
    ['MELDING: Veilig Thuis through a report, unknown person', 'vt', 'veiligthuis.melding-ontvangen', { melder: 'POLITIE', gemeente: 'GM0034' }, null, accepted(['vt', 'MELDING'])],
    ['VERZOEK_ONDERZOEK: the Raad through a request', 'rvdk', 'rvdk.verzoek-onderzoek-ontvangen', { gemeente: 'GM0034', verzoeker: 'LOKALE_TOEGANG' }, known(), accepted(['rvdk', 'VERZOEK_ONDERZOEK'])],
    ['UITSPRAAK and MAATREGEL: the court by its verdict, the GI it names', 'rechter', 'kinderrechter.maatregel-opgelegd', { maatregel: 'OTS', gi: 'gi' }, known(), accepted(['rechter', 'UITSPRAAK'], ['gi', 'MAATREGEL'])],
    ['PREVENTIEF_KADER: the GI on the report of the involved local access', 'gi', 'gi.preventief-kader-gestart', { aangemeldDoor: 'LOKALE_TOEGANG' }, known(), accepted(['gi', 'PREVENTIEF_KADER'])],
    ['BESCHIKKING: the provider named in the beschikking of local access', 'toegang-almere', 'toegang.beschikking-afgegeven', { soort: 'JEUGDHULP_AMBULANT', aanbieder: 'ambulant' }, known(), accepted(['ambulant', 'BESCHIKKING'])],
    ['PLAATSING: the provider of a placement by the GI of the measure', 'gi', 'toegang.verblijf-gestart', { aanbieder: 'verblijf', soort: 'REGULIER' },
      known(['gi'], { regisseur: 'gi', state: foldFamily([ev('kinderrechter.maatregel-opgelegd', T, { maatregel: 'OTS', gi: 'gi' }, 'rechter')]) }), accepted(['verblijf', 'PLAATSING'])],
    ['PLAATSING: help started by the regisseur (an explicit handover)', 'toegang-almere', 'toegang.ambulante-hulp-gestart', { aanbieder: 'ambulant' }, known(), accepted(['ambulant', 'PLAATSING'])],
    ['OVERDRACHT_VT: the partner Veilig Thuis hands over to', 'vt', 'veiligthuis.overgedragen-aan-hulp', { aan: 'ambulant' }, known(['vt']), accepted(['ambulant', 'OVERDRACHT_VT'])],
    ['TOEGELATEN_DOOR_REGISSEUR: a partner the regisseur of record admits', 'toegang-almere', 'keten.betrokkene-toegelaten', { partner: 'verblijf' }, known(), accepted(['verblijf', 'TOEGELATEN_DOOR_REGISSEUR'])],
    ['an involved partner sends what it may: no new relation', 'verblijf', 'keten.afspraak-vastgelegd', { soort: 'OVERIG' }, known(['verblijf']), accepted()],
    ['a partner named twice is involved once, by the first relation', 'toegang-almere', 'toegang.beschikking-afgegeven', { soort: 'JEUGDHULP_AMBULANT', aanbieder: 'ambulant' }, known(['ambulant']), accepted()],
  ])('%s', (_name, sender, type, data, family, expected) => {
    expect(decide(sender, type, data, family)).toEqual(expected);
  });
});

describe('decideInvolvement: refusals', () => {
  it.each<[string, string, string, Record<string, unknown>, InvolvementFacts['family'], object]>([
    ['NIET_BETROKKEN: a provider not involved names a known child (the attack of issue 21)', 'verblijf', 'keten.afspraak-vastgelegd', { soort: 'OVERIG' }, known(), refused('NIET_BETROKKEN')],
    ['NIET_BETROKKEN: the same event naming an unknown child (no family started, same answer)', 'verblijf', 'keten.afspraak-vastgelegd', { soort: 'OVERIG' }, null, refused('NIET_BETROKKEN')],
    ['NIET_BETROKKEN: a provider placing a child itself does not involve itself', 'verblijf', 'toegang.verblijf-gestart', { aanbieder: 'verblijf', soort: 'CRISIS' }, known(), refused('NIET_BETROKKEN')],
    ['NIET_BETROKKEN: the local access of another municipality', 'toegang-lelystad', 'keten.veiligheidskaart-bijdrage', { zorgen: ['x'] }, known(), refused('NIET_BETROKKEN')],
    ['NIET_BETROKKEN: local access, unknown person, no municipality named', 'toegang-almere', 'keten.afspraak-vastgelegd', { soort: 'OVERIG' }, null, refused('NIET_BETROKKEN')],
    ['NIET_BETROKKEN: Veilig Thuis with anything but a report', 'vt', 'keten.veiligheidskaart-bijdrage', { zorgen: ['x'] }, known(), refused('NIET_BETROKKEN')],
    ['NIET_BETROKKEN: the Raad with anything but a request', 'rvdk', 'rvdk.onderzoek-gestart', {}, known(), refused('NIET_BETROKKEN')],
    ['NIET_BETROKKEN: the GI\'s preventive framework without an involved reporter of that role', 'gi', 'gi.preventief-kader-gestart', { aangemeldDoor: 'RVDK' }, known(), refused('NIET_BETROKKEN')],
    ['NIET_BETROKKEN: the GI\'s preventive framework on an unknown person', 'gi', 'gi.preventief-kader-gestart', { aangemeldDoor: 'LOKALE_TOEGANG' }, null, refused('NIET_BETROKKEN')],
    ['NIET_BETROKKEN: a partner not involved admits another', 'verblijf', 'keten.betrokkene-toegelaten', { partner: 'ambulant' }, known(), refused('NIET_BETROKKEN')],
    ['NIET_REGISSEUR: an involved partner that is not the regisseur admits another', 'verblijf', 'keten.betrokkene-toegelaten', { partner: 'ambulant' }, known(['verblijf']), refused('NIET_REGISSEUR')],
  ])('%s', (_name, sender, type, data, family, expected) => {
    expect(decide(sender, type, data, family)).toEqual(expected);
  });

  it('the refusal for a known and an unknown person is the same', () => {
    const a = decide('verblijf', 'keten.afspraak-vastgelegd', { soort: 'OVERIG' }, known());
    const b = decide('verblijf', 'keten.afspraak-vastgelegd', { soort: 'OVERIG' }, null);
    expect(a).toEqual(b);
  });

  it('an involved provider naming another provider does not involve it', () => {
    expect(decide('verblijf', 'toegang.ambulante-hulp-gestart', { aanbieder: 'ambulant' }, known(['verblijf']))).toEqual(accepted());
  });

  it('a named partner must be a partner of the region with the right role', () => {
    expect(decide('toegang-almere', 'toegang.beschikking-afgegeven', { soort: 'OVERIG', aanbieder: 'gi' }, known())).toEqual(accepted());
    expect(decide('rechter', 'kinderrechter.maatregel-opgelegd', { maatregel: 'OTS', gi: 'nobody' }, known())).toEqual(accepted(['rechter', 'UITSPRAAK']));
  });
});
