/** The information manager's command line: `npm run config -- validate | diff | explain`. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from '../support/test-env';

const cli = (...args: string[]) => {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'apps', 'hub', 'src', 'cli', 'config.js'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, out: r.stdout, err: r.stderr };
};
const region = (name: string) => path.join(ROOT, 'config', 'regions', name);

function copyWith(name: string, edit: (text: string) => string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${name}-`));
  fs.writeFileSync(path.join(dir, 'region.yaml'), edit(fs.readFileSync(path.join(region(name), 'region.yaml'), 'utf8')));
  return dir;
}

describe('npm run config', () => {
  it.each(['flevoland', 'west-brabant-west', 'demo'])('validate: the example region %s is valid (exit 0)', (name) => {
    const { status, out } = cli('validate', region(name));
    expect(status).toBe(0);
    expect(out).toMatch(new RegExp(`^valid: region ${name} `));
  });

  it('validate: a broken copy fails with exit 1, naming file, line, path and problem', () => {
    const dir = copyWith('flevoland', (t) => t.replace('legalBasis: BW_1_240', 'legalBasis: BW_1_241'));
    const { status, err } = cli('validate', dir);
    expect(status).toBe(1);
    expect(err).toContain(path.join(dir, 'region.yaml'));
    expect(err).toMatch(/line \d+, \/routes\/1\/legalBasis: legal basis 'BW_1_241' is not declared under legalBases/);
  });

  it('diff: says what changed between two versions', () => {
    const dir = copyWith('flevoland', (t) => t.replace('preventiefKaderIngekocht: true', 'preventiefKaderIngekocht: false').replace('  - id: regie-gat\n', '  - id: regie-gat-nieuw\n'));
    const { status, out } = cli('diff', region('flevoland'), dir);
    expect(status).toBe(0);
    expect(out).toContain('~ municipality GM0034: lokaleKeuzes');
    expect(out).toContain('+ route regie-gat-nieuw');
    expect(out).toContain('- route regie-gat');
    expect(cli('diff', region('flevoland'), region('flevoland')).out.trim()).toBe('no differences');
  });

  it('the all-ages professional (no 18+ handover): diff shows the change, explain the choice in force, validate refuses a non-boolean saying where', () => {
    const allAges = (value: string) => copyWith('flevoland', (t) => t.replace(
      '{ code: GM0995, name: Lelystad, localAccess: toegang-lelystad }',
      `{ code: GM0995, name: Lelystad, localAccess: toegang-lelystad, lokaleKeuzes: { integraleFunctionarisAlleLeeftijden: ${value} } }`,
    ));
    const dir = allAges('true');
    const diff = cli('diff', region('flevoland'), dir);
    expect(diff.status).toBe(0);
    expect(diff.out).toContain('~ municipality GM0995: lokaleKeuzes (none) → {"integraleFunctionarisAlleLeeftijden":true}');

    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'event-')), 'hulpvraag.json');
    fs.writeFileSync(file, JSON.stringify({
      specversion: '1.0', id: 'h-18', source: 'urn:ketenhub:partner:toegang-lelystad', type: 'nl.ketenhub.toegang.hulpvraag-geregistreerd.v1', time: '2026-11-23T10:00:00Z',
      data: { zaakreferentie: 'Z-18', gemeente: 'GM0995', toegangsroute: 'GEZIN_ZELF', kinderen: [{ persoon: { bsn: '111222333' }, geboortedatum: '2009-01-15' }], perspectief: 'THUIS' },
    }));
    const explained = cli('explain', dir, file);
    expect(explained.status).toBe(0);
    expect(explained.out).toContain('local choices of GM0995: regieLangdurigVerblijf LOKALE_TOEGANG, preventiefKaderIngekocht false, integraleFunctionarisAlleLeeftijden true (no 18+ handover deadline)');
    expect(cli('explain', region('flevoland'), file).out).toContain('integraleFunctionarisAlleLeeftijden false');

    const broken = allAges('"ja"');
    const refused = cli('validate', broken);
    expect(refused.status).toBe(1);
    expect(refused.err).toContain(path.join(broken, 'region.yaml'));
    const line = fs.readFileSync(path.join(broken, 'region.yaml'), 'utf8').split('\n').findIndex((l) => l.includes('integraleFunctionarisAlleLeeftijden')) + 1;
    expect(refused.err).toContain(`line ${line}, /municipalities/2/lokaleKeuzes/integraleFunctionarisAlleLeeftijden: must be boolean`);
  });

  it('explain: who would receive an event under which rule and legal basis, without sending', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'event-')), 'melding.json');
    fs.writeFileSync(file, JSON.stringify({
      specversion: '1.0', id: 'm-1', source: 'urn:ketenhub:partner:veilig-thuis-flevoland', type: 'nl.ketenhub.veiligthuis.melding-ontvangen.v1',
      time: '2026-11-23T10:00:00Z', data: { kinderen: [{ bsn: '111222333' }], gemeente: 'GM0995', melder: 'POLITIE' },
    }));
    const { status, out } = cli('explain', region('flevoland'), file, '--involved', 'samen-veilig');
    expect(status).toBe(0);
    expect(out).toContain('→ samen-veilig: all fields of data (BSNs as persoonId), rule vt-naar-betrokkenen, legal basis WMO_2015_ART_5_2_6');
    expect(out).toContain('→ toegang-lelystad:');
    expect(out).not.toContain('toegang-almere');
  });

  it('explain: names the fields a minimised route sends, and a pointer-only notice as such', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'event-'));
    const measure = path.join(dir, 'maatregel.json');
    fs.writeFileSync(measure, JSON.stringify({
      specversion: '1.0', id: 'm-3', source: 'urn:ketenhub:partner:rechtbank-midden-nederland', type: 'nl.ketenhub.kinderrechter.maatregel-opgelegd.v1',
      time: '2026-11-23T10:00:00Z', data: { kinderen: [{ bsn: '111222333' }], maatregel: 'OTS', gi: 'samen-veilig', zaakreferentie: 'C/16/123456' },
    }));
    const forMeasure = cli('explain', region('flevoland'), measure, '--municipality', 'GM0034', '--involved', 'ambulant-flevoland');
    expect(forMeasure.status).toBe(0);
    expect(forMeasure.out).toContain('→ ambulant-flevoland: fields kinderen, maatregel, gi of data (BSNs as persoonId), rule rechter-maatregel-naar-betrokkenen');
    expect(forMeasure.out).toContain('→ toegang-almere: fields kinderen, maatregel, gi of data');
    expect(forMeasure.out).not.toContain('all fields');

    const request = path.join(dir, 'hulpvraag.json');
    fs.writeFileSync(request, JSON.stringify({
      specversion: '1.0', id: 'h-1', source: 'urn:ketenhub:partner:toegang-almere', type: 'nl.ketenhub.toegang.hulpvraag-geregistreerd.v1', time: '2026-11-23T10:00:00Z',
      data: { zaakreferentie: 'Z-1', gemeente: 'GM0034', toegangsroute: 'GEZIN_ZELF', kinderen: [{ persoon: { bsn: '111222333' }, geboortedatum: '2015-01-15' }], perspectief: 'THUIS' },
    }));
    const forRequest = cli('explain', region('flevoland'), request);
    expect(forRequest.status).toBe(0);
    expect(forRequest.out).toContain('→ veilig-thuis-flevoland: pointer-only notice (sender and contact person, no content), rule hulpvraag-verwijzing, legal basis VERWIJSINDEX');
  });

  it('explain: an event that would be rejected says why', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'event-')), 'fout.json');
    fs.writeFileSync(file, JSON.stringify({ specversion: '1.0', id: 'm-2', source: 'urn:ketenhub:partner:veilig-thuis-flevoland', type: 'nl.ketenhub.veiligthuis.melding-ontvangen.v1', time: '2026-11-23T10:00:00Z', data: { kinderen: [] } }));
    const { status, out } = cli('explain', region('flevoland'), file);
    expect(status).toBe(1);
    expect(out).toContain('would be rejected (SCHEMAFOUT)');
    expect(out).toContain('/data/melder: must have required property');
  });

  it('an unknown command exits 2 with the usage', () => {
    const { status, err } = cli('publish');
    expect(status).toBe(2);
    expect(err).toContain("unknown command 'publish'");
    expect(err).toContain('npm run config -- validate <regionDir>');
  });
});
