import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type JWTPayload, type KeyLike } from 'jose';

/**
 * The organisation's OpenID Connect provider, as the tests' hubs meet it: an ES256 key pair made
 * here and its public half served as a JWKS from a small HTTP server in the test process, so a
 * hub under test (NODE_ENV=production) verifies people's tokens exactly as it verifies a real
 * provider's: fetched keys, pinned issuer and audience, asymmetric signatures only. It is one per
 * test file (jest gives each file its own modules); its server does not keep the process alive.
 */
export interface TestOidcIssuer {
  issuer: string;
  audience: string;
  jwksUrl: string;
  /** The settings that point a hub at this provider. */
  env: Record<string, string>;
  /** A person's token: `roles` holds the provider's group names (see ROLE_GROUPS). */
  sign(claims: JWTPayload, options?: { seconds?: number; kid?: string | null; iat?: number | null; key?: KeyLike }): Promise<string>;
}

/** The provider's group names the tests' hubs map to the hub's people roles (the hub's defaults). */
export const ROLE_GROUPS = { PRIVACY_OFFICER: 'ketenhub-privacy-officer', INFORMATIEMANAGER: 'ketenhub-informatiemanager' } as const;

let shared: Promise<TestOidcIssuer> | undefined;

export function testOidcIssuer(): Promise<TestOidcIssuer> {
  shared ??= startIssuer();
  return shared;
}

async function startIssuer(): Promise<TestOidcIssuer> {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const kid = 'test-oidc-1';
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }] });
  const server = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(jwks));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = `${base}/realms/keten`;
  const audience = 'ketenhub-console';
  const jwksUrl = `${base}/realms/keten/protocol/openid-connect/certs`;
  return {
    issuer, audience, jwksUrl,
    env: { OIDC_ISSUER: issuer, OIDC_JWKS_URL: jwksUrl, OIDC_AUDIENCE: audience },
    async sign(claims, options = {}) {
      const header = options.kid === null ? { alg: 'ES256' } : { alg: 'ES256', kid: options.kid ?? kid };
      const now = Math.floor(Date.now() / 1000);
      const jwt = new SignJWT(claims).setProtectedHeader(header).setIssuer(issuer).setAudience(audience).setExpirationTime(now + (options.seconds ?? 600));
      if (options.iat !== null) jwt.setIssuedAt(options.iat ?? now);
      return jwt.sign(options.key ?? privateKey);
    },
  };
}
