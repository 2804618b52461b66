/**
 * The HTTP API while the hub cannot reach its database, on the real PostgreSQL and broker: the
 * hub talks to PostgreSQL through a TCP proxy (test/support/tcp-proxy.ts) that the test cuts, as
 * the network between a hub and its database can fail. A partner reading its feed, and a privacy
 * officer reading the trail, get 503 problem+json TIJDELIJK_NIET_BESCHIKBAAR with Retry-After
 * (try again shortly), not 500 (the hub failed); once the database is back the same requests
 * answer 200 again, from the same hub process.
 */
import { partnerAccessToken } from '../../deploy/local/https-partner';
import { regionWithConnections } from '../../deploy/local/region-copy';
import { pollUntil } from '../support/poll';
import { openScenario, type Scenario } from '../support/scenario';
import { TcpProxy } from '../support/tcp-proxy';
import { testKeys } from '../support/test-env';

const FEED_PARTNER = 'toegang-almere';
const PROBLEM = 'application/problem+json';

describe('the HTTP API while the database is unreachable', () => {
  const keys = testKeys();
  let proxy: TcpProxy;
  let scenario: Scenario;
  let bearer: string;

  beforeAll(async () => {
    const database = new URL(process.env.DATABASE_URL ?? '');
    if (!database.port) throw new Error('DATABASE_URL is not set: run the integration tier through jest (global-setup starts PostgreSQL)');
    proxy = await TcpProxy.to(`${database.hostname}:${database.port}`);
    const throughProxy = (url: string) => {
      const viaProxy = new URL(url);
      viaProxy.port = proxy.address.split(':')[1];
      return viaProxy.toString();
    };
    scenario = await openScenario([], { REGION_DIR: regionWithConnections({ [FEED_PARTNER]: '{ via: HTTPS_FEED }' }) }, keys, throughProxy);
    bearer = `Bearer ${await partnerAccessToken(scenario.hub.url, FEED_PARTNER, Buffer.from(keys.partner, 'base64'))}`;
  });
  afterAll(async () => {
    await proxy?.restore();
    await scenario?.close();
    await proxy?.stop();
  });

  const feed = () => fetch(`${scenario.hub.url}/feed?wait=0`, { headers: { authorization: bearer } });
  const trail = () => scenario.api({ sub: 'fg-flevoland', role: 'PRIVACY_OFFICER', name: 'M. Bakker (FG)' }, '/privacy/disclosures');

  it('answers 503 with Retry-After while it is away, and 200 again from the same process once it is back', async () => {
    expect((await feed()).status).toBe(200);
    expect((await trail()).status).toBe(200);
    const acceptedBefore = proxy.accepted;

    await proxy.cut();
    for (const request of [feed, trail]) {
      const answer = await request();
      expect({ status: answer.status, type: answer.headers.get('content-type'), retryAfter: answer.headers.get('retry-after') })
        .toEqual({ status: 503, type: expect.stringContaining(PROBLEM), retryAfter: '5' });
      expect(await answer.json()).toMatchObject({ title: 'TIJDELIJK_NIET_BESCHIKBAAR', reason: 'TIJDELIJK_NIET_BESCHIKBAAR', detail: expect.stringContaining('cannot reach its database') });
    }

    await proxy.restore();
    await pollUntil('the feed answering 200 again', async () => ((await feed()).status === 200 ? true : undefined), 30_000, 250);
    expect((await trail()).status).toBe(200);
    // The hub did not go round the proxy, and did not restart to recover.
    expect(proxy.accepted).toBeGreaterThan(acceptedBefore);
    expect(scenario.hub.child.exitCode).toBeNull();
  });
});
