import * as path from 'node:path';
import { DiagnosticSeverity, Parser, type Diagnostic, type Input } from '@asyncapi/parser';
import { repoRoot } from '@ketenhub/config';
import { Contracts } from '@ketenhub/contracts';
import { HUB_SOURCE, Topics } from '@ketenhub/messaging';
import { buildAsyncApi, exampleParties } from './asyncapi';
import { loadRegion, type Region } from './region';

const contracts = Contracts.load();
const parser = new Parser();
const HULPVRAAG = 'nl.ketenhub.toegang.hulpvraag-geregistreerd.v1';
const region = (name: string): Region => loadRegion(path.join(repoRoot(), 'config', 'regions', name), contracts);

type Json = Record<string, any>;

/** Parses with @asyncapi/parser; the errors (severity 0) as readable lines, for the failure message. */
async function parse(doc: Json) {
  const { document, diagnostics } = await parser.parse(doc as Input);
  const errors = diagnostics
    .filter((d: Diagnostic) => d.severity === DiagnosticSeverity.Error)
    .map((d: Diagnostic) => `${d.code} at ${d.path.join('/')}: ${d.message}`);
  return { document, errors };
}

describe('buildAsyncApi', () => {
  describe.each(['demo', 'flevoland', 'west-brabant-west'])('for config/regions/%s', (name) => {
    const r = region(name);
    const doc = buildAsyncApi(contracts, r, new Topics()) as Json;
    const partners = r.config.partners;

    it('is a valid AsyncAPI 3.0 document: @asyncapi/parser reports no error', async () => {
      const { document, errors } = await parse(doc);
      expect(errors).toEqual([]);
      expect(document).toBeDefined();
      expect(document?.version()).toBe('3.0.0');
      expect(document?.channels().length).toBe(2 * partners.length + 1);
      expect(document?.operations().length).toBe(2 * partners.length);
      const toegang = partners.find((p) => p.role === 'LOKALE_TOEGANG');
      const vt = partners.find((p) => p.role === 'VEILIG_THUIS');
      if (!toegang || !vt) throw new Error(`${name} needs a LOKALE_TOEGANG and a VEILIG_THUIS partner for this test`);
      expect(document?.channels().get(`inbound.${toegang.id}`)?.messages().has(HULPVRAAG)).toBe(true);
      expect(document?.channels().get(`inbound.${vt.id}`)?.messages().has(HULPVRAAG)).toBe(false);
      expect(document?.channels().get(`outbound.${vt.id}`)?.messages().has(HULPVRAAG)).toBe(true);
    });

    it('lists on each inbound channel exactly the types its partner\'s role may publish', () => {
      for (const partner of partners) {
        const listed = Object.keys(doc.channels[`inbound.${partner.id}`].messages);
        expect(listed).toEqual(contracts.eventTypes().filter((t) => contracts.publishersOf(t).includes(partner.role)));
      }
    });

    it('names in its examples only its own partners and municipalities, except for a role it has no partner for', () => {
      const { partners: legend, municipalities } = contracts.exampleParties;
      const roleless = new Set(legend.filter((p) => !partners.some((q) => q.role === p.role)).flatMap((p) => [p.id, p.name]));
      const own = new Set([...partners.flatMap((p) => [p.id, p.name]), ...r.config.municipalities.map((m) => m.code)]);
      const foreign = new Set([...legend.flatMap((p) => [p.id, p.name]), ...municipalities.map((m) => m.code)].filter((x) => !own.has(x) && !roleless.has(x)));
      const named = new Set<string>();
      const collect = (value: unknown): void => {
        if (typeof value === 'string') named.add(value);
        else if (value !== null && typeof value === 'object') Object.values(value).forEach(collect);
      };
      // The messages' examples and the schemas' own `examples`.
      collect(doc.components);
      expect(legend.length).toBeGreaterThan(0);
      expect([...named].filter((x) => foreign.has(x))).toEqual([]);
    });

    it('gives each partner a send on its inbound channel and a receive on its outbound channel', () => {
      for (const partner of partners) {
        expect(doc.operations[`inbound.${partner.id}.send`]).toMatchObject({ action: 'send', channel: { $ref: `#/channels/inbound.${partner.id}` } });
        expect(doc.operations[`outbound.${partner.id}.receive`]).toMatchObject({ action: 'receive', channel: { $ref: `#/channels/outbound.${partner.id}` } });
      }
    });
  });

  it('fails the parser on a broken document (a channel naming a message that does not exist)', async () => {
    const broken = buildAsyncApi(contracts, region('demo'), new Topics());
    broken.channels = { ...(broken.channels as Json), 'inbound.toegang-almere': {
      ...(broken.channels as Json)['inbound.toegang-almere'],
      messages: { 'nl.ketenhub.toegang.bestaat-niet.v1': { $ref: '#/components/messages/nl.ketenhub.toegang.bestaat-niet.v1' } },
    } };
    const { errors } = await parse(broken);
    expect(errors).toEqual(expect.arrayContaining([expect.stringContaining('nl.ketenhub.toegang.bestaat-niet.v1')]));
  });

  it('uses the real topic names as addresses, prefix included', () => {
    const doc = buildAsyncApi(contracts, region('demo'), new Topics('acc.'), { serverHost: 'kafka.ketenhub.example:9093' }) as Json;
    expect(doc.channels['inbound.toegang-almere'].address).toBe('acc.inbound.toegang-almere');
    expect(doc.channels['outbound.toegang-almere'].address).toBe('acc.outbound.toegang-almere');
    expect(doc.channels['ketenhub.deadletter'].address).toBe('acc.ketenhub.deadletter');
    expect(doc.servers.kafka).toMatchObject({ host: 'kafka.ketenhub.example:9093', protocol: 'kafka' });
    expect(doc.info).toMatchObject({ title: 'Ketenhub Demo-regio (Almere en Lelystad)', version: region('demo').version });
  });

  it.each(['demo', 'flevoland', 'west-brabant-west'])('wraps every schema example in a CloudEvent that the hub itself would accept (%s)', (name) => {
    const doc = buildAsyncApi(contracts, region(name), new Topics()) as Json;
    for (const type of contracts.eventTypes()) {
      const examples = doc.components.messages[type].examples as Array<{ payload: Json }>;
      expect(examples.length).toBeGreaterThan(0);
      for (const { payload } of examples) {
        expect([type, contracts.validateEnvelope(payload)]).toEqual([type, []]);
        expect([type, contracts.validateData(type, payload.data)]).toEqual([type, []]);
        if (contracts.publishersOf(type).includes('HUB')) expect(payload.source).toBe(HUB_SOURCE);
      }
    }
  });

  it('shows the schemas\' own examples unchanged for the region they were written for', () => {
    const doc = buildAsyncApi(contracts, region('flevoland'), new Topics()) as Json;
    for (const type of contracts.eventTypes()) {
      expect([type, (doc.components.messages[type].examples as Array<{ payload: Json }>).map((e) => e.payload.data)]).toEqual([type, contracts.examplesOf(type)]);
    }
  });

  it('maps the examples\' partners to partners of the same role: each its own while there are enough, shared when not', () => {
    const legend = contracts.exampleParties;
    const providers = legend.partners.filter((p) => p.role === 'AANBIEDER').map((p) => p.id);
    expect(providers.length).toBeGreaterThanOrEqual(2);
    const wbw = exampleParties(legend, region('west-brabant-west'));
    expect(providers.map((id) => wbw.get(id))).toEqual(providers.map(() => 'verblijf-west-brabant'));
    expect(wbw.get('GM0034')).toBe('GM0748');
    const demo = region('demo');
    const mapped = exampleParties(legend, demo);
    for (const p of legend.partners) {
      const target = mapped.get(p.id);
      if (target === undefined) expect(demo.config.partners.some((q) => q.role === p.role)).toBe(false);
      else expect(demo.partner(target)?.role).toBe(p.role);
    }
  });

  it('rewrites every $ref between schema files to components.schemas', () => {
    const doc = buildAsyncApi(contracts, region('demo'), new Topics()) as Json;
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]*"/g) ?? [];
    expect(refs.filter((r) => !r.startsWith('"$ref":"#/'))).toEqual([]);
    expect(doc.components.schemas.PersoonRef.oneOf[0].properties.bsn).toEqual({ $ref: '#/components/schemas/Bsn' });
    expect(JSON.stringify(doc.components.schemas)).not.toContain('"$id"');
  });
});
