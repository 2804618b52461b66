import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, decodeProtectedHeader, exportJWK, generateKeyPair, type JWTPayload, type KeyLike } from 'jose';
import { IssuerUnavailableError, MAX_TOKEN_SECONDS, TOKEN_AUDIENCE, TOKEN_ISSUER, TokenError, TokenVerifier, keyIdOf, signToken, type PeopleIssuer } from './token';

const HUB_KEY = Buffer.alloc(32, 7);
const OLD_KEY = Buffer.alloc(32, 9);
const now = () => Math.floor(Date.now() / 1000);

describe('token verification', () => {
  let server: http.Server;
  let base: string;
  let privateKey: KeyLike;
  const issuer = 'https://login.example.nl/realms/keten';
  const peopleIssuer = 'https://login.example.nl/realms/medewerkers';
  let people: PeopleIssuer;

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256');
    privateKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    server = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    people = {
      issuer: peopleIssuer, jwksUrl: `${base}/people/jwks`, audience: 'ketenhub-console', nameClaim: 'name', rolesClaim: 'realm_access.roles',
      privacyOfficerRole: 'fg', informationManagerRole: 'im',
    };
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const external = () => ({ issuer, jwksUrl: `${base}/jwks`, audience: 'urn:ketenhub:api', partnerClaim: 'client_id' });
  const verifier = (production = true) => new TokenVerifier({ keys: [HUB_KEY, OLD_KEY], production, external: external(), people });

  /** A token from the external issuer or the people's provider, with full control over iat, exp and kid. */
  function signed(claims: JWTPayload, opts: { iss?: string; aud?: string; exp?: number; iat?: number | null; kid?: string | null } = {}): Promise<string> {
    const jwt = new SignJWT(claims).setProtectedHeader(opts.kid === null ? { alg: 'ES256' } : { alg: 'ES256', kid: opts.kid ?? 'k1' })
      .setIssuer(opts.iss ?? issuer).setAudience(opts.aud ?? 'urn:ketenhub:api').setExpirationTime(opts.exp ?? now() + 300);
    if (opts.iat !== null) jwt.setIssuedAt(opts.iat ?? now());
    return jwt.sign(privateKey);
  }
  /** A token signed with a hub key, with full control over iat, exp and kid. */
  function hub(key: Buffer, claims: JWTPayload, opts: { exp?: number; iat?: number | null; kid?: string | null } = {}): Promise<string> {
    const jwt = new SignJWT(claims).setProtectedHeader(opts.kid === null ? { alg: 'HS256' } : { alg: 'HS256', kid: opts.kid ?? keyIdOf(key) })
      .setIssuer(TOKEN_ISSUER).setAudience(TOKEN_AUDIENCE).setSubject('toegang-almere').setExpirationTime(opts.exp ?? now() + 300);
    if (opts.iat !== null) jwt.setIssuedAt(opts.iat ?? now());
    return jwt.sign(key);
  }
  const partner = { ketenhub_role: 'PARTNER' };

  it('accepts the hub\'s own tokens and an external issuer\'s naming a partner in client_id', async () => {
    await expect(verifier().verify(await signToken(HUB_KEY, { sub: 'toegang-almere', role: 'PARTNER' }))).resolves.toMatchObject({ sub: 'toegang-almere', role: 'PARTNER', issuer: TOKEN_ISSUER });
    await expect(verifier().verify(await signed({ client_id: 'veilig-thuis-flevoland', sub: 'service-account-1' }))).resolves.toEqual({ sub: 'veilig-thuis-flevoland', role: 'PARTNER', issuer });
  });

  it('refuses a token without iat, whatever its issuer', async () => {
    await expect(verifier().verify(await hub(HUB_KEY, partner, { iat: null, exp: now() + 10 * 365 * 86_400 }))).rejects.toThrow(/"iat"/);
    await expect(verifier().verify(await hub(HUB_KEY, partner, { iat: null, exp: now() + 300 }))).rejects.toThrow(/"iat"/);
    await expect(verifier().verify(await signed({ client_id: 'a' }, { iat: null }))).rejects.toThrow(/"iat"/);
    await expect(verifier().verify(await signed({ sub: 'p', name: 'P', realm_access: { roles: ['fg'] } }, { iss: peopleIssuer, aud: 'ketenhub-console', iat: null }))).rejects.toThrow(/"iat"/);
  });

  it('refuses a token whose exp - iat is over the cap', async () => {
    await expect(verifier().verify(await hub(HUB_KEY, partner, { iat: now() - 10, exp: now() + MAX_TOKEN_SECONDS }))).rejects.toThrow(/exp - iat/);
    await expect(verifier().verify(await signed({ client_id: 'a' }, { exp: now() + 7200 }))).rejects.toThrow(/longer than 3600/);
  });

  it('refuses a token whose exp is further than the cap from now, and one issued in the future', async () => {
    const far = now() + 10 * 365 * 86_400;
    await expect(verifier().verify(await hub(HUB_KEY, partner, { iat: far - 600, exp: far }))).rejects.toThrow(/future|from now/);
    await expect(verifier().verify(await hub(HUB_KEY, partner, { iat: now() + 300, exp: now() + 600 }))).rejects.toThrow(/issued in the future/);
    // Within the clock skew the hub allows.
    await expect(verifier().verify(await hub(HUB_KEY, partner, { iat: now() + 20, exp: now() + 620 }))).resolves.toMatchObject({ role: 'PARTNER' });
  });

  it('takes an external token\'s partner from the configured claim only, never from sub', async () => {
    await expect(verifier().verify(await signed({ sub: 'toegang-almere' }))).rejects.toThrow(/names no partner in its client_id claim/);
    await expect(verifier().verify(await signed({}))).rejects.toThrow(/names no partner/);
  });

  it('refuses an external token for another audience, and any external token when no external issuer is configured', async () => {
    await expect(verifier().verify(await signed({ client_id: 'a' }, { aud: 'urn:other' }))).rejects.toThrow(TokenError);
    const hubOnly = new TokenVerifier({ keys: [HUB_KEY], production: true });
    await expect(hubOnly.verify(await signed({ client_id: 'a' }))).rejects.toThrow(TokenError);
    await expect(hubOnly.verify('not.a.jwt')).rejects.toThrow(/not a JWT|not valid/);
  });

  it('names the signing key in every token it makes, and refuses a token without a kid or with a kid it does not know', async () => {
    expect(decodeProtectedHeader(await signToken(HUB_KEY, { sub: 'x', role: 'PARTNER' })).kid).toBe(keyIdOf(HUB_KEY));
    expect(keyIdOf(HUB_KEY)).not.toBe(keyIdOf(OLD_KEY));
    await expect(verifier().verify(await hub(HUB_KEY, partner, { kid: null }))).rejects.toThrow(/no key id \(kid\)/);
    await expect(verifier().verify(await hub(HUB_KEY, partner, { kid: 'someone-elses' }))).rejects.toThrow(/none of this hub's keys/);
    await expect(verifier().verify(await signed({ client_id: 'a' }, { kid: null }))).rejects.toThrow(/no key id/);
    await expect(verifier().verify(await signed({ client_id: 'a' }, { kid: 'k2' }))).rejects.toThrow(TokenError);
    // A kid that names one key does not make another key's signature good.
    await expect(verifier().verify(await hub(Buffer.alloc(32, 3), partner, { kid: keyIdOf(HUB_KEY) }))).rejects.toThrow(/not valid/);
  });

  it('accepts a token of a previous key while it runs out (rotation), and not once that key is dropped', async () => {
    const old = await signToken(OLD_KEY, { sub: 'toegang-almere', role: 'PARTNER' });
    await expect(verifier().verify(old)).resolves.toMatchObject({ sub: 'toegang-almere' });
    await expect(new TokenVerifier({ keys: [HUB_KEY], production: true }).verify(old)).rejects.toThrow(/none of this hub's keys/);
  });

  it('refuses the hub\'s own people tokens in production, naming the setting, and accepts them in development', async () => {
    const officer = await signToken(HUB_KEY, { sub: 'fg', role: 'PRIVACY_OFFICER', name: 'M. Bakker' });
    await expect(verifier(true).verify(officer)).rejects.toThrow(/refused in production \(NODE_ENV=production\).*OIDC_ISSUER/);
    await expect(verifier(true).verify(await signToken(HUB_KEY, { sub: 'im', role: 'INFORMATIEMANAGER', name: 'R' }))).rejects.toThrow(/OIDC_ISSUER/);
    await expect(verifier(false).verify(officer)).resolves.toMatchObject({ role: 'PRIVACY_OFFICER', name: 'M. Bakker' });
    await expect(verifier(true).verify(await signToken(HUB_KEY, { sub: 'toegang-almere', role: 'PARTNER' }))).resolves.toMatchObject({ role: 'PARTNER' });
  });

  it('takes people from the OpenID Connect provider: name and role from the configured claims, audience pinned, one role at a time', async () => {
    const person = (claims: JWTPayload, opts: { aud?: string; exp?: number } = {}) => signed(claims, { iss: peopleIssuer, aud: opts.aud ?? 'ketenhub-console', exp: opts.exp });
    await expect(verifier().verify(await person({ sub: 'u1', name: 'M. Bakker', realm_access: { roles: ['medewerker', 'fg'] } })))
      .resolves.toEqual({ sub: 'u1', role: 'PRIVACY_OFFICER', name: 'M. Bakker', issuer: peopleIssuer });
    await expect(verifier().verify(await person({ sub: 'u2', name: 'R. de Boer', realm_access: { roles: 'im' } }))).resolves.toMatchObject({ role: 'INFORMATIEMANAGER', name: 'R. de Boer' });
    await expect(verifier().verify(await person({ sub: 'u1', name: 'X', realm_access: { roles: ['fg', 'im'] } }))).rejects.toThrow(/both/);
    await expect(verifier().verify(await person({ sub: 'u1', name: 'X', realm_access: { roles: ['medewerker'] } }))).rejects.toThrow(/grants neither fg/);
    await expect(verifier().verify(await person({ sub: 'u1', name: 'X', roles: ['fg'] }))).rejects.toThrow(/grants neither/);
    await expect(verifier().verify(await person({ sub: 'u1', realm_access: { roles: ['fg'] } }))).rejects.toThrow(/no name .* name claim/);
    await expect(verifier().verify(await person({ sub: 'u1', name: 'X', realm_access: { roles: ['fg'] } }, { aud: 'urn:ketenhub:api' }))).rejects.toThrow(TokenError);
    await expect(verifier().verify(await person({ sub: 'u1', name: 'X', realm_access: { roles: ['fg'] } }, { exp: now() + 7200 }))).rejects.toThrow(/longer than/);
    // A people token signed with a symmetric key is not even looked at as the provider's.
    const hs = await new SignJWT({ sub: 'u1', name: 'X', realm_access: { roles: ['fg'] } }).setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .setIssuer(peopleIssuer).setAudience('ketenhub-console').setIssuedAt().setExpirationTime('5m').sign(HUB_KEY);
    await expect(verifier().verify(hs)).rejects.toThrow(TokenError);
  });

  it('tells a provider that cannot be reached (503, ask again) from a token that is wrong (401)', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const away = new TokenVerifier({ keys: [HUB_KEY], production: true, people: { ...people, jwksUrl: `http://127.0.0.1:${port}/jwks` } });
    const token = await signed({ sub: 'u1', name: 'X', realm_access: { roles: ['fg'] } }, { iss: peopleIssuer, aud: 'ketenhub-console' });
    await expect(away.verify(token)).rejects.toThrow(IssuerUnavailableError);
    await expect(away.verify(token)).rejects.toThrow(/OIDC_JWKS_URL/);
    // The provider answers, but knows no key by this kid: the token's fault.
    await expect(verifier().verify(await signed({ sub: 'u1', name: 'X', realm_access: { roles: ['fg'] } }, { iss: peopleIssuer, aud: 'ketenhub-console', kid: 'gone' }))).rejects.toThrow(TokenError);
  });
});
