import { Contracts } from './contracts';
import { freeTextLabel, freeTextPaths } from './free-text';

const TEXT = { $ref: '../../common/defs.v1.schema.json#/$defs/VrijeTekst' };

describe('freeTextPaths', () => {
  it('finds VrijeTekst fields at the top, in arrays, in objects in arrays and in oneOf branches, and nothing else', () => {
    const schema = {
      type: 'object',
      properties: {
        zaakreferentie: { type: 'string', maxLength: 100 },
        toelichting: TEXT,
        zorgen: { type: 'array', items: TEXT },
        doelen: { type: 'array', items: { type: 'object', properties: { doel: TEXT, controleur: { type: 'string' } } } },
        keuze: { oneOf: [{ type: 'object', properties: { reden: TEXT } }, { type: 'null' }] },
        kind: { $ref: '../../common/defs.v1.schema.json#/$defs/Notitie' },
      },
    };
    const defs = { Notitie: { type: 'object', properties: { tekst: TEXT } } };
    expect(freeTextPaths(schema, defs).map(freeTextLabel).sort()).toEqual(['doelen[].doel', 'keuze.reden', 'kind.tekst', 'toelichting', 'zorgen[]']);
  });

  it('follows a recursive definition only once', () => {
    const defs = { Node: { type: 'object', properties: { tekst: TEXT, kind: { $ref: '../../common/defs.v1.schema.json#/$defs/Node' } } } };
    expect(freeTextPaths({ $ref: '../../common/defs.v1.schema.json#/$defs/Node' }, defs).map(freeTextLabel)).toEqual(['tekst']);
  });

  it('knows the free text of the real schemas (veiligheidskaart-bijdrage, hulpvraag)', () => {
    const contracts = Contracts.load();
    const bijdrage = contracts.freeTextOf('nl.ketenhub.keten.veiligheidskaart-bijdrage.v1').map(freeTextLabel);
    expect(bijdrage).toEqual(expect.arrayContaining(['zorgen[]', 'krachten[]', 'veiligheidsdoelen[].doel', 'veiligheidsdoelen[].afspraak', 'schaalscores[].toelichting', 'visieGezin']));
    expect(bijdrage).not.toContain('zaakreferentie');
    expect(contracts.freeTextOf('nl.ketenhub.toegang.hulpvraag-geregistreerd.v1').map(freeTextLabel)).toContain('toelichting');
    expect(contracts.freeTextOf('nl.ketenhub.unknown.v1')).toEqual([]);
  });
});
