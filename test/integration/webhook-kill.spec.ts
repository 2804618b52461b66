/**
 * A hub SIGKILLed in the middle of a run of webhook deliveries sends again only the request it
 * had not had an answer to: every answer it had is on record. Until this test, one transaction
 * covered a cycle of up to 50 requests, and a kill sent every answered one of them again.
 */
import { chainEvent, makeBsn } from '../support/factories';
import { pollUntil } from '../support/poll';
import { regionWithConnections } from '../../deploy/local/region-copy';
import { openScenario, type Scenario } from '../support/scenario';
import { startHubProcess, testKeys } from '../support/test-env';
import { WebhookReceiver } from '../../deploy/local/webhook-receiver';
import { webhookSecretOf } from '../../apps/hub/src/gateway/partner-secrets';
import { DISPATCH_LOCK } from '../../apps/hub/src/gateway/webhook.dispatcher';

const WEBHOOK_PARTNER = 'toegang-almere';
const PATH = '/toegang';

describe('a hub killed during webhook deliveries', () => {
  const keys = testKeys();
  let receiver: WebhookReceiver;
  let scenario: Scenario;
  let env: Record<string, string>;

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    receiver.expect(PATH, webhookSecretOf(Buffer.from(keys.partner, 'base64'), WEBHOOK_PARTNER));
    // The receiver answers nothing until the test has a backlog in place.
    receiver.hold(PATH, 0);
    env = {
      REGION_DIR: regionWithConnections({ [WEBHOOK_PARTNER]: `{ via: HTTPS_WEBHOOK, webhookUrl: "${receiver.url(PATH)}" }` }),
      WEBHOOK_POLL_MS: '50',
      WEBHOOK_TIMEOUT_MS: '60000',
    };
    scenario = await openScenario(['veilig-thuis-flevoland'], env, keys);
  });
  afterAll(async () => {
    await scenario?.close();
    await receiver?.stop();
  });

  const count = async (sql: string, params: unknown[]): Promise<number> => Number((await scenario.db.query(sql, params))[0].n);

  it('sends again only the request that had no answer', async () => {
    const vt = scenario.partner('veilig-thuis-flevoland');
    // Each melding in Almere goes to Almere's local access team, here a webhook partner.
    const meldingen = Array.from({ length: 10 }, () =>
      chainEvent('veilig-thuis-flevoland', 'veiligthuis.melding-ontvangen', [makeBsn()], { gemeente: 'GM0034', melder: 'POLITIE' }));
    for (const melding of meldingen) await vt.send(melding);

    const owed = await pollUntil('the meldingen applied and the first request waiting at the receiver', async () => {
      const applied = await count('SELECT count(*) AS n FROM inbox WHERE event_id = ANY($1)', [meldingen.map((m) => m.id)]);
      const rows = await count('SELECT count(*) AS n FROM partner_delivery WHERE partner_id = $1', [WEBHOOK_PARTNER]);
      return applied === meldingen.length && rows >= meldingen.length && receiver.waiting(PATH) === 1 ? rows : undefined;
    }, 60_000);

    // Five answers, then the receiver hangs on the sixth request, and the hub dies waiting for it.
    receiver.hold(PATH, 5);
    await pollUntil('five answered and the sixth waiting', async () => (receiver.on(PATH).length === 5 && receiver.waiting(PATH) === 1 ? true : undefined));
    scenario.hub.child.kill('SIGKILL');
    expect((await scenario.hub.exited).signal).toBe('SIGKILL');
    expect(await count("SELECT count(*) AS n FROM partner_delivery WHERE partner_id = $1 AND status = 'DELIVERED'", [WEBHOOK_PARTNER])).toBe(5);

    receiver.release(PATH);
    scenario.hub = await startHubProcess({ databaseUrl: scenario.databaseUrl, topicPrefix: scenario.prefix, keys, env });
    await pollUntil('everything owed delivered', async () =>
      ((await count("SELECT count(*) AS n FROM partner_delivery WHERE partner_id = $1 AND status = 'DELIVERED'", [WEBHOOK_PARTNER])) === owed ? true : undefined), 60_000);

    const received = receiver.on(PATH);
    expect(received.every((d) => d.signatureOk)).toBe(true);
    expect(new Set(received.map((d) => d.id)).size).toBe(owed);
    // No answered request was sent again; the one in flight at the kill was answered once, after.
    expect(received).toHaveLength(owed);

    // The lock is the session's: between cycles no connection keeps it (one that did would shut
    // out every other hub instance). objsubid 2 marks a lock taken with two int keys.
    await pollUntil('the dispatch lock free between cycles', async () =>
      ((await count("SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 2 AND classid = $1", [DISPATCH_LOCK])) === 0 ? true : undefined));
  });
});
