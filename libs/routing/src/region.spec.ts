import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Contracts } from '@ketenhub/contracts';
import { repoRoot } from '@ketenhub/config';
import { resolveRecipients } from './recipients';
import { foldFamily } from '@ketenhub/domain';
import { deadlinesOf } from './regie-of-record';
import { loadRegion, RegionConfigError } from './region';

const contracts = Contracts.load();
const demoDir = path.join(repoRoot(), 'config', 'regions', 'demo');
const demoText = fs.readFileSync(path.join(demoDir, 'region.yaml'), 'utf8');

function brokenCopy(edit: (text: string) => string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'region-'));
  fs.writeFileSync(path.join(dir, 'region.yaml'), edit(demoText));
  return dir;
}

function problemsOf(dir: string): string {
  try {
    loadRegion(dir, contracts);
  } catch (error) {
    if (error instanceof RegionConfigError) return error.message;
    throw error;
  }
  throw new Error('expected the region to be refused');
}

describe('region configuration', () => {
  it.each([
    ['flevoland', 6, 'standaard'],
    ['west-brabant-west', 9, 'west-brabant-west'],
  ])('loads the example region %s: %i municipalities, table %s', (name, municipalities, table) => {
    const region = loadRegion(path.join(repoRoot(), 'config', 'regions', name), contracts);
    expect(region.config.municipalities).toHaveLength(municipalities);
    expect(region.regieTable.table).toBe(table);
  });

  it('reads local choices per municipality, with defaults where a municipality sets none', () => {
    const region = loadRegion(path.join(repoRoot(), 'config', 'regions', 'flevoland'), contracts);
    expect(region.localChoices('GM0034')).toEqual({ regieLangdurigVerblijf: 'LOKALE_TOEGANG', preventiefKaderIngekocht: true, integraleFunctionarisAlleLeeftijden: false });
    expect(region.localChoices('GM0995')).toEqual({ regieLangdurigVerblijf: 'LOKALE_TOEGANG', preventiefKaderIngekocht: false, integraleFunctionarisAlleLeeftijden: false });
  });

  const allAgesInLelystad = (t: string) => t.replace('    localAccess: toegang-lelystad\n', '    localAccess: toegang-lelystad\n    lokaleKeuzes:\n      integraleFunctionarisAlleLeeftijden: true\n');

  it('reads the all-ages professional as a local choice of one municipality; absent is false', () => {
    const region = loadRegion(brokenCopy(allAgesInLelystad), contracts);
    expect(region.localChoices('GM0995').integraleFunctionarisAlleLeeftijden).toBe(true);
    expect(region.localChoices('GM0034').integraleFunctionarisAlleLeeftijden).toBe(false);
  });

  it('refuses an all-ages choice that is not true or false, and says where', () => {
    const dir = brokenCopy((t) => allAgesInLelystad(t).replace('integraleFunctionarisAlleLeeftijden: true', 'integraleFunctionarisAlleLeeftijden: ja'));
    const text = fs.readFileSync(path.join(dir, 'region.yaml'), 'utf8');
    const line = text.split('\n').findIndex((l) => l.includes('integraleFunctionarisAlleLeeftijden')) + 1;
    expect(problemsOf(dir)).toContain(`line ${line}, /municipalities/1/lokaleKeuzes/integraleFunctionarisAlleLeeftijden: must be boolean`);
  });

  it('18+: the region sets no handover deadline in a municipality whose regie an all-ages professional holds, and does in the others', () => {
    const region = loadRegion(brokenCopy(allAgesInLelystad), contracts);
    const family = (gemeente: string) => foldFamily([{
      id: `e-${gemeente}`, type: 'nl.ketenhub.toegang.hulpvraag-geregistreerd.v1', time: '2026-03-01T09:00:00Z', source: 'urn:ketenhub:partner:toegang-almere',
      data: { gemeente, toegangsroute: 'GEZIN_ZELF', kinderen: [{ persoon: { persoonId: 'p-1' }, geboortedatum: '2009-06-30' }] },
    }]);
    expect(deadlinesOf(region, family('GM0995')).map((d) => d.kind)).not.toContain('ACHTTIEN_PLUS');
    expect(deadlinesOf(region, family('GM0034')).map((d) => d.kind)).toContain('ACHTTIEN_PLUS');
  });

  it('refuses a region that names a regie table that does not exist', () => {
    expect(problemsOf(brokenCopy((t) => t.replace('region: demo', 'region: demo\nregieTabel: onbekend')))).toContain("no regie table 'onbekend'");
  });

  it('loads the demo region with a content version', () => {
    const region = loadRegion(demoDir, contracts);
    expect(region.config.partners.map((p) => p.id)).toEqual(['toegang-almere', 'toegang-lelystad', 'veilig-thuis-flevoland']);
    expect(region.version).toMatch(/^[0-9a-f]{12}$/);
  });

  it.each([
    ['an undeclared legal basis', (t: string) => t.replace('legalBasis: TOESTEMMING', 'legalBasis: ONBEKEND'), "/routes/0/legalBasis: legal basis 'ONBEKEND' is not declared"],
    ['an unknown event type', (t: string) => t.replace('[nl.ketenhub.toegang.hulpvraag-geregistreerd.v1]', '[nl.ketenhub.toegang.bestaat-niet.v1]'), "/routes/0/events/0: unknown event type"],
    ['an unknown role', (t: string) => t.replace('to: [{ role: VEILIG_THUIS }]', 'to: [{ role: POLITIE }]'), '/routes/0/to/0'],
    ['a local access that is no partner', (t: string) => t.replace('localAccess: toegang-lelystad', 'localAccess: niemand'), "/municipalities/1/localAccess: no partner with id 'niemand'"],
    ['a malformed municipality code', (t: string) => t.replace('code: GM0995', 'code: GM995'), '/municipalities/1/code: must match pattern'],
    ['a route field its event does not have', (t: string) => t.replace('    legalBasis: WMO_2015_ART_5_2_6\n    purpose: zicht op veiligheid', '    fields: [kinderen, uitkomst, adres]\n    legalBasis: WMO_2015_ART_5_2_6\n    purpose: zicht op veiligheid'), "/routes/1/fields/2: 'adres' is not a field of nl.ketenhub.veiligthuis.triage-afgerond.v1"],
    ['a minimised route that drops a required field', (t: string) => t.replace('    legalBasis: WMO_2015_ART_5_2_6\n    purpose: zicht op veiligheid', '    fields: [kinderen]\n    legalBasis: WMO_2015_ART_5_2_6\n    purpose: zicht op veiligheid'), 'must keep its required fields to stay valid: add uitkomst'],
    ['broken YAML', (t: string) => t.replace('partners:', 'partners: [oops'), 'line'],
  ])('refuses %s and says where', (_name, edit, expected) => {
    const message = problemsOf(brokenCopy(edit));
    expect(message).toContain('region.yaml');
    expect(message).toContain(expected);
  });

  it('names the line of the problem', () => {
    const message = problemsOf(brokenCopy((t) => t.replace('legalBasis: TOESTEMMING', 'legalBasis: ONBEKEND')));
    const line = demoText.split('\n').findIndex((l) => l.includes('legalBasis: TOESTEMMING')) + 1;
    expect(message).toContain(`line ${line}, /routes/0/legalBasis`);
  });
});

