import { randomUUID } from 'node:crypto';
import { HttpException, HttpStatus, Inject, Injectable, SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import type { DataSource } from 'typeorm';
import type { HubConfig } from '@ketenhub/config';
import { AuditStore } from '@ketenhub/persistence';
import { systemIdOf, type Region } from '@ketenhub/routing';
import { DATA_SOURCE, HUB_CONFIG, REGION } from '../tokens';
import { actorOf, type Requester } from './requester';
import { TokenError, verifyToken, type ApiRole } from './token';

const ALLOWED = 'ketenhub:allowed-roles';

/** Which token roles may call a handler. A handler without it is open (health, metrics, docs). */
export const Allow = (...roles: ApiRole[]) => SetMetadata(ALLOWED, roles);

export type AuthenticatedRequest = Request & { requester: Requester };

export function problem(status: number, title: string, detail: string): HttpException {
  return new HttpException({ type: `https://ketenhub.nl/problems/${title.toLowerCase()}`, title, status, detail }, status);
}

/**
 * Checks the bearer token and the caller's role. No or a bad token: 401. A valid token whose
 * role may not call this, or a partner the region does not know: 403, and the attempt is audited.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly audit = new AuditStore();

  constructor(
    private readonly reflector: Reflector,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(REGION) private readonly region: Region,
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const allowed = this.reflector.getAllAndOverride<ApiRole[] | undefined>(ALLOWED, [context.getHandler(), context.getClass()]);
    if (!allowed) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const response = context.switchToHttp().getResponse<{ setHeader(name: string, value: string): void }>();
    const header = request.headers.authorization ?? '';
    const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header);
    if (!match) {
      response.setHeader('WWW-Authenticate', 'Bearer realm="ketenhub"');
      throw problem(401, 'UNAUTHENTICATED', 'send a bearer token: Authorization: Bearer <token> (see docs/API.md)');
    }
    let requester: Requester;
    try {
      const claims = await verifyToken(this.config.secrets.apiTokenKey, match[1]);
      if (claims.role === 'PARTNER') {
        const partner = this.region.partner(claims.sub);
        if (!partner) {
          await this.refuse(request, { kind: 'PARTNER', partnerId: claims.sub, role: 'ONBEKEND' }, `partner '${claims.sub}' is not part of region ${this.region.config.region}`);
        }
        requester = { kind: 'PARTNER', partnerId: claims.sub, role: partner!.role, ...(claims.name ? { person: claims.name } : {}) };
      } else {
        requester = { kind: claims.role, person: claims.name ?? claims.sub };
      }
    } catch (error) {
      if (!(error instanceof TokenError)) throw error;
      response.setHeader('WWW-Authenticate', 'Bearer realm="ketenhub", error="invalid_token"');
      throw problem(401, 'UNAUTHENTICATED', error.message);
    }
    const role = requester.kind;
    if (!allowed.includes(role)) {
      await this.refuse(request, requester, `a ${role} may not call ${request.method} ${request.route?.path ?? request.path}`);
    }
    request.requester = requester;
    return true;
  }

  private async refuse(request: Request, requester: Requester, detail: string): Promise<never> {
    const familyId = typeof request.params?.familyId === 'string' && /^[0-9a-f-]{36}$/.test(request.params.familyId) ? request.params.familyId : null;
    await this.dataSource.transaction((db) => this.audit.append(db, [{
      auditId: randomUUID(), action: 'READ', occurredAt: new Date().toISOString(), outcome: 'REFUSED', systemId: systemIdOf(this.region),
      ...actorOf(requester), recipientPartnerId: null, purpose: `geweigerd: ${detail}`, accessPoint: `http:${request.method} ${request.path}`,
      familyId, dataCategories: [], legalBasis: null, ruleId: null, configVersion: this.region.version, messageId: null, causationId: null,
    }]));
    throw problem(403, 'FORBIDDEN', detail);
  }
}
