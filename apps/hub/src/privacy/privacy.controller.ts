import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiQuery, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Response } from 'express';
import type { AuditFields } from '@ketenhub/audit';
import { Allow, AuthGuard, problem, type AuthenticatedRequest } from '../auth/auth.guard';
import { PrivacyError, PrivacyService } from './privacy.service';

const ACTIONS: AuditFields['action'][] = ['DISCLOSE', 'READ', 'CONFIG_CHANGE', 'AUDIT_READ', 'RETENTION', 'INVOLVE'];

function isoOrUndefined(name: string, value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  const time = new Date(value);
  if (Number.isNaN(time.getTime())) throw problem(400, 'BAD_QUERY', `${name} must be an ISO 8601 date or time (got '${value}')`);
  return time.toISOString();
}

function bounded(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw problem(400, 'BAD_QUERY', `${name} must be a whole number from ${min} to ${max} (got '${value}')`);
  return n;
}

async function mapped<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof PrivacyError) throw problem(error.status, error.status === 404 ? 'NOT_FOUND' : 'BAD_REQUEST', error.message);
    throw error;
  }
}

/**
 * For the privacy officer: every disclosure, read and configuration change, filtered and paged,
 * as JSON or CSV; and the report a family gets when it asks what was shared about it.
 */
@ApiTags('privacy')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'A person\'s token: in production only from the organisation\'s OpenID Connect provider (OIDC_ISSUER); a token without kid, iat or exp, living over an hour, or signed with API_TOKEN_KEY in production: 401 (problem+json).' })
@UseGuards(AuthGuard)
@Allow('PRIVACY_OFFICER')
@Controller('privacy')
export class PrivacyController {
  constructor(private readonly privacy: PrivacyService) {}

  @Get('disclosures')
  @ApiOperation({ summary: 'The disclosure trail by family, partner, rule and period, paged; JSON, or CSV with format=csv. Reading it is audited.' })
  @ApiQuery({ name: 'familyId', required: false, description: 'The pseudonymous family id.' })
  @ApiQuery({ name: 'partner', required: false, description: 'A partner id: records where it received or acted.' })
  @ApiQuery({ name: 'rule', required: false, description: 'A route id of the region configuration.' })
  @ApiQuery({ name: 'from', required: false, description: 'ISO 8601, inclusive.' })
  @ApiQuery({ name: 'to', required: false, description: 'ISO 8601, exclusive.' })
  @ApiQuery({ name: 'action', required: false, description: `Comma-separated, of ${ACTIONS.join(', ')}; default DISCLOSE.` })
  @ApiQuery({ name: 'page', required: false, description: 'From 1.' })
  @ApiQuery({ name: 'pageSize', required: false, description: '1 to 1000, default 100.' })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv'] })
  @ApiProduces('application/json', 'text/csv')
  async disclosures(@Req() req: AuthenticatedRequest, @Res({ passthrough: true }) res: Response, @Query() q: Record<string, string | undefined>) {
    const actions = (q.action ?? 'DISCLOSE').split(',').map((a) => a.trim().toUpperCase());
    const unknown = actions.filter((a) => !ACTIONS.includes(a as AuditFields['action']));
    if (unknown.length > 0) throw problem(400, 'BAD_QUERY', `action ${unknown.join(', ')} is not one of ${ACTIONS.join(', ')}`);
    if (q.familyId !== undefined && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(q.familyId)) throw problem(400, 'BAD_QUERY', 'familyId must be a uuid');
    const format = q.format ?? 'json';
    if (format !== 'json' && format !== 'csv') throw problem(400, 'BAD_QUERY', `format must be json or csv (got '${format}')`);
    const page = bounded('page', q.page, 1, 1, 1_000_000);
    const pageSize = bounded('pageSize', q.pageSize, 100, 1, 1000);
    const filter = {
      familyId: q.familyId, partnerId: q.partner, ruleId: q.rule, from: isoOrUndefined('from', q.from), to: isoOrUndefined('to', q.to),
      actions: actions as AuditFields['action'][],
    };
    const found = await this.privacy.trail(filter, { offset: (page - 1) * pageSize, limit: pageSize }, req.requester, `http:GET ${req.originalUrl}`);
    const pages = Math.max(1, Math.ceil(found.total / pageSize));
    res.setHeader('X-Total-Count', String(found.total));
    if (page < pages) res.setHeader('Link', `<${req.path}?${new URLSearchParams({ ...stripUndefined(q), page: String(page + 1) })}>; rel="next"`);
    if (format === 'csv') {
      res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      res.setHeader('Content-Disposition', 'attachment; filename="verstrekkingen.csv"');
      return this.privacy.trailCsv(found.entries);
    }
    return { total: found.total, page, pageSize, pages, entries: found.entries };
  }

