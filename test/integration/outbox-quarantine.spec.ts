/**
 * Issue 21, part 2, second attack: a message in the outbox that the broker refuses for good. On
 * main the relay retried it for ever, in front of every later message of every partner, and
 * /health/ready went down. Now the relay moves it to outbox_quarantine with the broker's reason
 * in the transaction that moves its position past it, publishes the rest in order per key, and
 * /metrics shows the quarantined message.
 */
import { randomUUID } from 'node:crypto';
import { OutboxStore, type OutboxMessage } from '@ketenhub/persistence';
import { hulpvraag, makeBsn, toestemming } from '../support/factories';
import type { KafkaPartner } from '../support/partner';
import { pollUntil } from '../support/poll';
import { openScenario, type Scenario } from '../support/scenario';

const BUS = 'toegang-almere';
const VT = 'veilig-thuis-flevoland';
/** Above the broker's default max.message.bytes (1,048,588) whatever the compression. */
const TOO_LARGE = 1_200_000;

describe('a message the broker refuses for good goes to quarantine and holds up nothing behind it', () => {
  let scenario: Scenario;
  let bus: KafkaPartner;
  let vt: KafkaPartner;

  beforeAll(async () => {
    scenario = await openScenario([BUS, VT]);
    bus = scenario.partner(BUS);
    vt = scenario.partner(VT);
  }, 180_000);

  afterAll(async () => {
    await scenario?.close();
  });

  const metric = async (line: RegExp): Promise<number | undefined> => {
    const text = await (await fetch(`${scenario.hub.url}/metrics`)).text();
    const hit = text.split('\n').find((l) => line.test(l));
    return hit === undefined ? undefined : Number(hit.split(' ').pop());
  };

  it('quarantines the too-large message with its reason, delivers the messages behind it in order, and shows it on /metrics', async () => {
    const topic = `${scenario.prefix}outbound.${VT}`;
    const key = randomUUID();
    const message = (value: Buffer): OutboxMessage => {
      const id = randomUUID();
      return { messageId: id, topic, key, value, headers: { 'ketenhub-message-id': id }, familyId: null };
    };
    // Random bytes: no compression brings them under the limit. Two small ones before, three after, one key (one partition).
    const big = message(Buffer.from(Array.from({ length: TOO_LARGE }, () => Math.floor(Math.random() * 256))));
    const before = [1, 2].map((n) => message(Buffer.from(JSON.stringify({ n }))));
    const after = [3, 4, 5].map((n) => message(Buffer.from(JSON.stringify({ n }))));
    const outbox = new OutboxStore();
    await scenario.db.transaction((db) => outbox.add(db, [...before, big, ...after]));
    // A partner's ordinary event after it, through the whole pipeline.
    const child = makeBsn();
    const good = hulpvraag(BUS, [child]);
    await bus.send(toestemming(BUS, [child]));
    await bus.send(good);

    await vt.outbound.waitFor('the good event after the refused message', (m) => m.event?.causationid === good.id, 60_000);
    const idOf = (m: { headers: Record<string, string> }) => m.headers['ketenhub-message-id'];
    const small = [...before, ...after].map((m) => m.messageId);
    await pollUntil('the five small messages around it', () => (small.every((id) => vt.outbound.messages.some((m) => idOf(m) === id)) ? true : undefined), 30_000);
    // In order per key: the first arrival of each, in outbox order (a repeat after the producer change is allowed and dropped by receivers).
    const firstArrivals = vt.outbound.messages.filter((m) => m.key === key).map(idOf).filter((id, k, all) => all.indexOf(id) === k);
    expect(firstArrivals).toEqual(small);
    expect(vt.outbound.messages.some((m) => idOf(m) === big.messageId)).toBe(false);

    const rows = await scenario.db.query('SELECT message_id, topic, message_key, value_bytes, reason, detail, length(value) AS stored FROM outbox_quarantine');
    expect(rows).toEqual([expect.objectContaining({ message_id: big.messageId, topic, message_key: key, value_bytes: TOO_LARGE, stored: TOO_LARGE, reason: 'MESSAGE_TOO_LARGE' })]);
    expect(rows[0].detail).toEqual(expect.any(String));
    expect(await metric(/^ketenhub_outbox_quarantined /)).toBe(1);
    expect(await metric(/^ketenhub_outbox_quarantined_total\{reason="MESSAGE_TOO_LARGE"\} /)).toBe(1);
    const [{ n }] = await scenario.db.query(`SELECT count(*)::int AS n FROM outbox WHERE seq > (SELECT coalesce(max(up_to_seq), 0) FROM outbox_published)`);
    expect(n).toBe(0);
    expect((await fetch(`${scenario.hub.url}/health/ready`)).status).toBe(200);
    const logged = scenario.hub.logs.filter((l) => l.includes('moved it to quarantine'));
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain(big.messageId);
  }, 120_000);
});
