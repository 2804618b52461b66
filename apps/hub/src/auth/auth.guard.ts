import { randomUUID } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { HttpException, HttpStatus, Inject, Injectable, SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import type { DataSource } from 'typeorm';
import type { HubConfig } from '@ketenhub/config';
import { AuditStore } from '@ketenhub/persistence';
import { systemIdOf, type Region } from '@ketenhub/routing';
import { DATA_SOURCE, HUB_CONFIG, REGION } from '../tokens';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { actorOf, type Requester } from './requester';
import { IssuerUnavailableError, TokenError, TokenVerifier, type ApiRole } from './token';

const ALLOWED = 'ketenhub:allowed-roles';
/** The rate limiter key of requests naming a partner the region does not know (no partner id has a NUL). */
const UNKNOWN_PARTNERS = '\0unknown';

/** Which token roles may call a handler. A handler without it is open (health, metrics, docs). */
export const Allow = (...roles: ApiRole[]) => SetMetadata(ALLOWED, roles);

export type AuthenticatedRequest = Request & { requester: Requester };

export function problem(status: number, title: string, detail: string, extra: Record<string, unknown> = {}): HttpException {
  return new HttpException({ type: `https://ketenhub.nl/problems/${title.toLowerCase()}`, title, status, detail, ...extra }, status);
}

/** Audits a refused request (NEN 7513: refusals are logged like access) and commits it before answering. */
export async function auditRefusal(dataSource: DataSource, audit: AuditStore, region: Region, request: Request, requester: Requester, detail: string): Promise<void> {
  const familyId = typeof request.params?.familyId === 'string' && /^[0-9a-f-]{36}$/.test(request.params.familyId) ? request.params.familyId : null;
  await dataSource.transaction((db) => audit.append(db, [{
    auditId: randomUUID(), action: 'READ', occurredAt: new Date().toISOString(), outcome: 'REFUSED', systemId: systemIdOf(region),
    ...actorOf(requester), recipientPartnerId: null, purpose: `geweigerd: ${detail}`, accessPoint: `http:${request.method} ${request.path}`,
    familyId, dataCategories: [], legalBasis: null, ruleId: null, configVersion: region.version, messageId: null, causationId: null,
  }]));
}

/**
 * Checks who calls and whether they may. Identity: a bearer token (the hub's own or, where
 * configured, an external issuer's), or for a partner a client certificate over mutual TLS. No or
 * a bad identity: 401. A partner over its request rate: 429 with Retry-After, counted before any
 * refusal so that refusals cannot flood the trail. A role that may not call this, or a partner the
 * region does not know: 403, and the attempt is audited.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly verifier: TokenVerifier;
  private readonly limiters = new Map<string, RateLimiterMemory>();
  private readonly audit: AuditStore;

  constructor(
    private readonly reflector: Reflector,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(REGION) private readonly region: Region,
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
  ) {
    this.verifier = new TokenVerifier({
      keys: [config.secrets.apiTokenKey, ...config.secrets.previousApiTokenKeys], production: config.production,
      external: config.gateway.externalIssuer, people: config.people,
    });
    this.audit = new AuditStore(config.secrets.auditChainKey);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const allowed = this.reflector.getAllAndOverride<ApiRole[] | undefined>(ALLOWED, [context.getHandler(), context.getClass()]);
    if (!allowed) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const response = context.switchToHttp().getResponse<{ setHeader(name: string, value: string): void }>();
    const header = request.headers.authorization ?? '';
    const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header);
    const certificatePartner = match ? undefined : this.clientCertificatePartner(request);
    if (!match && !certificatePartner) {
      response.setHeader('WWW-Authenticate', 'Bearer realm="ketenhub"');
      throw problem(401, 'UNAUTHENTICATED', 'send a bearer token: Authorization: Bearer <token> (see docs/API.md), or a partner client certificate over mutual TLS');
    }
    let claims: { sub: string; role: ApiRole; name?: string };
    try {
      claims = match ? await this.verifier.verify(match[1]) : { sub: certificatePartner!, role: 'PARTNER' };
    } catch (error) {
      if (error instanceof IssuerUnavailableError) {
        // sendProblem adds Retry-After to every 503.
        throw problem(503, 'TIJDELIJK_NIET_BESCHIKBAAR', `${error.message}: the token could not be checked; try again`, { reason: 'TIJDELIJK_NIET_BESCHIKBAAR' });
      }
      if (!(error instanceof TokenError)) throw error;
      response.setHeader('WWW-Authenticate', 'Bearer realm="ketenhub", error="invalid_token"');
      throw problem(401, 'UNAUTHENTICATED', error.message);
    }
    let requester: Requester;
    if (claims.role === 'PARTNER') {
      const partner = this.region.partner(claims.sub);
      requester = { kind: 'PARTNER', partnerId: claims.sub, role: partner?.role ?? 'ONBEKEND', ...(claims.name ? { person: claims.name } : {}) };
      // Counted before anything is refused and audited: a flood of refusals meets the rate limit, not the audit trail.
      await this.limit(partner?.id, response);
      if (!partner) await this.refuse(request, requester, `partner '${claims.sub}' is not part of region ${this.region.config.region}`);
    } else {
      requester = { kind: claims.role, person: claims.name ?? claims.sub };
    }
    const role = requester.kind;
    if (!allowed.includes(role)) {
      await this.refuse(request, requester, `a ${role} may not call ${request.method} ${request.route?.path ?? request.path}`);
    }
    request.requester = requester;
    return true;
  }

  /** The partner named by a client certificate the TLS layer verified against TLS_CLIENT_CA_FILE: its subject CN is the partner id. */
  private clientCertificatePartner(request: Request): string | undefined {
    const socket = request.socket as TLSSocket;
    if (!socket.encrypted || !socket.authorized) return undefined;
    const cn = socket.getPeerCertificate()?.subject?.CN;
    return typeof cn === 'string' && cn !== '' ? cn : undefined;
  }

  /** A partner's requests per second; those naming partners the region does not know share one budget (so new names buy no more). */
  private async limit(partnerId: string | undefined, response: { setHeader(name: string, value: string): void }): Promise<void> {
    const key = partnerId ?? UNKNOWN_PARTNERS;
    let limiter = this.limiters.get(key);
    if (!limiter) {
      const perSecond = (partnerId && this.region.partner(partnerId)?.connection?.rateLimitPerSecond) || this.config.gateway.rateLimitPerSecond;
      limiter = new RateLimiterMemory({ points: perSecond, duration: 1 });
      this.limiters.set(key, limiter);
    }
    try {
      await limiter.consume(key);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      const seconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      response.setHeader('Retry-After', String(seconds));
      const who = partnerId ? `partner '${partnerId}' may` : 'tokens naming partners this region does not know may together';
      throw problem(429, 'TOO_MANY_REQUESTS', `${who} make ${limiter.points} requests per second; try again in ${seconds} s`);
    }
  }

  private async refuse(request: Request, requester: Requester, detail: string): Promise<never> {
    await auditRefusal(this.dataSource, this.audit, this.region, request, requester, detail);
    throw problem(403, 'FORBIDDEN', detail);
  }
}
