import { SignJWT, createRemoteJWKSet, decodeJwt, jwtVerify, errors, type JWTPayload } from 'jose';

/**
 * The hub's own short-lived API tokens (JWT, HS256, key API_TOKEN_KEY). Who asks is one of:
 * a partner organisation (sub = its partner id; its role comes from the region, never from the
 * token), a privacy officer, or an information manager (sub = the person).
 * Partners get theirs from the OAuth2 client-credentials flow at POST /oauth/token. In production
 * the hub can accept, next to its own, the tokens of an external authorization server
 * (OAUTH_ISSUER, verified against its JWKS): those always name a partner.
 */
export const TOKEN_ISSUER = 'urn:ketenhub:hub';
export const TOKEN_AUDIENCE = 'urn:ketenhub:api';
export const MAX_TOKEN_SECONDS = 3600;

export const API_ROLES = ['PARTNER', 'PRIVACY_OFFICER', 'INFORMATIEMANAGER'] as const;
export type ApiRole = (typeof API_ROLES)[number];

export interface TokenClaims {
  sub: string;
  role: ApiRole;
  /** The person behind the request, where known (an employee id or name). */
  name?: string;
}

export async function signToken(key: Buffer, claims: TokenClaims, seconds = 900): Promise<string> {
  if (seconds > MAX_TOKEN_SECONDS) throw new Error(`tokens live at most ${MAX_TOKEN_SECONDS} s`);
  return new SignJWT({ ketenhub_role: claims.role, ...(claims.name ? { name: claims.name } : {}) })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(claims.sub).setIssuer(TOKEN_ISSUER).setAudience(TOKEN_AUDIENCE)
    .setIssuedAt().setExpirationTime(`${seconds}s`)
    .sign(key);
}

export class TokenError extends Error {}

export interface ExternalIssuer {
  issuer: string;
  jwksUrl: string;
  audience: string;
  /** The claim that holds the partner id (client_id for most authorization servers, azp for some). */
  partnerClaim: string;
}

/** Checks the hub's own tokens, and those of an external issuer where one is configured. */
export class TokenVerifier {
  private readonly jwks?: ReturnType<typeof createRemoteJWKSet>;

  constructor(private readonly key: Buffer, private readonly external?: ExternalIssuer) {
    if (external) this.jwks = createRemoteJWKSet(new URL(external.jwksUrl), { cooldownDuration: 30_000, timeoutDuration: 5_000 });
  }

  async verify(token: string): Promise<TokenClaims & { issuer: string }> {
    let issuer: string | undefined;
    try {
      issuer = decodeJwt(token).iss;
    } catch {
      throw new TokenError('the token is not a JWT');
    }
    if (this.external && this.jwks && issuer === this.external.issuer) {
      return { ...(await this.verifyExternal(token, this.external, this.jwks)), issuer };
    }
    return { ...(await verifyToken(this.key, token)), issuer: TOKEN_ISSUER };
  }

  private async verifyExternal(token: string, external: ExternalIssuer, jwks: ReturnType<typeof createRemoteJWKSet>): Promise<TokenClaims> {
    const payload = await guard(() => jwtVerify(token, jwks, {
      issuer: external.issuer, audience: external.audience, algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'], requiredClaims: ['exp'],
    }).then((r) => r.payload));
    lifetimeCheck(payload);
    const partnerId = payload[external.partnerClaim] ?? payload.sub;
    if (typeof partnerId !== 'string' || partnerId === '') throw new TokenError(`the token names no partner in its ${external.partnerClaim} claim`);
    return { sub: partnerId, role: 'PARTNER' };
  }
}

function lifetimeCheck(payload: JWTPayload): void {
  if (payload.iat !== undefined && payload.exp !== undefined && payload.exp - payload.iat > MAX_TOKEN_SECONDS) throw new TokenError(`the token lives longer than ${MAX_TOKEN_SECONDS} s`);
}

async function guard<T>(verify: () => Promise<T>): Promise<T> {
  try {
    return await verify();
  } catch (error) {
    if (error instanceof TokenError) throw error;
    if (error instanceof errors.JWTExpired) throw new TokenError('the token has expired');
    if (error instanceof errors.JOSEError) throw new TokenError(`the token is not valid (${error.code})`);
    throw error;
  }
}

export async function verifyToken(key: Buffer, token: string): Promise<TokenClaims> {
  return guard(async () => {
    const { payload } = await jwtVerify(token, key, { issuer: TOKEN_ISSUER, audience: TOKEN_AUDIENCE, algorithms: ['HS256'], requiredClaims: ['exp', 'sub'] });
    const role = payload.ketenhub_role;
    if (typeof role !== 'string' || !(API_ROLES as readonly string[]).includes(role)) throw new TokenError(`the token's ketenhub_role must be one of ${API_ROLES.join(', ')}`);
    lifetimeCheck(payload);
    return { sub: payload.sub!, role: role as ApiRole, ...(typeof payload.name === 'string' ? { name: payload.name } : {}) };
  });
}
