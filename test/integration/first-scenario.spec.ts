/**
 * Issue 2's first scenario on the real broker and database: local access registers a family with
 * a request for help, Veilig Thuis reports a triage outcome for the same child, each receives the
 * other's event as the demo region's routes say, each delivery has an audit record, and a broken
 * message sent in between is rejected with a clear reason without holding up the rest.
 */
import type { DataSource } from 'typeorm';
import { verifyAuditChain } from '@ketenhub/persistence';
import { chainEvent, hulpvraag, makeBsn, toestemming, triage } from '../support/factories';
import type { KafkaPartner, TopicReader } from '../support/partner';
import { pollUntil } from '../support/poll';
import { openScenario, type Scenario } from '../support/scenario';
import type { HubProcess } from '../support/test-env';

describe('first scenario: request for help, then Veilig Thuis triage (demo region routes hulpvraag-naar-veilig-thuis and triage-naar-betrokkenen)', () => {
  let scenario: Scenario;
  let hub: HubProcess;
  let db: DataSource;
  let toegang: KafkaPartner;
  let vt: KafkaPartner;
  let deadLetters: TopicReader;
  let prefix: string;

  beforeAll(async () => {
    scenario = await openScenario(['toegang-almere', 'veilig-thuis-flevoland']);
    ({ hub, db, deadLetters, prefix } = scenario);
    toegang = scenario.partner('toegang-almere');
    vt = scenario.partner('veilig-thuis-flevoland');
  });

  afterAll(async () => {
    await scenario?.close();
  });

  it('routes each party the other\'s event, audits each delivery, and rejects the broken message in between', async () => {
    const child = makeBsn();
    const sibling = makeBsn();
    // The demo region shares the request with Veilig Thuis on the family's consent: recorded first.
    const consent = toestemming('toegang-almere', [child, sibling]);
    const registration = hulpvraag('toegang-almere', [child, sibling]);
    const broken = Buffer.from('{"specversion":"1.0","id":"kapot-1","source":"urn:ketenhub:partner:toegang-almere",');
    // Veilig Thuis is involved with the family through its report (docs/REGIE.md, "Who is involved").
    const melding = chainEvent('veilig-thuis-flevoland', 'veiligthuis.melding-ontvangen', [child], { gemeente: 'GM0034', melder: 'LOKALE_TOEGANG' });
    const report = triage('veilig-thuis-flevoland', [child], 'ONDERZOEK');

    await toegang.send(consent);
    await toegang.send(registration);
    await toegang.send(broken);

    // Veilig Thuis receives the registration, pseudonymised: persons by persoonId, never by BSN.
    const atVt = await vt.outbound.waitFor('the request for help at Veilig Thuis', (m) => m.event?.causationid === registration.id);
    // Then Veilig Thuis reports (topics of different partners have no order between them).
    await vt.send(melding);
    await vt.send(report);
    expect(atVt.event).toMatchObject({ type: 'nl.ketenhub.toegang.hulpvraag-geregistreerd.v1', source: 'urn:ketenhub:hub', time: registration.time });
    expect(atVt.value!.toString()).not.toContain(child);
    expect(atVt.value!.toString()).not.toContain(sibling);
    expect(atVt.event!.data.kinderen[0].persoon).toEqual({ persoonId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(atVt.key).toBe(atVt.event!.familyid);
    expect(atVt.headers['ketenhub-message-id']).toBe(atVt.event!.id);

    // Local access receives the triage, for the same family and the same child's persoonId.
    const atToegang = await toegang.outbound.waitFor('the triage at local access', (m) => m.event?.causationid === report.id);
    expect(atToegang.event!.familyid).toBe(atVt.event!.familyid);
    expect(atToegang.event!.data.kinderen[0]).toEqual(atVt.event!.data.kinderen[0].persoon);
    expect(atToegang.event!.data.uitkomst).toBe('ONDERZOEK');

    // The broken message: a rejection to its sender that says what was wrong, and a dead letter with the original bytes.
    const rejection = await toegang.outbound.waitFor('the rejection at local access', (m) => m.event?.type === 'nl.ketenhub.hub.bericht-afgewezen.v2');
    expect(rejection.event!.data).toMatchObject({ reden: 'ONGELDIGE_JSON', bericht: { topic: `${prefix}inbound.toegang-almere` } });
    expect(rejection.event!.data.fouten[0].message).toMatch(/not valid JSON/);
    const dead = await deadLetters.waitFor('the dead letter', (m) => m.headers['ketenhub-reason'] === 'ONGELDIGE_JSON');
    expect(scenario.openDeadLetter(dead)!.equals(broken)).toBe(true);
    expect(dead.headers['ketenhub-origin-topic']).toBe(`${prefix}inbound.toegang-almere`);

    // One audit record per delivery, with the rule, legal basis and configuration version that decided it.
    const audit = await pollUntil('two disclosure records', async () => {
      const rows: Array<Record<string, string>> = await db.query(
        "SELECT recipient_partner_id, actor_partner_id, legal_basis, rule_id, config_version, message_id, family_id FROM audit_log WHERE action = 'DISCLOSE' ORDER BY seq");
      return rows.length === 2 ? rows : undefined;
    });
    expect(audit).toEqual([
      expect.objectContaining({ actor_partner_id: 'toegang-almere', recipient_partner_id: 'veilig-thuis-flevoland', legal_basis: 'TOESTEMMING', rule_id: 'hulpvraag-naar-veilig-thuis', message_id: atVt.event!.id, family_id: atVt.event!.familyid }),
      expect.objectContaining({ actor_partner_id: 'veilig-thuis-flevoland', recipient_partner_id: 'toegang-almere', legal_basis: 'WMO_2015_ART_5_2_6', rule_id: 'triage-naar-betrokkenen', message_id: atToegang.event!.id }),
    ]);
    expect(audit[0].config_version).toMatch(/^[0-9a-f]{12}$/);
    // The two disclosures and the two involvements (local access by its municipality, Veilig Thuis
    // by its report), after the activation of the region configuration this hub started with.
    await expect(verifyAuditChain(db.manager, { key: Buffer.from(scenario.keys.audit, 'base64') })).resolves.toEqual({ ok: true, records: 5 });
    expect(await db.query("SELECT recipient_partner_id, rule_id, causation_id FROM audit_log WHERE action = 'INVOLVE' ORDER BY recipient_partner_id")).toEqual([
      { recipient_partner_id: 'toegang-almere', rule_id: 'LOKALE_TOEGANG', causation_id: consent.id },
      { recipient_partner_id: 'veilig-thuis-flevoland', rule_id: 'MELDING', causation_id: melding.id },
    ]);
    expect(await db.query("SELECT action, actor_role FROM audit_log WHERE action = 'CONFIG_CHANGE'")).toEqual([{ action: 'CONFIG_CHANGE', actor_role: 'INFORMATIEMANAGER' }]);

    // The hub stores no BSN in the clear: persons only as keyed hash and ciphertext.
    const stored: Array<{ data: string }> = await db.query('SELECT data::text AS data FROM inbox');
    expect(stored.map((r) => r.data).join()).not.toContain(child);
    expect(hub.logs.join('\n')).not.toContain(child);
  });

  it('keeps the order of one family\'s events from sender to receiver', async () => {
    const child = makeBsn();
    const registration = hulpvraag('toegang-almere', [child]);
    await toegang.send(toestemming('toegang-almere', [child]));
    await toegang.send(registration);
    await vt.outbound.waitFor('the registration at Veilig Thuis', (m) => m.event?.causationid === registration.id);
    await vt.send(chainEvent('veilig-thuis-flevoland', 'veiligthuis.melding-ontvangen', [child], { gemeente: 'GM0034', melder: 'LOKALE_TOEGANG' }));
    const reports = Array.from({ length: 15 }, (_, i) => triage('veilig-thuis-flevoland', [child], 'WACHTLIJST', `update ${i}`));
    for (const report of reports) await vt.send(report);
    const ids = reports.map((r) => r.id);
    const received = await pollUntil('all 15 triage updates at local access', () => {
      const seen = toegang.outbound.events('nl.ketenhub.veiligthuis.triage-afgerond.v1').filter((e) => ids.includes(e.causationid));
      return seen.length >= ids.length ? seen : undefined;
    });
    expect(received.map((e) => e.causationid)).toEqual(ids);
  });
});
