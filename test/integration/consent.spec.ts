/**
 * Consent on the real broker and database, with the demo region (route hulpvraag-naar-veilig-thuis
 * rests on TOESTEMMING): recorded from the chain, checked with the age rules at the moment of
 * sending, revocable, and every disclosure it stopped recorded as refused.
 */
import { hulpvraag, makeBsn, toestemming } from '../support/factories';
import { pollUntil } from '../support/poll';
import { openScenario, type Scenario } from '../support/scenario';

describe('consent and its age rules, checked when the hub sends', () => {
  let scenario: Scenario;
  beforeAll(async () => {
    scenario = await openScenario(['toegang-almere', 'veilig-thuis-flevoland']);
  });
  afterAll(async () => {
    await scenario?.close();
  });

  const toegang = () => scenario.partner('toegang-almere');
  const vt = () => scenario.partner('veilig-thuis-flevoland');
  /** A request for help about one child born on the given date. */
  const request = (child: string, born: string) => hulpvraag('toegang-almere', [child], { kinderen: [{ persoon: { bsn: child }, geboortedatum: born }] });
  const refusal = (eventId: string) => pollUntil(`the refusal for ${eventId}`, async () =>
    (await scenario.db.query("SELECT recipient_partner_id, legal_basis, rule_id, purpose FROM audit_log WHERE causation_id = $1 AND outcome = 'REFUSED'", [eventId]))[0]);
  const delivered = (eventId: string) => vt().outbound.waitFor(`${eventId} at Veilig Thuis`, (m) => m.event?.causationid === eventId);
  const notDelivered = (eventId: string) => expect(vt().outbound.events().filter((e) => e.causationid === eventId)).toEqual([]);

  it('withholds without consent, delivers once a parent consents for a young child, and stops again when it is revoked', async () => {
    const child = makeBsn();
    const first = request(child, '2019-05-01');
    await toegang().send(first);
    expect(await refusal(first.id as string)).toEqual({
      recipient_partner_id: 'veilig-thuis-flevoland', legal_basis: 'TOESTEMMING', rule_id: 'hulpvraag-naar-veilig-thuis',
      purpose: expect.stringContaining('no valid consent of a parent or custodian'),
    });

    const consent = toestemming('toegang-almere', [child], { kinderen: [{ persoon: { bsn: child }, geboortedatum: '2019-05-01' }], gegevenDoor: [{ persoon: { bsn: makeBsn() }, relatie: 'OUDER' }] });
    await toegang().send(consent);
    const second = request(child, '2019-05-01');
    await toegang().send(second);
    await delivered(second.id as string);
    notDelivered(first.id as string);
    const [stored] = await scenario.db.query('SELECT given_by_relation, purpose, revoked_at FROM consent');
    expect(stored).toEqual({ given_by_relation: 'OUDER', purpose: expect.stringContaining('Veilig Thuis mag weten'), revoked_at: null });

    const revoke = { ...toestemming('toegang-almere', [child]), type: 'nl.ketenhub.keten.toestemming-ingetrokken.v1', data: { kinderen: [{ bsn: child }], toestemmingId: (consent.data as { toestemmingId: string }).toestemmingId } };
    await toegang().send(revoke);
    const third = request(child, '2019-05-01');
    await toegang().send(third);
    expect((await refusal(third.id as string)).purpose).toContain('no valid consent');
    notDelivered(third.id as string);
  });

  it('asks a youth of 12 to 15 for its own consent as well as a parent\'s, and a youth of 16 alone', async () => {
    const teen = makeBsn();
    const born = '2012-01-10';
    await toegang().send(toestemming('toegang-almere', [teen], { kinderen: [{ persoon: { bsn: teen }, geboortedatum: born }], gegevenDoor: [{ persoon: { bsn: makeBsn() }, relatie: 'OUDER' }] }));
    const parentOnly = request(teen, born);
    await toegang().send(parentOnly);
    expect((await refusal(parentOnly.id as string)).purpose).toContain('no valid consent of the youth');

    await toegang().send(toestemming('toegang-almere', [teen], { kinderen: [{ persoon: { bsn: teen }, geboortedatum: born }], gegevenDoor: [{ persoon: { bsn: teen }, relatie: 'JEUGDIGE' }] }));
    const both = request(teen, born);
    await toegang().send(both);
    await delivered(both.id as string);

    const older = makeBsn();
    await toegang().send(toestemming('toegang-almere', [older], { kinderen: [{ persoon: { bsn: older }, geboortedatum: '2009-03-03' }], gegevenDoor: [{ persoon: { bsn: older }, relatie: 'JEUGDIGE' }] }));
    const alone = request(older, '2009-03-03');
    await toegang().send(alone);
    await delivered(alone.id as string);
  });

  it('rejects consent it cannot apply, saying where: a youth consenting for another child, a revocation of an unknown consent', async () => {
    const [child, sibling] = [makeBsn(), makeBsn()];
    const wrong = toestemming('toegang-almere', [child], { gegevenDoor: [{ persoon: { bsn: sibling }, relatie: 'JEUGDIGE' }] });
    await toegang().send(wrong);
    const notice = await toegang().outbound.waitFor('the rejection', (m) => m.event?.data?.bericht?.id === wrong.id);
    expect(notice.event!.data).toMatchObject({ reden: 'ONGELDIGE_TOESTEMMING', fouten: [{ pointer: '/data/gegevenDoor/0/persoon', keyword: 'ketenhub-consent' }] });

    await toegang().send(hulpvraag('toegang-almere', [child]));
    const unknown: Record<string, unknown> = { ...toestemming('toegang-almere', [child]), type: 'nl.ketenhub.keten.toestemming-ingetrokken.v1', data: { kinderen: [{ bsn: child }], toestemmingId: 'T-bestaat-niet' } };
    await toegang().send(unknown);
    const second = await toegang().outbound.waitFor('the second rejection', (m) => m.event?.data?.bericht?.id === unknown.id);
    expect(second.event!.data.fouten).toEqual([expect.objectContaining({ pointer: '/data/toestemmingId', message: expect.stringContaining('T-bestaat-niet') })]);
  });
});
