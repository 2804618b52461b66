import type { CloudEvent, Sample } from './partner-profile';
import { binaryMode, freshEvent, invalidVariant, otherSourceVariant, repeatable, unknownPersonVariant, wrongType, type Freshness } from './sample-events';

const event = (type: string, data: Record<string, unknown>, extra: Partial<CloudEvent> = {}): CloudEvent => ({
  specversion: '1.0', id: `voorbeeld-${type}`, source: 'urn:ketenhub:partner:toegang-almere', type, time: '2026-03-02T08:15:00Z', datacontenttype: 'application/json', data, ...extra,
});
const sample = (type: string, data: Record<string, unknown>, required: string[] = ['kinderen']): Sample => ({ type, event: event(type, data), dataSchema: { type: 'object', required } });

const KAART = 'nl.ketenhub.keten.veiligheidskaart-bijdrage.v1';
const AFSPRAAK = 'nl.ketenhub.keten.afspraak-vastgelegd.v1';
const TOESTEMMING = 'nl.ketenhub.keten.toestemming-gegeven.v1';

function freshness(partnerId = 'jeugdbescherming-brabant'): Freshness {
  let n = 0;
  return {
    partnerId, runTag: 'a1b2c3d4', now: new Date('2026-11-23T10:00:00Z'), otherPartners: ['cjg-roosendaal', 'veilig-thuis-west-brabant'], newId: () => `conformance-${++n}`,
  };
}

describe('freshEvent', () => {
  it('gives the sample a new id, the partner\'s own source and the current time, and drops the hub\'s own extensions', () => {
    const fresh = freshEvent(event(AFSPRAAK, { kinderen: [{ bsn: '999990019' }] }, { familyid: '0b6f3c1e-7a2d-4f9b-8c5e-1d2a3b4c5d6e', causationid: 'x' }), freshness());
    expect(fresh).toEqual({
      specversion: '1.0', id: 'conformance-1', source: 'urn:ketenhub:partner:jeugdbescherming-brabant', type: AFSPRAAK, time: '2026-11-23T10:00:00.000Z',
      datacontenttype: 'application/json', data: { kinderen: [{ bsn: '999990019' }] },
    });
  });

  it('makes a consent\'s reference the run\'s own (a toestemmingId is recorded once) and points it at a partner of this region', () => {
    const original = event(TOESTEMMING, { toestemmingId: 'TS-2026-0045', aan: 'veilig-thuis-flevoland', kinderen: [] });
    const fresh = freshEvent(original, freshness());
    expect(fresh.data).toMatchObject({ toestemmingId: 'TS-2026-0045-a1b2c3d4', aan: 'cjg-roosendaal' });
    // The example itself is left alone, and a partner of the region stays what it was.
    expect(original.data.aan).toBe('veilig-thuis-flevoland');
    expect(freshEvent(event(TOESTEMMING, { toestemmingId: 'T', aan: 'veilig-thuis-west-brabant' }), freshness()).data.aan).toBe('veilig-thuis-west-brabant');
  });

  it('leaves a repeatable sample repeatable and marks a consent as not', () => {
    expect(repeatable(sample(AFSPRAAK, { kinderen: [] }))).toBe(true);
    expect(repeatable(sample(TOESTEMMING, { toestemmingId: 'TS-1' }))).toBe(false);
  });
});

describe('invalidVariant', () => {
  it('removes the first required field present and gives the next field the wrong type, naming both pointers', () => {
    const broken = invalidVariant([sample(AFSPRAAK, { kinderen: [{ bsn: '999990019' }], zaakreferentie: 'VT-2026-1187', soort: 'OVERIG' }, ['kinderen', 'soort'])], freshness())!;
    expect(broken.pointers).toEqual(['/data/kinderen', '/data/zaakreferentie']);
    expect(broken.event.data).toEqual({ zaakreferentie: 34, soort: 'OVERIG' });
  });

  it('skips samples without a required field that is present, and gives up when none has one', () => {
    const samples = [sample('a', { x: 1 }, []), sample('b', { y: 'z' }, ['y'])];
    expect(invalidVariant(samples, freshness())).toMatchObject({ event: { type: 'b', data: {} }, pointers: ['/data/y'] });
    expect(invalidVariant([sample('a', { x: 1 }, ['q'])], freshness())).toBeUndefined();
  });

  it.each([
    ['tekst', 34],
    [3, '3'],
    [true, 'true'],
    [[{ bsn: '999990019' }], 'geen-object'],
    [{ a: 1 }, 'geen-object'],
  ])('gives %j the wrong type %j', (value, wrong) => {
    expect(wrongType(value)).toEqual(wrong);
  });
});

describe('unknownPersonVariant', () => {
  const ids = ['11111111-1111-4111-8111-111111111111', '22222222-2222-4222-8222-222222222222', '33333333-3333-4333-8333-333333333333'];
  const uuid = () => ids.shift()!;

  it('prefers the veiligheidskaart contribution and names every person by a persoonId the hub has never given out', () => {
    const samples = [sample(AFSPRAAK, { kinderen: [{ bsn: '999990019' }] }), sample(KAART, { kinderen: [{ bsn: '999990019' }, { bsn: '999990032' }], zorgen: ['Ruzie thuis'] })];
    const unknown = unknownPersonVariant(samples, freshness(), uuid)!;
    expect(unknown.type).toBe(KAART);
    expect(unknown.data).toEqual({ kinderen: [{ persoonId: '11111111-1111-4111-8111-111111111111' }, { persoonId: '22222222-2222-4222-8222-222222222222' }], zorgen: ['Ruzie thuis'] });
  });

  it('otherwise takes the first sample that names a person by BSN, however deep', () => {
    const samples = [sample('a', { zaak: 'x' }), sample('b', { kinderen: [{ persoon: { bsn: '999990019' }, geboortedatum: '2014-05-21' }] })];
    expect(unknownPersonVariant(samples, freshness(), () => 'p')!.data).toEqual({ kinderen: [{ persoon: { persoonId: 'p' }, geboortedatum: '2014-05-21' }] });
    expect(unknownPersonVariant([sample('a', { zaak: 'x' })], freshness())).toBeUndefined();
  });
});

describe('otherSourceVariant and binaryMode', () => {
  it('sends the sample as another partner of the region', () => {
    expect(otherSourceVariant(sample(AFSPRAAK, { kinderen: [] }), freshness())).toMatchObject({ source: 'urn:ketenhub:partner:cjg-roosendaal', event: { source: 'urn:ketenhub:partner:cjg-roosendaal' } });
    expect(otherSourceVariant(sample(AFSPRAAK, { kinderen: [] }), { ...freshness(), otherPartners: [] })).toBeUndefined();
  });

  it('puts the attributes in ce-* headers and the data in the body', () => {
    const fresh = freshEvent(event(AFSPRAAK, { kinderen: [{ bsn: '999990019' }] }), freshness());
    expect(binaryMode(fresh)).toEqual({
      headers: {
        'content-type': 'application/json', 'ce-specversion': '1.0', 'ce-id': 'conformance-1', 'ce-source': 'urn:ketenhub:partner:jeugdbescherming-brabant',
        'ce-type': AFSPRAAK, 'ce-time': '2026-11-23T10:00:00.000Z',
      },
      body: '{"kinderen":[{"bsn":"999990019"}]}',
    });
  });
});
