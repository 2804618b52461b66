/**
 * Issue 21, part 5: no BSN in clear where nobody looks. A refused message keeps its original bytes
 * as a dead letter (the outbox row and ketenhub.deadletter): those bytes are sealed with the BSN
 * encryption key, on both doors, and only `npm run dead-letter` opens one, for a named reader,
 * audited. Every table of the hub's database is searched for the BSN digits as text and as the
 * hex a bytea column shows. A BSN typed into a free-text field (VrijeTekst) is masked on the way
 * in: neither stored nor forwarded; a nine-digit number that fails the elfproef stays as typed.
 */
import { randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { ConfigResourceTypes } from 'kafkajs';
import * as path from 'node:path';
import { hulpvraag, makeBsn, toestemming } from '../support/factories';
import { partnerAccessToken } from '../../deploy/local/https-partner';
import { pollUntil } from '../support/poll';
import { openScenario, type Scenario } from '../support/scenario';
import type { KafkaPartner, Received } from '../support/partner';
import { ROOT } from '../support/test-env';

/** Where `bsn` sits in clear in any table of the database: "table: row" for each, as text or as the hex of its digits. */
async function bsnInDatabase(scenario: Scenario, bsn: string): Promise<string[]> {
  const hex = Buffer.from(bsn, 'utf8').toString('hex');
  const tables: Array<{ name: string }> = await scenario.db.query(
    "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'");
  const found: string[] = [];
  for (const { name } of tables) {
    const rows: Array<{ row: string }> = await scenario.db.query(`SELECT t::text AS row FROM "${name}" t`);
    for (const { row } of rows) if (row.includes(bsn) || row.includes(hex)) found.push(`${name}: ${row.slice(0, 300)}`);
  }
  return found;
}

function inClear(m: Received, bsn: string): boolean {
  return (m.value?.includes(bsn) ?? false) || Object.values(m.headers).some((h) => h.includes(bsn)) || (m.key ?? '').includes(bsn);
}

describe('BSNs at rest: dead letters', () => {
  let scenario: Scenario;
  let toegang: KafkaPartner;
  const HTTPS_PARTNER = 'toegang-lelystad';

  beforeAll(async () => {
    scenario = await openScenario(['toegang-almere', 'veilig-thuis-flevoland']);
    toegang = scenario.partner('toegang-almere');
  });
  afterAll(async () => {
    await scenario?.close();
  });

  const deadLetterOf = (rejection: Received) => scenario.deadLetters.waitFor('its dead letter', (m) =>
    m.headers['ketenhub-origin-topic'] === rejection.event!.data.bericht.topic
    && m.headers['ketenhub-origin-partition'] === String(rejection.event!.data.bericht.partition)
    && m.headers['ketenhub-origin-offset'] === rejection.event!.data.bericht.offset, 60_000);

  it('seals the original bytes of a message refused on the Kafka door (invalid JSON, schema, id reused) and of one refused after the HTTPS door', async () => {
    const [notJson, badSchema, reused, overHttps] = [makeBsn(), makeBsn(), makeBsn(), makeBsn()];
    const before = toegang.outbound.messages.length;
    // 1. Not JSON at all: the BSN sits in raw text.
    const broken = Buffer.from(`{"kinderen":[{"persoon":{"bsn":"${notJson}"}}], oops`);
    await toegang.send(broken);
    // 2. Valid JSON that the schema refuses (an unknown property), BSN in its data.
    await toegang.send(hulpvraag('toegang-almere', [badSchema], { onbekendVeld: true }));
    // 3. Refused inside the family transaction: an id accepted before, sent again with other content.
    await toegang.send(toestemming('toegang-almere', [reused]));
    const first = hulpvraag('toegang-almere', [reused]);
    await toegang.send(first);
    await toegang.send({ ...first, data: { ...(first.data as object), perspectief: 'ZELFSTANDIG' } });
    // 4. The HTTPS door takes it (202) and the family transaction refuses it: a BSN beside a persoonId nobody knows.
    const token = await partnerAccessToken(scenario.hub.url, HTTPS_PARTNER, Buffer.from(scenario.keys.partner, 'base64'));
    const viaHttps = hulpvraag(HTTPS_PARTNER, [overHttps], { gemeente: 'GM0995' });
    (viaHttps.data as { kinderen: unknown[] }).kinderen.push({ persoon: { persoonId: randomUUID() }, geboortedatum: '2015-05-05' });
    const answer = await fetch(`${scenario.hub.url}/events`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/cloudevents+json' }, body: JSON.stringify(viaHttps),
    });
    expect(answer.status).toBe(202);

    const rejections = await pollUntil('three rejections to toegang-almere', () => {
      const found = toegang.outbound.messages.slice(before).filter((m) => m.event?.type === 'nl.ketenhub.hub.bericht-afgewezen.v2');
      return found.length >= 3 ? found : undefined;
    }, 60_000);
    expect(rejections.map((r) => r.event!.data.reden).sort()).toEqual(['ID_HERGEBRUIKT', 'ONGELDIGE_JSON', 'SCHEMAFOUT']);
    const httpsDead = await scenario.deadLetters.waitFor('the HTTPS event\'s dead letter', (m) =>
      m.headers['ketenhub-origin-topic'] === `${scenario.prefix}inbound.${HTTPS_PARTNER}` && m.headers['ketenhub-reason'] === 'ONBEKENDE_PERSOON', 60_000);
    const dead = [...await Promise.all(rejections.map(deadLetterOf)), httpsDead];

    const bsns = [notJson, badSchema, reused, overHttps];
    for (const m of dead) {
      // Nothing of the dead letter on the topic (value, key, headers) holds any of the BSNs.
      expect(bsns.filter((bsn) => inClear(m, bsn))).toEqual([]);
      expect(m.headers['ketenhub-payload']).toBe('aes-256-gcm;key=BSN_ENCRYPTION_KEY;aad=ketenhub-message-id');
    }
    // Opened with the key, each is still the message that was refused, its BSN in it.
    const opened = dead.map((m) => scenario.openDeadLetter(m)!.toString('utf8'));
    for (const bsn of bsns) expect(opened.filter((text) => text.includes(bsn))).toHaveLength(1);
    expect(scenario.openDeadLetter(dead.find((m) => m.headers['ketenhub-reason'] === 'ONGELDIGE_JSON')!)!.equals(broken)).toBe(true);
    expect(scenario.openDeadLetter(httpsDead)!.toString('utf8')).toContain(overHttps);

    // Nor any table of the database: the outbox's dead-letter rows, the rejections, the inbox, the persons.
    const deadRows: Array<{ n: number }> = await scenario.db.query('SELECT count(*)::int AS n FROM outbox WHERE topic = $1', [`${scenario.prefix}ketenhub.deadletter`]);
    expect(deadRows[0].n).toBeGreaterThanOrEqual(4);
    for (const bsn of bsns) expect(await bsnInDatabase(scenario, bsn)).toEqual([]);

    // Kept as long as operations need and no longer: the hub made the topic with 30 days' retention.
    const admin = scenario.kafka.admin();
    await admin.connect();
    try {
      const { resources } = await admin.describeConfigs({
        includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: `${scenario.prefix}ketenhub.deadletter`, configNames: ['retention.ms'] }],
      });
      expect(resources[0].configEntries.find((e) => e.configName === 'retention.ms')?.configValue).toBe(String(30 * 86_400_000));
    } finally {
      await admin.disconnect();
    }
  });

  it('opens a dead letter only through npm run dead-letter, for a named reader with a purpose, and audits the read', async () => {
    const bsn = makeBsn();
    const before = toegang.outbound.messages.length;
    await toegang.send(Buffer.from(`kinderen: ${bsn} (no JSON)`));
    const rejection = await toegang.outbound.waitFor('the rejection', (m) => toegang.outbound.messages.indexOf(m) >= before && m.event?.data?.reden === 'ONGELDIGE_JSON');
    const dead = await deadLetterOf(rejection);
    const messageId = dead.headers['ketenhub-message-id'];
    await pollUntil('the dead letter\'s outbox row', async () => {
      const rows: Array<{ n: number }> = await scenario.db.query('SELECT count(*)::int AS n FROM outbox WHERE message_id = $1', [messageId]);
      return rows[0].n === 1 ? true : undefined;
    });
    const cli = (args: string[], env: Record<string, string> = {}, input?: Buffer) => spawnSync(process.execPath, [path.join(ROOT, 'dist', 'apps', 'hub', 'src', 'cli', 'dead-letter.js'), ...args], {
      cwd: ROOT, encoding: 'utf8', ...(input ? { input } : {}),
      env: { ...process.env, DATABASE_URL: scenario.databaseUrl, KETENHUB_TOPIC_PREFIX: scenario.prefix, BSN_ENCRYPTION_KEY: scenario.keys.encryption, AUDIT_CHAIN_KEY: scenario.keys.audit, ...env },
    });

    const noReader = cli([messageId, '--purpose', 'onderzoek']);
    expect(noReader.status).toBe(2);
    expect(noReader.stderr).toContain('--reader is required');

    const masked = cli([messageId, '--reader', 'B. de Beheerder', '--purpose', 'waarom afgewezen']);
    expect(masked.stderr).toBe('');
    expect(masked.status).toBe(0);
    expect(masked.stdout).toContain('ketenhub-reason: ONGELDIGE_JSON');
    expect(masked.stdout).toContain('kinderen: [bsn] (no JSON)');
    expect(masked.stdout).not.toContain(bsn);

    const unmasked = cli([messageId, '--reader', 'B. de Beheerder', '--purpose', 'partner vraagt naar het bericht', '--unmasked']);
    expect(unmasked.status).toBe(0);
    expect(unmasked.stdout).toContain(`kinderen: ${bsn} (no JSON)`);

    const wrongKey = cli([messageId, '--reader', 'I. Ndringer', '--purpose', 'nieuwsgierig'], { BSN_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64') });
    expect(wrongKey.status).toBe(1);
    expect(wrongKey.stderr).toContain('does not open with this key');
    expect(wrongKey.stdout).not.toContain(bsn);

    // Once retention removed the outbox row, the value read off the topic opens the same way.
    await scenario.db.query('DELETE FROM outbox WHERE message_id = $1', [messageId]);
    expect(cli([messageId, '--reader', 'B. de Beheerder', '--purpose', 'nog eens']).status).toBe(1);
    const offTopic = cli([messageId, '--reader', 'B. de Beheerder', '--purpose', 'van het topic', '--stdin'], {}, dead.value!);
    expect(offTopic.status).toBe(0);
    expect(offTopic.stdout).toContain('kinderen: [bsn] (no JSON)');
    expect(cli([randomUUID(), '--reader', 'B. de Beheerder', '--purpose', 'verkeerd id', '--stdin'], {}, dead.value!).status).toBe(1);

    // A dead letter from before they were sealed (no ketenhub-payload header) is shown as it is, masked, and audited as well.
    const legacyId = randomUUID();
    const legacyBsn = makeBsn();
    await scenario.db.query('INSERT INTO outbox (message_id, topic, message_key, value, headers) VALUES ($1, $2, $3, $4, $5)',
      [legacyId, `${scenario.prefix}ketenhub.deadletter`, 'toegang-almere', Buffer.from(`oud: ${legacyBsn}`), JSON.stringify({ 'ketenhub-reason': 'ONGELDIGE_JSON' })]);
    const legacy = cli([legacyId, '--reader', 'B. de Beheerder', '--purpose', 'oude afwijzing']);
    expect(legacy.status).toBe(0);
    expect(legacy.stdout).toContain('oud: [bsn]');
    expect(legacy.stdout).not.toContain(legacyBsn);
    expect(await scenario.db.query("SELECT outcome FROM audit_log WHERE message_id = $1 AND action = 'READ'", [legacyId])).toEqual([{ outcome: 'SUCCESS' }]);

    const audit: Array<Record<string, unknown>> = await scenario.db.query(
      "SELECT action, outcome, actor_person, purpose, access_point, data_categories, message_id FROM audit_log WHERE message_id = $1 ORDER BY seq", [messageId]);
    expect(audit).toEqual([
      expect.objectContaining({ action: 'READ', outcome: 'SUCCESS', actor_person: 'B. de Beheerder', purpose: 'waarom afgewezen', access_point: 'cli:npm run dead-letter', message_id: messageId }),
      expect.objectContaining({ action: 'READ', outcome: 'SUCCESS', actor_person: 'B. de Beheerder', purpose: 'partner vraagt naar het bericht (met BSN)' }),
      expect.objectContaining({ action: 'READ', outcome: 'FAILURE', actor_person: 'I. Ndringer', purpose: 'nieuwsgierig' }),
      expect.objectContaining({ action: 'READ', outcome: 'FAILURE', purpose: 'nog eens' }),
      expect.objectContaining({ action: 'READ', outcome: 'SUCCESS', purpose: 'van het topic' }),
    ]);
  });
});

