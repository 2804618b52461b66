/**
 * "Before activation, replay the last period's events against the new version": the hub runs
 * Flevoland on the real broker and database, partners send a few events, and
 * `npm run config -- replay` (and POST /admin/config/…) compare the active version stored in the
 * database with a candidate.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chainEvent, hulpvraag, makeBsn } from '../support/factories';
import { pollUntil } from '../support/poll';
import { openScenario, type Scenario } from '../support/scenario';
import { ROOT } from '../support/test-env';

/** A JSON answer, checked field by field by the expectations. */
type Json = Record<string, any>;

const FLEVOLAND = path.join(ROOT, 'config', 'regions', 'flevoland');
const WBW = path.join(ROOT, 'config', 'regions', 'west-brabant-west');
const flevolandText = fs.readFileSync(path.join(FLEVOLAND, 'region.yaml'), 'utf8');

function copyOfFlevoland(edit: (text: string) => string = (t) => t): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flevoland-candidate-'));
  fs.writeFileSync(path.join(dir, 'region.yaml'), edit(flevolandText));
  return dir;
}
const withoutHulpvraagVerwijzing = (t: string) => {
  const edited = t.replace(/  - id: hulpvraag-verwijzing\n(    .*\n)+/, '');
  if (edited === t) throw new Error('the route hulpvraag-verwijzing was not found to remove');
  return edited;
};
const withEndDateForInvolved = (t: string) => {
  const edited = t.replace('fields: [kinderen, maatregel, gi]', 'fields: [kinderen, maatregel, gi, tot]');
  if (edited === t) throw new Error('the fields of rechter-maatregel-naar-betrokkenen were not found');
  return edited;
};

