import { SignJWT, jwtVerify, errors } from 'jose';

/**
 * The hub's own short-lived API tokens (JWT, HS256, key API_TOKEN_KEY). Who asks is one of:
 * a partner organisation (sub = its partner id; its role comes from the region, never from the
 * token), a privacy officer, or an information manager (sub = the person).
 * The partner gateway adds the OAuth2 client-credentials flow and external issuers on this.
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

export async function verifyToken(key: Buffer, token: string): Promise<TokenClaims> {
  try {
    const { payload } = await jwtVerify(token, key, { issuer: TOKEN_ISSUER, audience: TOKEN_AUDIENCE, algorithms: ['HS256'], requiredClaims: ['exp', 'sub'] });
    const role = payload.ketenhub_role;
    if (typeof role !== 'string' || !(API_ROLES as readonly string[]).includes(role)) throw new TokenError(`the token's ketenhub_role must be one of ${API_ROLES.join(', ')}`);
    if (payload.iat !== undefined && payload.exp !== undefined && payload.exp - payload.iat > MAX_TOKEN_SECONDS) throw new TokenError(`the token lives longer than ${MAX_TOKEN_SECONDS} s`);
    return { sub: payload.sub!, role: role as ApiRole, ...(typeof payload.name === 'string' ? { name: payload.name } : {}) };
  } catch (error) {
    if (error instanceof TokenError) throw error;
    if (error instanceof errors.JWTExpired) throw new TokenError('the token has expired');
    if (error instanceof errors.JOSEError) throw new TokenError(`the token is not valid (${error.code})`);
    throw error;
  }
}
