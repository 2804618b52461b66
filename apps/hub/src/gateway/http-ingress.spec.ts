import { structuredBytes } from './http-ingress';

const json = (result: ReturnType<typeof structuredBytes>) => ('bytes' in result ? JSON.parse(result.bytes.toString('utf8')) : result.refused);

describe('CloudEvents over HTTP: the bytes the bus gets', () => {
  it('takes structured mode as sent, byte for byte', () => {
    const body = Buffer.from('{"specversion":"1.0", "id":"x"}');
    const result = structuredBytes({ contentType: 'application/cloudevents+json; charset=utf-8', headers: {}, body });
    expect('bytes' in result && result.bytes.equals(body)).toBe(true);
  });

  it('turns binary mode into the structured event, attributes from ce- headers (percent-decoded), the body as data, in a stable order', () => {
    const headers = {
      'ce-type': 'nl.ketenhub.keten.veiligheidskaart-bijdrage.v1', 'ce-id': 'e-1', 'ce-specversion': '1.0', 'ce-source': 'urn:ketenhub:partner:a',
      'ce-time': '2026-11-23T10:00:00Z', 'ce-subject': 'zaak%20%C3%A9%C3%A9n', 'content-type': 'application/json',
    };
    const first = structuredBytes({ contentType: 'application/json', headers, body: Buffer.from('{"zorgen": ["x"]}') });
    const again = structuredBytes({ contentType: 'application/json', headers: { ...headers }, body: Buffer.from('{ "zorgen":["x"] }') });
    expect(json(first)).toEqual({
      specversion: '1.0', id: 'e-1', source: 'urn:ketenhub:partner:a', type: 'nl.ketenhub.keten.veiligheidskaart-bijdrage.v1',
      subject: 'zaak één', time: '2026-11-23T10:00:00Z', datacontenttype: 'application/json', data: { zorgen: ['x'] },
    });
    // A retry with the same event gives the same bytes, so the bus's deduplication sees a repeat.
    expect('bytes' in first && 'bytes' in again && first.bytes.equals(again.bytes)).toBe(true);
  });

  it('refuses what is neither mode, a batch, binary data that is not JSON, and broken JSON, each with its reason', () => {
    expect(json(structuredBytes({ contentType: 'text/plain', headers: {}, body: Buffer.from('hoi') }))).toMatchObject({ status: 415, detail: expect.stringContaining('structured mode') });
    expect(json(structuredBytes({ contentType: 'application/cloudevents-batch+json', headers: {}, body: Buffer.from('[]') }))).toMatchObject({ status: 415, detail: expect.stringContaining('batched') });
    expect(json(structuredBytes({ contentType: 'application/xml', headers: { 'ce-specversion': '1.0' }, body: Buffer.from('<a/>') }))).toMatchObject({ status: 415 });
    expect(json(structuredBytes({ contentType: 'application/json', headers: { 'ce-specversion': '1.0' }, body: Buffer.from('{') }))).toMatchObject({ status: 400, reason: 'ONGELDIGE_JSON' });
    // Invalid UTF-8 is refused, not silently turned into U+FFFD and accepted with other text than was sent.
    const badUtf8 = Buffer.concat([Buffer.from('{"zorgen":["'), Buffer.from([0xc3, 0x28]), Buffer.from('"]}')]);
    expect(json(structuredBytes({ contentType: 'application/json', headers: { 'ce-specversion': '1.0' }, body: badUtf8 }))).toMatchObject({ status: 400, reason: 'ONGELDIGE_UTF8' });
  });
});