describe('BSNs at rest: free text', () => {
  let scenario: Scenario;

  beforeAll(async () => {
    scenario = await openScenario(['toegang-almere', 'veilig-thuis-flevoland']);
  });
  afterAll(async () => {
    await scenario?.close();
  });

  it('masks an elfproef-valid number typed into free text in the stored event and the forwarded message, and leaves one that fails the elfproef', async () => {
    const toegang = scenario.partner('toegang-almere');
    const vt = scenario.partner('veilig-thuis-flevoland');
    const child = makeBsn();
    const [typed, grouped] = [makeBsn(), makeBsn()];
    const spaced = `${grouped.slice(0, 4)} ${grouped.slice(4, 6)} ${grouped.slice(6)}`;
    const notABsn = '123456789';
    const toelichting = `Moeder noemde het BSN van de broer: ${typed}. Oude notitie: ${spaced}. Dossiernummer ${notABsn}, bel 0612345678.`;
    await toegang.send(toestemming('toegang-almere', [child]));
    const event = hulpvraag('toegang-almere', [child], { toelichting });
    await toegang.send(event);

    const forwarded = await vt.outbound.waitFor('the hulpvraag at Veilig Thuis', (m) => m.event?.causationid === event.id, 60_000);
    expect(forwarded.event!.data.toelichting).toBe(`Moeder noemde het BSN van de broer: [bsn]. Oude notitie: [bsn]. Dossiernummer ${notABsn}, bel 0612345678.`);
    for (const bsn of [typed, grouped]) expect(forwarded.value!.includes(bsn)).toBe(false);
    expect(forwarded.value!.includes(spaced)).toBe(false);

    const stored: Array<{ data: { toelichting: string } }> = await scenario.db.query('SELECT data FROM inbox WHERE event_id = $1', [event.id]);
    expect(stored).toHaveLength(1);
    expect(stored[0].data.toelichting).toBe(forwarded.event!.data.toelichting);
    for (const bsn of [typed, grouped, child]) expect(await bsnInDatabase(scenario, bsn)).toEqual([]);
    expect(await bsnInDatabase(scenario, spaced)).toEqual([]);
  });
});
