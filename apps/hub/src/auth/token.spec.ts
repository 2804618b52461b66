import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type KeyLike } from 'jose';
import { TokenError, TokenVerifier, signToken } from './token';

const HUB_KEY = Buffer.alloc(32, 7);

describe('token verification', () => {
  let server: http.Server;
  let jwksUrl: string;
  let privateKey: KeyLike;
  const issuer = 'https://login.example.nl/realms/keten';

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256');
    privateKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    server = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const external = (claims: Record<string, unknown>, seconds = 300, iss = issuer, aud = 'urn:ketenhub:api') =>
    new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer(iss).setAudience(aud).setIssuedAt().setExpirationTime(`${seconds}s`).sign(privateKey);

  it('accepts the hub\'s own tokens and, with an external issuer configured, that issuer\'s tokens naming a partner in client_id', async () => {
    const verifier = new TokenVerifier(HUB_KEY, { issuer, jwksUrl, audience: 'urn:ketenhub:api', partnerClaim: 'client_id' });
    await expect(verifier.verify(await signToken(HUB_KEY, { sub: 'toegang-almere', role: 'PARTNER' }))).resolves.toMatchObject({ sub: 'toegang-almere', role: 'PARTNER', issuer: 'urn:ketenhub:hub' });
    await expect(verifier.verify(await external({ client_id: 'veilig-thuis-flevoland', sub: 'service-account-1' }))).resolves.toEqual({ sub: 'veilig-thuis-flevoland', role: 'PARTNER', issuer });
  });

  it('refuses an external token for another audience, one that lives too long, one naming no partner, and any external token when none is configured', async () => {
    const verifier = new TokenVerifier(HUB_KEY, { issuer, jwksUrl, audience: 'urn:ketenhub:api', partnerClaim: 'client_id' });
    await expect(verifier.verify(await external({ client_id: 'a' }, 300, issuer, 'urn:other'))).rejects.toThrow(TokenError);
    await expect(verifier.verify(await external({ client_id: 'a' }, 7200))).rejects.toThrow(/longer than 3600/);
    await expect(verifier.verify(await external({}))).rejects.toThrow(/names no partner/);
    const hubOnly = new TokenVerifier(HUB_KEY);
    await expect(hubOnly.verify(await external({ client_id: 'a' }))).rejects.toThrow(TokenError);
    await expect(hubOnly.verify('not.a.jwt')).rejects.toThrow(/not a JWT|not valid/);
  });
});
