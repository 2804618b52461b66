/**
 * Every row of the handreiking's decision table (docs/DOMAIN.md) (handreiking perspectiefregie, annex B) as a named test on the pure engine,
 * and the West-Brabant West variant (pilot West-Brabant West) where it decides differently.
 */
import { DEFAULT_LOCAL_CHOICES, decide, factsOf, type LocalChoices } from './decision-table';
import { foldFamily } from './family-state';
import { ev, shippedTable } from './regie.fixtures';

const standaard = shippedTable('standaard');
const wbw = shippedTable('west-brabant-west');
const T0 = '2026-03-02T09:00:00Z';
const at = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString();

const hulpvraag = (route = 'GEZIN_ZELF', perspectief?: string) =>
  ev('toegang.hulpvraag-geregistreerd', at(0), { gemeente: 'GM0034', toegangsroute: route, ...(perspectief ? { perspectief } : {}) });
const melding = (melder: string) => ev('veiligthuis.melding-ontvangen', at(10), { melder }, 'vt');

function decision(events: ReturnType<typeof ev>[], choices?: LocalChoices, table = standaard) {
  const d = decide(table, factsOf(foldFamily(events)), choices);
  return { row: d.row, regisseur: d.regisseur, veiligheid: d.veiligheid };
}

describe('default decision table (standaard 2025.1)', () => {
  it.each([['THUIS'], ['ZELFSTANDIG'], [undefined]])('row HULPVRAAG: family asks local access, perspective %s → LOKALE_TOEGANG / LOKALE_TOEGANG', (perspectief) => {
    expect(decision([hulpvraag('GEZIN_ZELF', perspectief)])).toEqual({ row: 'HULPVRAAG', regisseur: 'LOKALE_TOEGANG', veiligheid: 'LOKALE_TOEGANG' });
  });

  it.each([
    ['LOKALE_TOEGANG', 'LOKALE_TOEGANG'],
    ['AANBIEDER', 'AANBIEDER'],
    ['GEMEENTE', 'GEMEENTE'],
  ])('row HULPVRAAG-LANGDURIG: perspective LANGDURIG_VERBLIJF follows the local choice %s, safety with the regisseur', (choice, expected) => {
    const choices: LocalChoices = { ...DEFAULT_LOCAL_CHOICES, regieLangdurigVerblijf: choice as LocalChoices['regieLangdurigVerblijf'], preventiefKaderIngekocht: false };
    expect(decision([hulpvraag('GEZIN_ZELF', 'LANGDURIG_VERBLIJF')], choices)).toEqual({ row: 'HULPVRAAG-LANGDURIG', regisseur: expected, veiligheid: expected });
  });

  it.each(['VERWEZEN_HUISARTS', 'VERWEZEN_MEDISCH_SPECIALIST', 'VERWEZEN_JEUGDARTS'])('rows HULPVRAAG*: a family referred (%s) is decided as one that asked itself', (route) => {
    expect(decision([hulpvraag(route, 'THUIS')])).toEqual({ row: 'HULPVRAAG', regisseur: 'LOKALE_TOEGANG', veiligheid: 'LOKALE_TOEGANG' });
    expect(decision([hulpvraag(route, 'LANGDURIG_VERBLIJF')]).row).toBe('HULPVRAAG-LANGDURIG');
  });

  it('row VT-TOEGANG-TRIAGE: reported to Veilig Thuis by local access, triage → LOKALE_TOEGANG / LOKALE_TOEGANG', () => {
    expect(decision([hulpvraag(), melding('LOKALE_TOEGANG')])).toEqual({ row: 'VT-TOEGANG-TRIAGE', regisseur: 'LOKALE_TOEGANG', veiligheid: 'LOKALE_TOEGANG' });
  });

  it('row VT-TOEGANG-WACHTLIJST: on the waiting list, help goes on → LOKALE_TOEGANG / VEILIG_THUIS', () => {
    const events = [hulpvraag(), melding('LOKALE_TOEGANG'), ev('veiligthuis.triage-afgerond', at(20), { uitkomst: 'WACHTLIJST' }, 'vt')];
    expect(decision(events)).toEqual({ row: 'VT-TOEGANG-WACHTLIJST', regisseur: 'LOKALE_TOEGANG', veiligheid: 'VEILIG_THUIS' });
  });

  it('row VT-TOEGANG-ONDERZOEK: investigation → LOKALE_TOEGANG / VEILIG_THUIS', () => {
    const events = [hulpvraag(), melding('LOKALE_TOEGANG'), ev('veiligthuis.onderzoek-gestart', at(30), {}, 'vt')];
    expect(decision(events)).toEqual({ row: 'VT-TOEGANG-ONDERZOEK', regisseur: 'LOKALE_TOEGANG', veiligheid: 'VEILIG_THUIS' });
  });

  it.each(['PROFESSIONAL', 'POLITIE', 'OMSTANDER'])('row VT-ANDEREN: reported by %s, any phase → VEILIG_THUIS / VEILIG_THUIS', (melder) => {
    expect(decision([melding(melder)])).toEqual({ row: 'VT-ANDEREN', regisseur: 'VEILIG_THUIS', veiligheid: 'VEILIG_THUIS' });
    expect(decision([melding(melder), ev('veiligthuis.onderzoek-gestart', at(30), {}, 'vt')]).row).toBe('VT-ANDEREN');
  });

  it('row VT-ANDEREN-AFSPRAAK: after the agreement that Veilig Thuis hands regie over → LOKALE_TOEGANG / VEILIG_THUIS', () => {
    const events = [melding('POLITIE'), ev('keten.afspraak-vastgelegd', at(40), { soort: 'VT_DRAAGT_REGIE_OVER' })];
    expect(decision(events)).toEqual({ row: 'VT-ANDEREN-AFSPRAAK', regisseur: 'LOKALE_TOEGANG', veiligheid: 'VEILIG_THUIS' });
  });

  it('after Veilig Thuis hands over to help, the first rows decide again', () => {
    const events = [hulpvraag('GEZIN_ZELF', 'THUIS'), melding('POLITIE'), ev('veiligthuis.overgedragen-aan-hulp', at(50), { aan: 'toegang' }, 'vt')];
    expect(decision(events)).toEqual({ row: 'HULPVRAAG', regisseur: 'LOKALE_TOEGANG', veiligheid: 'LOKALE_TOEGANG' });
  });

  it('row GI-PREVENTIEF: preventive justice framework → LOKALE_TOEGANG / GI', () => {
    expect(decision([hulpvraag(), ev('gi.preventief-kader-gestart', at(60), {}, 'gi')])).toEqual({ row: 'GI-PREVENTIEF', regisseur: 'LOKALE_TOEGANG', veiligheid: 'GI' });
  });

  it.each([
    ['rvdk.verzoek-onderzoek-ontvangen', { verzoeker: 'LOKALE_TOEGANG' }],
    ['rvdk.onderzoek-gestart', {}],
    ['kinderrechter.geen-maatregel', {}],
  ])('row RVDK: %s → LOKALE_TOEGANG / GI when the municipality bought the preventive framework, else LOKALE_TOEGANG', (type, data) => {
    const events = [hulpvraag(), ev('rvdk.verzoek-onderzoek-ontvangen', at(60), { verzoeker: 'LOKALE_TOEGANG' }, 'rvdk'), ev(type, at(70), data, 'rvdk')];
    expect(decision(events, { ...DEFAULT_LOCAL_CHOICES, regieLangdurigVerblijf: 'LOKALE_TOEGANG', preventiefKaderIngekocht: true })).toEqual({ row: 'RVDK', regisseur: 'LOKALE_TOEGANG', veiligheid: 'GI' });
    expect(decision(events, { ...DEFAULT_LOCAL_CHOICES, regieLangdurigVerblijf: 'LOKALE_TOEGANG', preventiefKaderIngekocht: false })).toEqual({ row: 'RVDK', regisseur: 'LOKALE_TOEGANG', veiligheid: 'LOKALE_TOEGANG' });
  });

  it.each(['OTS', 'VOOGDIJ'])('row GI-RECHTER: the juvenile court imposes %s → GI / GI, and its end moves regie back', (maatregel) => {
    const imposed = [hulpvraag(), melding('POLITIE'), ev('kinderrechter.maatregel-opgelegd', at(80), { maatregel, gi: 'samen-veilig' }, 'rechter')];
    expect(decision(imposed)).toEqual({ row: 'GI-RECHTER', regisseur: 'GI', veiligheid: 'GI' });
    const ended = [...imposed, ev('veiligthuis.overgedragen-aan-hulp', at(85), {}, 'vt'), ev('kinderrechter.maatregel-beeindigd', at(90), { maatregel }, 'rechter')];
    expect(decision(ended)).toEqual({ row: 'HULPVRAAG', regisseur: 'LOKALE_TOEGANG', veiligheid: 'LOKALE_TOEGANG' });
  });

  it('no row applies to a family known only from a placement: no regisseur', () => {
    expect(decision([ev('toegang.verblijf-gestart', at(0), { soort: 'CRISIS', aanbieder: 'verblijf-a' })])).toEqual({ row: null, regisseur: null, veiligheid: null });
  });
});