describe('resolveRecipients', () => {
  const region = loadRegion(demoDir, contracts);

  it('sends a request for help to Veilig Thuis by role, not back to its sender', () => {
    expect(resolveRecipients(region, { eventType: 'nl.ketenhub.toegang.hulpvraag-geregistreerd.v1', senderId: 'toegang-almere', municipality: 'GM0034', involved: ['toegang-almere'] }))
      .toEqual([{ partnerId: 'veilig-thuis-flevoland', routeId: 'hulpvraag-naar-veilig-thuis', legalBasis: 'TOESTEMMING', purpose: 'afstemming zorg en veiligheid' }]);
  });

  it('sends a triage to the involved partners and the municipality\'s local access, each once', () => {
    const recipients = resolveRecipients(region, { eventType: 'nl.ketenhub.veiligthuis.triage-afgerond.v1', senderId: 'veilig-thuis-flevoland', municipality: 'GM0995', involved: ['toegang-almere', 'veilig-thuis-flevoland'] });
    expect(recipients.map((r) => r.partnerId)).toEqual(['toegang-almere', 'toegang-lelystad']);
  });

  it('sends nothing for an event no route names', () => {
    expect(resolveRecipients(region, { eventType: 'nl.ketenhub.hub.bericht-afgewezen.v1', senderId: 'x', involved: [] })).toEqual([]);
  });

  it('applies a route with conditions only when the family\'s kader and perspective meet them, and refuses an unknown kader', () => {
    const conditional = demoText.replace("    to: [{ relation: INVOLVED }, { relation: LOCAL_ACCESS }]\n",
      "    to: [{ relation: INVOLVED }, { relation: LOCAL_ACCESS }]\n    when: { kader: [OTS, VOOGDIJ], perspectief: [THUIS] }\n");
    expect(conditional).not.toBe(demoText);
    const region = loadRegion(brokenCopy(() => conditional), contracts);
    const facts = { eventType: 'nl.ketenhub.veiligthuis.triage-afgerond.v1', senderId: 'veilig-thuis-flevoland', municipality: 'GM0034', involved: ['toegang-almere'] };
    const to = (extra: object) => resolveRecipients(region, { ...facts, ...extra }).map((r) => r.partnerId);
    expect(to({ kader: 'OTS', perspectief: 'THUIS' })).toEqual(['toegang-almere']);
    expect(to({ kader: 'VRIJWILLIG', perspectief: 'THUIS' })).toEqual([]);
    expect(to({ kader: 'VOOGDIJ', perspectief: 'ZELFSTANDIG' })).toEqual([]);
    expect(to({ kader: 'OTS', perspectief: null })).toEqual([]);
    expect(problemsOf(brokenCopy(() => conditional.replace('kader: [OTS, VOOGDIJ]', 'kader: [OTS, JEUGDRECLASSERING]'))))
      .toMatch(/\/routes\/1\/when\/kader\/1: must be equal to one of the allowed values/);
  });

  it('records how a partner connects, and refuses a webhook partner without its https address, saying where', () => {
    const webhook = demoText.replace('    role: VEILIG_THUIS\n', '    role: VEILIG_THUIS\n    connection: { via: HTTPS_WEBHOOK, webhookUrl: "https://vt.example.nl/ketenhub" }\n');
    expect(webhook).not.toBe(demoText);
    expect(loadRegion(brokenCopy(() => webhook), contracts).partner('veilig-thuis-flevoland')?.connection).toEqual({ via: 'HTTPS_WEBHOOK', webhookUrl: 'https://vt.example.nl/ketenhub' });
    const missing = problemsOf(brokenCopy(() => webhook.replace(', webhookUrl: "https://vt.example.nl/ketenhub"', '')));
    expect(missing).toMatch(/\/partners\/2\/connection\/webhookUrl: must have required property 'webhookUrl'/);
    expect(problemsOf(brokenCopy(() => webhook.replace('https://vt.example.nl', 'http://vt.example.nl')))).toMatch(/\/partners\/[0-9]+\/connection\/webhookUrl: must match pattern/);
  });
});
