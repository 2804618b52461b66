import { createHash } from 'node:crypto';
import { SignJWT, createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, errors, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { PeopleIssuerConfig } from '@ketenhub/config';

/**
 * The API's tokens. Who asks is one of: a partner organisation (its role comes from the region,
 * never from the token), a privacy officer, or an information manager (a person).
 * - The hub's own tokens (JWT, HS256, API_TOKEN_KEY; the header's kid names the key, so a new key
 *   can take over while tokens of the previous one, API_TOKEN_PREVIOUS_KEYS, run out). Partners get
 *   theirs at POST /oauth/token. People's are for development only (`npm run token`): in
 *   production they are refused, however well signed.
 * - An external authorization server's client-credentials tokens (OAUTH_ISSUER, its JWKS): those
 *   name a partner, in the configured claim and nowhere else.
 * - The organisation's OpenID Connect provider (OIDC_ISSUER, its JWKS): those name a person, with
 *   the person's name and role from configured claims. The only people tokens production takes.
 * Every token carries a kid, iat and exp, lives at most MAX_TOKEN_SECONDS and expires within that
 * from now.
 */
export const TOKEN_ISSUER = 'urn:ketenhub:hub';
export const TOKEN_AUDIENCE = 'urn:ketenhub:api';
export const MAX_TOKEN_SECONDS = 3600;
/** How far an issuer's clock may run ahead of the hub's. */
export const CLOCK_SKEW_SECONDS = 60;
/** Asymmetric signatures only for tokens verified against a JWKS: no HS256 with a public key as its secret, no "none". */
const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
const MAX_NAME_LENGTH = 200;

export const API_ROLES = ['PARTNER', 'PRIVACY_OFFICER', 'INFORMATIEMANAGER'] as const;
export type ApiRole = (typeof API_ROLES)[number];

export interface TokenClaims {
  sub: string;
  role: ApiRole;
  /** The person behind the request, where known (an employee id or name). */
  name?: string;
}

/**
 * The key id of one of the hub's token keys: derived from the key, so that setting a new
 * API_TOKEN_KEY is all it takes to rotate, and a key and its id can never disagree. A one-way
 * digest of 32 random bytes: it tells nothing about the key.
 */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update('ketenhub/api-token-key-id/v1\0').update(key).digest('base64url').slice(0, 16);
}

export async function signToken(key: Buffer, claims: TokenClaims, seconds = 900): Promise<string> {
  if (seconds > MAX_TOKEN_SECONDS) throw new Error(`tokens live at most ${MAX_TOKEN_SECONDS} s`);
  return new SignJWT({ ketenhub_role: claims.role, ...(claims.name ? { name: claims.name } : {}) })
    .setProtectedHeader({ alg: 'HS256', kid: keyIdOf(key) })
    .setSubject(claims.sub).setIssuer(TOKEN_ISSUER).setAudience(TOKEN_AUDIENCE)
    .setIssuedAt().setExpirationTime(`${seconds}s`)
    .sign(key);
}

export class TokenError extends Error {}

/** An issuer's key set (JWKS) could not be fetched: nothing is wrong with the token as far as the hub knows; ask again (503). */
export class IssuerUnavailableError extends Error {
  constructor(readonly setting: string, cause: unknown) {
    super(`the issuer's keys at ${setting} could not be fetched just now`, { cause });
    this.name = 'IssuerUnavailableError';
  }
}

export interface ExternalIssuer {
  issuer: string;
  jwksUrl: string;
  audience: string;
  /** The claim that holds the partner id (client_id for most authorization servers, azp for some). */
  partnerClaim: string;
}

export type PeopleIssuer = PeopleIssuerConfig;

export interface VerifierOptions {
  /** API_TOKEN_KEY (first) and the earlier keys still accepted. */
  keys: Buffer[];
  /** NODE_ENV=production: the hub's own people tokens are refused. */
  production: boolean;
  external?: ExternalIssuer;
  people?: PeopleIssuer;
}

type RemoteKeys = JWTVerifyGetKey;

