import { collectPersonRefs, maskStringsAt, replaceBsns } from './pseudonymise';

const data = {
  gemeente: 'GM0034',
  kinderen: [{ persoon: { bsn: '111222333' }, geboortedatum: '2014-03-01' }],
  gezagdragers: [{ persoon: { persoonId: '5b0c5d3e-0000-4000-8000-000000000001' }, relatie: 'OUDER' }],
};

describe('pseudonymise', () => {
  it('collects BSN and persoonId references wherever they sit', () => {
    expect(collectPersonRefs(data)).toEqual([{ bsn: '111222333' }, { persoonId: '5b0c5d3e-0000-4000-8000-000000000001' }]);
  });

  it('replaces each BSN by its persoonId and leaves the input alone', () => {
    const out = replaceBsns(data, () => 'p-1');
    expect(JSON.stringify(out)).not.toContain('111222333');
    expect(out.kinderen[0].persoon).toEqual({ persoonId: 'p-1' });
    expect(data.kinderen[0].persoon).toEqual({ bsn: '111222333' });
  });
});

describe('maskStringsAt', () => {
  const upper = (t: string) => t.toUpperCase();
  it('changes only the strings at the paths, in a copy, and counts what changed', () => {
    const data = { toelichting: 'a', zaak: 'z', zorgen: ['b', 'c'], doelen: [{ doel: 'd', wie: 'w' }, { wie: 'x' }], leeg: null };
    const { data: out, changed } = maskStringsAt(data, [['toelichting'], ['zorgen', '*'], ['doelen', '*', 'doel'], ['ontbreekt'], ['leeg', 'x']], upper);
    expect(out).toEqual({ toelichting: 'A', zaak: 'z', zorgen: ['B', 'C'], doelen: [{ doel: 'D', wie: 'w' }, { wie: 'x' }], leeg: null });
    expect(changed).toBe(4);
    expect(data.toelichting).toBe('a');
    expect(Object.keys(out.doelen[1])).toEqual(['wie']);
  });

  it('leaves values of another shape than the path expects as they are', () => {
    const { data, changed } = maskStringsAt({ zorgen: 'geen lijst', toelichting: 5 }, [['zorgen', '*'], ['toelichting']], upper);
    expect(data).toEqual({ zorgen: 'geen lijst', toelichting: 5 });
    expect(changed).toBe(0);
  });
});
