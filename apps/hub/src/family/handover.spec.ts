import { foldFamily } from '@ketenhub/domain';
import { handoverPackage, holder, summariseKaart } from './handover';

const ev = (id: string, source: string, time: string, type: string, data: Record<string, unknown>) =>
  ({ id, source, time, type: `nl.ketenhub.${type}.v1`, data: { kinderen: [{ persoonId: 'k1' }], ...data } });

const events = [
  ev('e2', 'samen-veilig', '2026-02-02T09:00:00Z', 'keten.veiligheidskaart-bijdrage', {
    zorgen: ['Vader drinkt'], gevaarsuitspraken: ['Als vader drinkt en de kinderen alleen thuis zijn, kan hij ze verwaarlozen'], bestaandeVeiligheid: ['Oma woont om de hoek'], meningsverschillen: ['Moeder ziet het drinken niet als probleem'], schaalscores: [{ scorer: 'GEZIN', score: 7 }, { scorer: 'samen-veilig', score: 4 }],
    veiligheidsdoelen: [{ doel: 'Niet drinken als de kinderen thuis zijn', afspraak: 'Oma past op', controleur: 'oma' }],
  }),
  ev('e1', 'toegang-almere', '2026-02-01T09:00:00Z', 'keten.veiligheidskaart-bijdrage', {
    zorgen: ['Schoolverzuim'], krachten: ['Oma helpt'], schaalscores: [{ scorer: 'GEZIN', score: 5, toelichting: 'Het gaat soms mis' }], visieGezin: 'Wij willen het zelf oplossen',
  }),
  ev('e4', 'verblijf-a', '2026-02-04T09:00:00Z', 'keten.evaluatie-gehouden', { regisseurAanwezig: false, perspectiefBesproken: true }),
  ev('e3', 'toegang-almere', '2026-02-03T09:00:00Z', 'keten.contactpersoon-benoemd', { voor: 'REGIE', naam: 'J. de Vries', functie: 'jeugdverpleegkundige' }),
];

describe('the current veiligheidskaart, derived', () => {
  it('keeps every statement with who said it and when, in the order it happened, disagreements included', () => {
    const summary = summariseKaart(foldFamily(events).kaart);
    expect(summary.zorgen).toEqual([
      { bron: 'toegang-almere', tijd: '2026-02-01T09:00:00Z', tekst: 'Schoolverzuim' },
      { bron: 'samen-veilig', tijd: '2026-02-02T09:00:00Z', tekst: 'Vader drinkt' },
    ]);
    expect(summary.meningsverschillen).toHaveLength(1);
    expect(summary.gevaarsuitspraken).toEqual([expect.objectContaining({ bron: 'samen-veilig' })]);
    expect(summary.bestaandeVeiligheid).toEqual([expect.objectContaining({ tekst: 'Oma woont om de hoek' })]);
    expect(summary.veiligheidsdoelen).toEqual([expect.objectContaining({ doel: 'Niet drinken als de kinderen thuis zijn', controleur: 'oma', bron: 'samen-veilig' })]);
    expect(summary.visieGezin).toEqual({ bron: 'toegang-almere', tijd: '2026-02-01T09:00:00Z', tekst: 'Wij willen het zelf oplossen' });
  });

  it('holds the latest score of each scorer', () => {
    const scores = summariseKaart(foldFamily(events).kaart).schaalscores;
    expect(scores).toEqual(expect.arrayContaining([
      expect.objectContaining({ scorer: 'GEZIN', score: 7, bron: 'samen-veilig' }),
      expect.objectContaining({ scorer: 'samen-veilig', score: 4 }),
    ]));
    expect(scores).toHaveLength(2);
  });

  it('names the contact person of the organisation that holds regie', () => {
    const state = foldFamily(events);
    expect(holder('LOKALE_TOEGANG', 'toegang-almere', state)).toEqual({
      rol: 'LOKALE_TOEGANG', organisatie: 'toegang-almere', contactpersoon: { naam: 'J. de Vries', functie: 'jeugdverpleegkundige' },
    });
    expect(holder('GI', 'samen-veilig', state)).toEqual({ rol: 'GI', organisatie: 'samen-veilig' });
  });

  it('puts card and history complete in the handover package', () => {
    const pkg = handoverPackage(foldFamily(events), undefined, undefined);
    expect(pkg.veiligheidskaart.versie).toBe(2);
    expect(pkg.veiligheidskaart.bijdragen.map((b) => b.eventId)).toEqual(['e1', 'e2']);
    expect(pkg.geschiedenis).toHaveLength(4);
    expect(pkg.evaluaties).toEqual([{ bron: 'verblijf-a', tijd: '2026-02-04T09:00:00Z', soort: 'GEHOUDEN', regisseurAanwezig: false, perspectiefBesproken: true }]);
    expect(pkg.kader).toBe('VRIJWILLIG');
  });
});