/**
 * An issuer's JWKS, fetched and cached by jose (fetched again, at most every 30 s, for a kid it
 * does not know yet: the issuer can roll keys one at a time). A token whose kid the set lacks is
 * the token's fault (401); a set that cannot be fetched (down, timeout, not 200, not JSON) is not
 * (IssuerUnavailableError, 503).
 */
function remoteKeys(url: string, setting: string): RemoteKeys {
  const keys = createRemoteJWKSet(new URL(url), { cooldownDuration: 30_000, timeoutDuration: 5_000 });
  return async (header, token) => {
    try {
      return await keys(header, token);
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys || error instanceof errors.JOSENotSupported) throw error;
      throw new IssuerUnavailableError(setting, error);
    }
  };
}

/** Checks a bearer token against the issuer it names: the hub, the external partner issuer, or the people's provider. */
export class TokenVerifier {
  private readonly hubKeys: Map<string, Buffer>;
  private readonly externalKeys?: RemoteKeys;
  private readonly peopleKeys?: RemoteKeys;

  constructor(private readonly options: VerifierOptions) {
    this.hubKeys = new Map(options.keys.map((key) => [keyIdOf(key), key]));
    if (options.external) this.externalKeys = remoteKeys(options.external.jwksUrl, 'OAUTH_JWKS_URL');
    if (options.people) this.peopleKeys = remoteKeys(options.people.jwksUrl, 'OIDC_JWKS_URL');
  }

  async verify(token: string): Promise<TokenClaims & { issuer: string }> {
    let issuer: string | undefined;
    let kid: unknown;
    try {
      issuer = decodeJwt(token).iss;
      kid = decodeProtectedHeader(token).kid;
    } catch {
      throw new TokenError('the token is not a JWT');
    }
    if (typeof kid !== 'string' || kid === '') throw new TokenError('the token has no key id (kid) in its header: every token names the key it was signed with');
    const { people, external } = this.options;
    if (people && this.peopleKeys && issuer === people.issuer) return { ...(await verifyPerson(token, people, this.peopleKeys)), issuer };
    if (external && this.externalKeys && issuer === external.issuer) return { ...(await verifyExternal(token, external, this.externalKeys)), issuer };
    return { ...(await this.verifyOwn(token, kid)), issuer: TOKEN_ISSUER };
  }

  private async verifyOwn(token: string, kid: string): Promise<TokenClaims> {
    const key = this.hubKeys.get(kid);
    if (!key) throw new TokenError(`the token's key id '${kid.slice(0, 40)}' is none of this hub's keys (API_TOKEN_KEY, API_TOKEN_PREVIOUS_KEYS)`);
    const claims = await verifyToken(key, token);
    if (this.options.production && claims.role !== 'PARTNER') {
      throw new TokenError(`a ${claims.role} token signed with API_TOKEN_KEY is refused in production (NODE_ENV=production): people sign in at the organisation's `
        + `OpenID Connect provider, set in OIDC_ISSUER${this.options.people ? '' : ' (not set on this hub)'}`);
    }
    return claims;
  }
}

/** A token of the hub's own, whatever its role (the caller decides whether this hub takes people's). */
export async function verifyToken(key: Buffer, token: string): Promise<TokenClaims> {
  return guard(async () => {
    const { payload } = await jwtVerify(token, key, { issuer: TOKEN_ISSUER, audience: TOKEN_AUDIENCE, algorithms: ['HS256'], requiredClaims: ['exp', 'iat', 'sub'] });
    lifetimeCheck(payload);
    const role = payload.ketenhub_role;
    if (typeof role !== 'string' || !(API_ROLES as readonly string[]).includes(role)) throw new TokenError(`the token's ketenhub_role must be one of ${API_ROLES.join(', ')}`);
    return { sub: payload.sub!, role: role as ApiRole, ...(typeof payload.name === 'string' ? { name: payload.name } : {}) };
  });
}