describe('West-Brabant West table: only a court measure moves regie away from local access', () => {
  it.each(['PROFESSIONAL', 'POLITIE', 'OMSTANDER'])('a report by %s leaves regie with local access (standaard: Veilig Thuis)', (melder) => {
    const events = [hulpvraag(), melding(melder)];
    expect(decision(events, undefined, wbw)).toEqual({ row: 'VT-BETROKKEN', regisseur: 'LOKALE_TOEGANG', veiligheid: 'VEILIG_THUIS' });
    expect(decision(events).regisseur).toBe('VEILIG_THUIS');
  });

  it('LANGDURIG_VERBLIJF stays with local access whatever the local choice', () => {
    const choices: LocalChoices = { ...DEFAULT_LOCAL_CHOICES, regieLangdurigVerblijf: 'AANBIEDER', preventiefKaderIngekocht: false };
    expect(decision([hulpvraag('GEZIN_ZELF', 'LANGDURIG_VERBLIJF')], choices, wbw).regisseur).toBe('LOKALE_TOEGANG');
    expect(decision([hulpvraag('GEZIN_ZELF', 'LANGDURIG_VERBLIJF')], choices).regisseur).toBe('AANBIEDER');
  });

  it('a court measure moves regie to the GI here too', () => {
    const events = [hulpvraag(), ev('kinderrechter.maatregel-opgelegd', at(80), { maatregel: 'OTS', gi: 'jb-brabant' }, 'rechter')];
    expect(decision(events, undefined, wbw)).toEqual({ row: 'GI-RECHTER', regisseur: 'GI', veiligheid: 'GI' });
  });
});
