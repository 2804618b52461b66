/**
 * The hub is SIGKILLed after the database transaction for an event committed and before its
 * Kafka offset was committed (KETENHUB_FAILPOINT). The restarted hub reads the event again,
 * recognises it, and applies nothing twice; the delivery it owed still arrives.
 */
import type { Kafka } from 'kafkajs';
import { DataSource } from 'typeorm';
import { PUBLISHED_UP_TO, verifyAuditChain } from '@ketenhub/persistence';
import { hulpvraag, makeBsn, toestemming } from '../support/factories';
import { KafkaPartner, testKafka } from '../support/partner';
import { pollUntil } from '../support/poll';
import { FAILPOINT_ENV, createTestDatabase, startHubProcess, testKeys, uniquePrefix, type HubProcess } from '../support/test-env';

describe('crash between database commit and offset commit', () => {
  let kafka: Kafka;
  let db: DataSource;
  let databaseUrl: string;
  let hub: HubProcess | undefined;
  let toegang: KafkaPartner;
  let vt: KafkaPartner;
  const prefix = uniquePrefix();
  const keys = testKeys();

  beforeAll(async () => {
    kafka = testKafka();
    databaseUrl = await createTestDatabase();
    db = await new DataSource({ type: 'postgres', url: databaseUrl }).initialize();
  });

  afterAll(async () => {
    await Promise.allSettled([toegang?.close(), vt?.close()]);
    await hub?.stop();
    await db?.destroy();
  });

  const count = async (sql: string, params: unknown[] = []): Promise<number> => Number((await db.query(sql, params))[0].n);

  it('loses nothing and applies nothing twice', async () => {
    const children = [makeBsn(), makeBsn()];
    const victim = hulpvraag('toegang-almere', children);
    hub = await startHubProcess({ databaseUrl, topicPrefix: prefix, keys, env: { KETENHUB_FAILPOINT: `kill-after-db-commit:${victim.id}`, ...FAILPOINT_ENV } });
    toegang = await KafkaPartner.connect(kafka, 'toegang-almere', prefix);
    vt = await KafkaPartner.connect(kafka, 'veilig-thuis-flevoland', prefix);

    // The demo region shares requests with Veilig Thuis on consent, recorded first.
    await toegang.send(toestemming('toegang-almere', children));
    await toegang.send(victim);
    const death = await hub.exited;
    expect(death.signal).toBe('SIGKILL');

    // The effect is durable, the offset is not.
    expect(await count('SELECT count(*) AS n FROM inbox WHERE event_id = $1', [victim.id])).toBe(1);
    const admin = kafka.admin();
    await admin.connect();
    const [committed] = await admin.fetchOffsets({ groupId: `${prefix}ketenhub-hub`, topics: [`${prefix}inbound.toegang-almere`] });
    await admin.disconnect();
    // The consent before it (offset 0) is committed; the victim (offset 1) is not.
    expect(committed.partitions.map((p) => p.offset).filter((o) => o !== '-1')).toEqual(['1']);

    // Restart without the failpoint: the event comes again and is recognised.
    hub = await startHubProcess({ databaseUrl, topicPrefix: prefix, keys });
    const nextChild = makeBsn();
    const next = hulpvraag('toegang-almere', [nextChild]);
    await toegang.send(toestemming('toegang-almere', [nextChild]));
    await toegang.send(next);
    await vt.outbound.waitFor('the next event after the restart', (m) => m.event?.causationid === next.id);
    await vt.outbound.waitFor('the delivery owed before the crash', (m) => m.event?.causationid === victim.id);

    const metrics = await pollUntil('the duplicate to be counted', async () => {
      const text = await (await fetch(`${hub!.url}/metrics`)).text();
      return /ketenhub_events_duplicate_total\{partner="toegang-almere"\} 1/.test(text) ? text : undefined;
    });
    expect(metrics).toContain('ketenhub_events_accepted_total{partner="toegang-almere",type="nl.ketenhub.toegang.hulpvraag-geregistreerd.v1"} 1');

    // No double effect: one inbox record, one family with its two children, the parent named in the
    // request and the parent who consented; one disclosure.
    expect(await count('SELECT count(*) AS n FROM inbox WHERE event_id = $1', [victim.id])).toBe(1);
    expect(await count('SELECT count(*) AS n FROM family')).toBe(2);
    expect(await count('SELECT count(*) AS n FROM person')).toBe(7);
    expect(await count("SELECT count(*) AS n FROM audit_log WHERE causation_id = $1 AND action = 'DISCLOSE'", [victim.id])).toBe(1);
    expect(await count(`SELECT count(*) AS n FROM outbox WHERE seq > ${PUBLISHED_UP_TO}`)).toBe(0);
    // The activation of the region configuration, the two disclosures, and local access becoming
    // involved with each of the two families once (by its municipality, through the consent).
    await expect(verifyAuditChain(db.manager, { key: Buffer.from(keys.audit, 'base64') })).resolves.toEqual({ ok: true, records: 5 });
    expect(await count("SELECT count(*) AS n FROM audit_log WHERE action = 'INVOLVE'")).toBe(2);

    // At least once on the wire, and every copy carries the same message id for the receiver to drop.
    const copies = vt.outbound.events().filter((e) => e.causationid === victim.id);
    expect(new Set(copies.map((e) => e.id)).size).toBe(1);
  });
});