  @Post('families/lookup')
  @HttpCode(200)
  @ApiOperation({ summary: 'The family id for a BSN, to answer a family\'s request to see its data. POST, so the BSN stays out of URLs and access logs; audited.' })
  @ApiBody({ schema: { type: 'object', required: ['bsn'], properties: { bsn: { type: 'string', pattern: '^[0-9]{9}$' } } } })
  async lookup(@Req() req: AuthenticatedRequest, @Body() body: { bsn?: unknown }) {
    if (typeof body?.bsn !== 'string') throw problem(400, 'BAD_REQUEST', 'body must be {"bsn": "<9 digits>"}');
    const bsn = body.bsn;
    return mapped(async () => ({ familyId: await this.privacy.familyOf(bsn, req.requester, 'http:POST /privacy/families/lookup') }));
  }

  @Get('families/:familyId/report')
  @ApiOperation({ summary: 'The family report in plain Dutch: who received or read what about the family, when, and why (text, or JSON with format=json). Audited.' })
  @ApiParam({ name: 'familyId', format: 'uuid' })
  @ApiQuery({ name: 'format', required: false, enum: ['text', 'json'] })
  @ApiProduces('text/plain', 'application/json')
  @ApiOkResponse({ description: 'The report.' })
  async report(@Req() req: AuthenticatedRequest, @Res({ passthrough: true }) res: Response, @Param('familyId', new ParseUUIDPipe()) familyId: string, @Query('format') format = 'text') {
    if (format !== 'text' && format !== 'json') throw problem(400, 'BAD_QUERY', `format must be text or json (got '${format}')`);
    const report = await mapped(() => this.privacy.familyReport(familyId, req.requester, `http:GET /privacy/families/${familyId}/report`));
    if (format === 'json') return report;
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    return this.privacy.reportText(report);
  }
}

function stripUndefined(q: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(q).filter((e): e is [string, string] => e[1] !== undefined));
}

/** The regisseur's view of who saw the veiligheidskaart (the last accesses, as CP-IS shows them). */
@ApiTags('families')
@ApiBearerAuth()
@UseGuards(AuthGuard)
@Allow('PARTNER')
@Controller('families')
export class KaartAccessController {
  constructor(private readonly privacy: PrivacyService) {}

  @Get(':familyId/veiligheidskaart/inzage')
  @ApiOperation({ summary: 'For the regisseur of record: the last reads and deliveries of the family\'s veiligheidskaart, newest first. Audited.' })
  @ApiParam({ name: 'familyId', format: 'uuid' })
  @ApiQuery({ name: 'limit', required: false, description: '1 to 200, default 20.' })
  async accesses(@Req() req: AuthenticatedRequest, @Param('familyId', new ParseUUIDPipe()) familyId: string, @Query('limit') limit?: string): Promise<unknown> {
    const n = bounded('limit', limit, 20, 1, 200);
    return mapped(async () => ({ inzages: await this.privacy.kaartAccesses(familyId, n, req.requester, `http:GET /families/${familyId}/veiligheidskaart/inzage`) }));
  }
}