describe('npm run config -- replay, on what a Flevoland hub took in', () => {
  let scenario: Scenario;
  const sent: Record<'hulpvraag' | 'maatregel' | 'melding', Record<string, unknown>> = {} as never;
  const families: Record<'court' | 'vt', string> = {} as never;

  const replayCli = (args: string[], env: Record<string, string | undefined> = { DATABASE_URL: scenario.databaseUrl }) => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'apps', 'hub', 'src', 'cli', 'config.js'), 'replay', ...args], {
      cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env },
    });
    return { status: r.status, out: r.stdout, err: r.stderr };
  };
  const inboxRow = (eventId: unknown) => pollUntil(`event ${String(eventId)} in the inbox`, async () =>
    (await scenario.db.query('SELECT family_id, to_char(occurred_at AT TIME ZONE \'UTC\', \'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"\') AS time FROM inbox WHERE event_id = $1', [eventId]))[0] as { family_id: string; time: string } | undefined);
  const head = (name: keyof typeof sent, from: string, time: string) => `event ${String(sent[name].id)} (${String(sent[name].type)}) from ${from} on ${time}:`;
  const times: Record<string, string> = {};

  beforeAll(async () => {
    scenario = await openScenario(['toegang-almere', 'veilig-thuis-flevoland', 'rechtbank-midden-nederland'], { REGION_DIR: 'config/regions/flevoland' });
    // A family that asks for help and then gets a court measure (the court's topic has no order with local access': wait in between).
    const child = makeBsn();
    sent.hulpvraag = hulpvraag('toegang-almere', [child]);
    await scenario.partner('toegang-almere').send(sent.hulpvraag);
    const first = await inboxRow(sent.hulpvraag.id);
    sent.maatregel = chainEvent('rechtbank-midden-nederland', 'kinderrechter.maatregel-opgelegd', [child], { maatregel: 'OTS', gi: 'samen-veilig', zaakreferentie: 'C/16/654321', tot: '2027-12-01' });
    await scenario.partner('rechtbank-midden-nederland').send(sent.maatregel);
    const second = await inboxRow(sent.maatregel.id);
    // A family Veilig Thuis knows from a police report: the tables standaard and west-brabant-west decide differently.
    sent.melding = chainEvent('veilig-thuis-flevoland', 'veiligthuis.melding-ontvangen', [makeBsn()], { gemeente: 'GM0034', melder: 'POLITIE' });
    await scenario.partner('veilig-thuis-flevoland').send(sent.melding);
    const third = await inboxRow(sent.melding.id);
    families.court = first.family_id;
    families.vt = third.family_id;
    expect(second.family_id).toBe(families.court);
    Object.assign(times, { hulpvraag: first.time, maatregel: second.time, melding: third.time });
    // The hub's decisions are in the same transaction as the inbox; the disclosures we compare with are too.
    await pollUntil('the regie of record of both families', async () => ((await scenario.db.query('SELECT count(*)::int AS n FROM regie_of_record'))[0].n === 2 ? true : undefined));
  });

  afterAll(async () => {
    await scenario?.close();
  });

  it('(a) an identical copy of the active version: no differences, every event and family of the period replayed', () => {
    const { status, out, err } = replayCli([copyOfFlevoland()]);
    expect(err).toContain('replaying ');
    expect(status).toBe(0);
    const lines = out.trim().split('\n');
    expect(lines).toEqual(['no differences', expect.stringMatching(/^replayed 3 events of 2 families from \S+ until \S+: active version (\w+) \(flevoland\) → candidate \1 \(flevoland\): 0 events with differences/)]);
  });

  it('(b) a route removed and a field added: names the exact event, partner, rule and fields, matching what the hub disclosed', async () => {
    const { status, out } = replayCli([copyOfFlevoland((t) => withEndDateForInvolved(withoutHulpvraagVerwijzing(t)))]);
    expect(status).toBe(0);
    const lines = out.trim().split('\n');
    expect(lines).toEqual([
      `${head('hulpvraag', 'toegang-almere', times.hulpvraag)} - partner veilig-thuis-flevoland would no longer receive it (now rule hulpvraag-verwijzing, basis VERWIJSINDEX)`,
      `${head('maatregel', 'rechtbank-midden-nederland', times.maatregel)} ~ partner toegang-almere: fields kinderen,maatregel,gi → kinderen,maatregel,gi,tot`,
      expect.stringMatching(/^replayed 3 events of 2 families .*: 2 events with differences \(0 recipients added, 1 removed, 1 changed; 0 refused by the candidate, 0 newly accepted\), 0 families with a different regie decision$/),
    ]);
    // The replay's facts are the ones the hub routed with: the disclosures it audited for these
    // events under these rules went to exactly these partners. (samen-veilig, named by the
    // verdict itself, was not involved before it, so the verdict was not forwarded to it.)
    const disclosed = await scenario.db.query(
      `SELECT causation_id, recipient_partner_id, rule_id FROM audit_log WHERE action = 'DISCLOSE' AND rule_id IN ('hulpvraag-verwijzing', 'rechter-maatregel-naar-betrokkenen') ORDER BY causation_id, recipient_partner_id`);
    expect(disclosed).toEqual([
      { causation_id: sent.hulpvraag.id, recipient_partner_id: 'veilig-thuis-flevoland', rule_id: 'hulpvraag-verwijzing' },
      { causation_id: sent.maatregel.id, recipient_partner_id: 'toegang-almere', rule_id: 'rechter-maatregel-naar-betrokkenen' },
    ].sort((x, y) => String(x.causation_id).localeCompare(String(y.causation_id))));
  });

  it('(b) --json gives the same differences as data, with the facts each event was routed on', () => {
    const { status, out } = replayCli([copyOfFlevoland((t) => withEndDateForInvolved(withoutHulpvraagVerwijzing(t))), '--json']);
    expect(status).toBe(0);
    const report = JSON.parse(out);
    expect(report.summary).toMatchObject({ eventsReplayed: 3, eventsWithDifferences: 2, recipientsRemoved: 1, recipientsChanged: 1, familiesReplayed: 2 });
    expect(report.events).toEqual([
      expect.objectContaining({
        eventId: sent.hulpvraag.id, senderId: 'toegang-almere', familyId: families.court, municipality: 'GM0034',
        recipients: [expect.objectContaining({ kind: 'REMOVED', partnerId: 'veilig-thuis-flevoland' })],
      }),
      // The verdict names no municipality: the family's, known from the request for help that arrived before it.
      expect.objectContaining({
        eventId: sent.maatregel.id, familyId: families.court, municipality: 'GM0034',
        recipients: [expect.objectContaining({ kind: 'CHANGED', partnerId: 'toegang-almere', changed: ['fields'] })],
      }),
    ]);
  });

  it('(c) West-Brabant West: its table keeps regie with local access after a police report, and it knows none of these partners', () => {
    const { status, out } = replayCli([WBW]);
    expect(status).toBe(0);
    expect(out).toContain(`family ${families.vt}: regisseur VEILIG_THUIS/veilig-thuis-flevoland → LOKALE_TOEGANG/(no organisation in the region) (row VT-ANDEREN → VT-BETROKKEN)`);
    expect(out).toContain(`${head('melding', 'veilig-thuis-flevoland', times.melding)} ! the candidate would refuse it (GEEN_PARTNER: veilig-thuis-flevoland is not a partner of region west-brabant-west)`);
    expect(out).toContain('follow from these regie differences');
    // The court family keeps GI/samen-veilig under both tables: only the Veilig Thuis family differs.
    expect(out).toMatch(/3 refused by the candidate.*\), 1 family with a different regie decision\n$/);
    expect(out).not.toContain(`family ${families.court}`);
  });

  it('replays only the period asked for (on when the hub took the events in)', () => {
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const later = replayCli([copyOfFlevoland(withoutHulpvraagVerwijzing), '--since', future, '--until', new Date(Date.now() + 7_200_000).toISOString()]);
    expect(later.status).toBe(0);
    expect(later.out).toContain('no differences');
    expect(later.out).toContain('replayed 0 events of 0 families');
    const earlier = replayCli([copyOfFlevoland(withoutHulpvraagVerwijzing), '--until', '2026-01-01T00:00:00Z']);
    expect(earlier.out).toContain('replayed 0 events');
  });

  it('exit 1 with every problem when the candidate is invalid', () => {
    const { status, err } = replayCli([copyOfFlevoland((t) => t.replace('legalBasis: BW_1_240', 'legalBasis: BW_1_241'))]);
    expect(status).toBe(1);
    expect(err).toMatch(/is not a valid region configuration:\n {2}- line \d+, \/routes\/1\/legalBasis: legal basis 'BW_1_241' is not declared under legalBases/);
  });

  it('exit 2 with a clear message: no DATABASE_URL, a database that does not answer, a period that is not one, a missing folder', () => {
    const noDb = replayCli([FLEVOLAND], { DATABASE_URL: '' });
    expect(noDb.status).toBe(2);
    expect(noDb.err).toContain('DATABASE_URL is required');
    const down = replayCli([FLEVOLAND], { DATABASE_URL: 'postgres://ketenhub:x@127.0.0.1:1/nothing' });
    expect(down.status).toBe(2);
    expect(down.err).toContain('config: could not read the period from the database:');
    expect(down.err).not.toContain(':x@');
    const badPeriod = replayCli([FLEVOLAND, '--since', 'gisteren']);
    expect(badPeriod.status).toBe(2);
    expect(badPeriod.err).toContain("since 'gisteren' is not an ISO 8601 time");
    const empty = replayCli([FLEVOLAND, '--since', '2026-12-01T00:00:00Z', '--until', '2026-11-01T00:00:00Z']);
    expect(empty.status).toBe(2);
    expect(empty.err).toContain('the period is empty');
    const missing = replayCli([]);
    expect(missing.status).toBe(2);
    expect(missing.err).toContain('the candidate region folder is missing');
    expect(missing.err).toContain('npm run config -- replay <candidateRegionDir>');
  });

  describe('POST /admin/config/… (the same functions over HTTP, in the running hub)', () => {
    const MANAGER = { sub: 'im-flevoland', role: 'INFORMATIEMANAGER' as const, name: 'R. de Boer' };
    const post = async (route: string, body: unknown) => {
      const r = await scenario.api(MANAGER, `/admin/config/${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: r.status, body: (await r.json()) as Json };
    };

    it('answers an information manager only: 401 without a token, 403 for a partner or privacy officer', async () => {
      expect((await fetch(`${scenario.hub.url}/admin/config`)).status).toBe(401);
      expect((await scenario.api({ sub: 'toegang-almere', role: 'PARTNER' }, '/admin/config')).status).toBe(403);
      expect((await scenario.api({ sub: 'fg', role: 'PRIVACY_OFFICER', name: 'fg' }, '/admin/config/validate', { method: 'POST' })).status).toBe(403);
    });

    it('GET /admin/config: the active version is the one the hub runs, with its activation', async () => {
      const r = await scenario.api(MANAGER, '/admin/config');
      expect(r.status).toBe(200);
      const body = (await r.json()) as Json;
      expect(body.running.region).toBe('flevoland');
      expect(body.active).toMatchObject({ version: body.running.version, previousVersion: null });
      expect(body.history).toEqual([body.active]);
    });

    it('POST validate: 200 with the counts, or 422 listing every problem', async () => {
      const ok = await post('validate', { regionYaml: flevolandText });
      expect(ok).toEqual({ status: 200, body: expect.objectContaining({ valid: true, region: 'flevoland', counts: expect.objectContaining({ municipalities: 6, routes: 14 }) }) });
      const bad = await post('validate', { regionYaml: flevolandText.replace('legalBasis: BW_1_240', 'legalBasis: BW_1_241').replace('legalBasis: VERWIJSINDEX', 'legalBasis: VERWIJS') });
      expect(bad.status).toBe(422);
      expect(bad.body).toMatchObject({ title: 'INVALID_REGION', status: 422 });
      expect(bad.body.problems).toEqual([
        expect.stringMatching(/\/routes\/1\/legalBasis: legal basis 'BW_1_241' is not declared/),
        expect.stringMatching(/\/routes\/4\/legalBasis: legal basis 'VERWIJS' is not declared/),
      ]);
      expect((await post('validate', {})).status).toBe(400);
    });

    it('POST diff: the changes against the active version', async () => {
      const r = await post('diff', { regionYaml: withoutHulpvraagVerwijzing(flevolandText) });
      expect(r.status).toBe(200);
      expect(r.body.changes).toEqual(['- route hulpvraag-verwijzing']);
    });

    it('POST explain: each recipient with what it gets of the event', async () => {
      const r = await post('explain', {
        event: { specversion: '1.0', id: 'x-1', source: 'urn:ketenhub:partner:rechtbank-midden-nederland', type: 'nl.ketenhub.kinderrechter.maatregel-opgelegd.v1', time: '2026-11-23T10:00:00Z', data: { kinderen: [{ bsn: makeBsn() }], maatregel: 'OTS', gi: 'samen-veilig' } },
        municipality: 'GM0034', involved: ['samen-veilig'],
      });
      expect(r.status).toBe(200);
      expect(r.body.recipients).toEqual([
        expect.objectContaining({ partnerId: 'samen-veilig', routeId: 'rechter-maatregel-naar-betrokkenen', content: 'FIELDS', fields: ['kinderen', 'maatregel', 'gi'] }),
        expect.objectContaining({ partnerId: 'toegang-almere', content: 'FIELDS' }),
      ]);
      expect(r.body.localChoices).toEqual({ regieLangdurigVerblijf: 'LOKALE_TOEGANG', preventiefKaderIngekocht: true, integraleFunctionarisAlleLeeftijden: false });
    });

    it('POST replay: the same report as the command line', async () => {
      const r = await post('replay', { regionYaml: withoutHulpvraagVerwijzing(flevolandText) });
      expect(r.status).toBe(200);
      expect(r.body.summary).toMatchObject({ eventsReplayed: 3, eventsWithDifferences: 1, recipientsRemoved: 1 });
      expect(r.body.events[0]).toMatchObject({ eventId: sent.hulpvraag.id, recipients: [{ kind: 'REMOVED', partnerId: 'veilig-thuis-flevoland' }] });
      expect((await post('replay', { regionYaml: flevolandText, since: 'gisteren' })).body).toMatchObject({ status: 400, title: 'BAD_PERIOD' });
    });
  });
});
