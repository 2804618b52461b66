import { collectPersonRefs, replaceBsns } from './pseudonymise';

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