async function verifyExternal(token: string, external: ExternalIssuer, keys: RemoteKeys): Promise<TokenClaims> {
  const payload = await guard(() => jwtVerify(token, keys, {
    issuer: external.issuer, audience: external.audience, algorithms: ASYMMETRIC, requiredClaims: ['exp', 'iat'],
  }).then((r) => r.payload));
  lifetimeCheck(payload);
  // The configured claim only: a sub that happens to equal a partner id (a user, a service account) names no partner.
  const partnerId = payload[external.partnerClaim];
  if (typeof partnerId !== 'string' || partnerId === '') throw new TokenError(`the token names no partner in its ${external.partnerClaim} claim (OAUTH_PARTNER_CLAIM)`);
  return { sub: partnerId, role: 'PARTNER' };
}

async function verifyPerson(token: string, people: PeopleIssuer, keys: RemoteKeys): Promise<TokenClaims> {
  const payload = await guard(() => jwtVerify(token, keys, {
    issuer: people.issuer, audience: people.audience, algorithms: ASYMMETRIC, requiredClaims: ['exp', 'iat', 'sub'],
  }).then((r) => r.payload));
  lifetimeCheck(payload);
  const name = payload[people.nameClaim];
  if (typeof name !== 'string' || name.trim() === '' || name.length > MAX_NAME_LENGTH) {
    throw new TokenError(`the token gives no name (at most ${MAX_NAME_LENGTH} characters) in its ${people.nameClaim} claim (OIDC_NAME_CLAIM)`);
  }
  const roles = rolesAt(payload, people.rolesClaim);
  const officer = roles.includes(people.privacyOfficerRole);
  const manager = roles.includes(people.informationManagerRole);
  if (officer && manager) {
    throw new TokenError(`the token grants both ${people.privacyOfficerRole} and ${people.informationManagerRole}: the privacy officer oversees the information manager, so one person holds one of the two`);
  }
  if (!officer && !manager) {
    throw new TokenError(`the token grants neither ${people.privacyOfficerRole} (OIDC_PRIVACY_OFFICER_ROLE) nor ${people.informationManagerRole} (OIDC_INFORMATION_MANAGER_ROLE) in its ${people.rolesClaim} claim`);
  }
  return { sub: payload.sub!, role: officer ? 'PRIVACY_OFFICER' : 'INFORMATIEMANAGER', name: name.trim() };
}

/** The strings at a dotted claim path (Keycloak's realm_access.roles, Entra's roles, a groups claim): one string or a list of them. */
function rolesAt(payload: JWTPayload, claimPath: string): string[] {
  let value: unknown = payload;
  for (const step of claimPath.split('.')) value = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>)[step] : undefined;
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** exp - iat and exp - now within the cap, and not issued in the future (jose has checked both are numbers). */
function lifetimeCheck(payload: JWTPayload): void {
  const now = Math.floor(Date.now() / 1000);
  const { iat, exp } = payload as { iat: number; exp: number };
  if (iat > now + CLOCK_SKEW_SECONDS) throw new TokenError('the token was issued in the future (iat)');
  if (exp - iat > MAX_TOKEN_SECONDS) throw new TokenError(`the token lives longer than ${MAX_TOKEN_SECONDS} s (exp - iat)`);
  if (exp - now > MAX_TOKEN_SECONDS + CLOCK_SKEW_SECONDS) throw new TokenError(`the token expires more than ${MAX_TOKEN_SECONDS} s from now (exp)`);
}

async function guard<T>(verify: () => Promise<T>): Promise<T> {
  try {
    return await verify();
  } catch (error) {
    if (error instanceof TokenError || error instanceof IssuerUnavailableError) throw error;
    if (error instanceof errors.JWTExpired) throw new TokenError('the token has expired');
    // Which claim is missing or wrong (e.g. 'missing required "iat" claim'): the claims are the caller's own.
    if (error instanceof errors.JWTClaimValidationFailed) throw new TokenError(`the token is not valid: ${error.message}`);
    if (error instanceof errors.JOSEError) throw new TokenError(`the token is not valid (${error.code})`);
    throw error;
  }
}
