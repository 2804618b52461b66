import { Contracts } from './contracts';
import { decodeCloudEvent } from './decode';

const contracts = Contracts.load();
const options = { maxBytes: 2048, expectedSource: 'urn:ketenhub:partner:toegang-almere' };
const event = {
  specversion: '1.0',
  id: 'e-1',
  source: 'urn:ketenhub:partner:toegang-almere',
  type: 'nl.ketenhub.toegang.hulpvraag-geregistreerd.v1',
  time: '2026-11-23T09:00:00Z',
  data: { gemeente: 'GM0034', toegangsroute: 'GEZIN_ZELF', kinderen: [{ persoon: { bsn: '111222333' }, geboortedatum: '2015-04-01' }] },
};
const bytes = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('decodeCloudEvent', () => {
  it('accepts a valid structured-mode CloudEvent', () => {
    expect(decodeCloudEvent(bytes(event), contracts, options)).toEqual({ ok: true, event });
  });

  it('never quotes the input in a JSON error (it may hold a BSN)', () => {
    const result = decodeCloudEvent(Buffer.from('{"bsn": 111222333'), contracts, options);
    expect(result).toMatchObject({ ok: false, reason: 'ONGELDIGE_JSON' });
    expect(JSON.stringify(result)).not.toContain('111222333');
  });

  it('rejects an empty message as not JSON', () => {
    expect(decodeCloudEvent(null, contracts, options)).toMatchObject({ ok: false, reason: 'ONGELDIGE_JSON' });
  });

  it('checks size before anything else', () => {
    expect(decodeCloudEvent(Buffer.alloc(4096, 0xff), contracts, options)).toMatchObject({ ok: false, reason: 'TE_GROOT' });
  });

  it('names the byte near an invalid UTF-8 sequence', () => {
    const result = decodeCloudEvent(Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xff]), Buffer.from('"}')]), contracts, options);
    expect(result).toMatchObject({ ok: false, reason: 'ONGELDIGE_UTF8', errors: [{ message: expect.stringContaining('offset 6') }] });
  });

  it('keeps id and type of an invalid event so the rejection can name them', () => {
    const result = decodeCloudEvent(bytes({ ...event, specversion: '0.3' }), contracts, options);
    expect(result).toMatchObject({ ok: false, reason: 'ONGELDIGE_ENVELOP', id: 'e-1', type: event.type, errors: [{ pointer: '/specversion', keyword: 'const' }] });
  });

  it('points at the offending field inside data', () => {
    const result = decodeCloudEvent(bytes({ ...event, data: { ...event.data, gemeente: 'Almere' } }), contracts, options);
    expect(result).toMatchObject({ ok: false, reason: 'SCHEMAFOUT', errors: [{ pointer: '/data/gemeente', keyword: 'pattern' }] });
  });

  it('refuses text the hub cannot keep (U+0000, an unpaired surrogate) with a pointer to it, also deep down and in a property name', () => {
    const nul = decodeCloudEvent(Buffer.from(JSON.stringify({ ...event, data: { ...event.data, toelichting: 'a\u0000b' } })), contracts, options);
    expect(nul).toMatchObject({ ok: false, reason: 'ONGELDIGE_JSON', errors: [{ pointer: '/data/toelichting', keyword: 'ketenhub-text' }] });
    const lone = Buffer.from(`{"specversion":"1.0","id":"e-2","data":{"a/b":["x","\\ud800 alone"]}}`);
    expect(decodeCloudEvent(lone, contracts, options)).toMatchObject({ ok: false, errors: [{ pointer: '/data/a~1b/1' }] });
    const key = Buffer.from('{"specversion":"1.0","data":{"x":{"k\\u0000":1}}}');
    expect(decodeCloudEvent(key, contracts, options)).toMatchObject({ ok: false, errors: [{ pointer: '/data/x' }] });
    const deep = Buffer.from(`${'['.repeat(10_000)}"\\u0000"${']'.repeat(10_000)}`);
    expect(decodeCloudEvent(deep, contracts, { ...options, maxBytes: 100_000 })).toMatchObject({ ok: false, reason: 'ONGELDIGE_JSON' });
    // A paired surrogate (an emoji) is ordinary text.
    expect(decodeCloudEvent(bytes({ ...event, data: { ...event.data, zaakreferentie: 'Z-1 \u{1F600}' } }), contracts, options)).toMatchObject({ ok: true });
  });

  it('does not echo an id that breaks the id pattern (it may be any text, a name even)', () => {
    const result = decodeCloudEvent(bytes({ ...event, id: 'Jan de Vries' }), contracts, options);
    expect(result).toMatchObject({ ok: false, reason: 'ONGELDIGE_ENVELOP' });
    expect(result).not.toHaveProperty('id', 'Jan de Vries');
  });

  it('knows every event type from the schema files, with the roles that may publish it', () => {
    expect(contracts.eventTypes()).toEqual(expect.arrayContaining(['nl.ketenhub.toegang.hulpvraag-geregistreerd.v1', 'nl.ketenhub.veiligthuis.triage-afgerond.v1']));
    expect(contracts.publishersOf('nl.ketenhub.veiligthuis.triage-afgerond.v1')).toEqual(['VEILIG_THUIS']);
  });
});
