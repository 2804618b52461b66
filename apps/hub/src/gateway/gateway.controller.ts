import { Body, Controller, Get, HttpCode, Inject, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import {
  ApiAcceptedResponse, ApiBadRequestResponse, ApiBearerAuth, ApiBody, ApiConflictResponse, ApiConsumes, ApiForbiddenResponse, ApiHeader, ApiOkResponse,
  ApiOperation, ApiQuery, ApiServiceUnavailableResponse, ApiTags, ApiTooManyRequestsResponse, ApiUnauthorizedResponse, ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import type { DataSource } from 'typeorm';
import type { HubConfig } from '@ketenhub/config';
import { AuditStore, DELIVERY_STATUSES, DeliveryStore, type DeliveryFilter, type DeliveryStatus } from '@ketenhub/persistence';
import type { Region } from '@ketenhub/routing';
import { Allow, AuthGuard, auditRefusal, problem, type AuthenticatedRequest } from '../auth/auth.guard';
import type { Requester } from '../auth/requester';
import { MetricsService } from '../operations/metrics.service';
import { DATA_SOURCE, HUB_CONFIG, REGION } from '../tokens';
import { DeliveryBridge, isHttpsPartner } from './delivery.bridge';
import { HttpIngress } from './http-ingress';
import { WebhookDispatcher } from './webhook.dispatcher';

const FEED_PAGE_MAX = 500;

/**
 * The HTTPS door for partner systems without a Kafka client: CloudEvents in (POST /events), and
 * out by webhook or by the cursor feed (GET /feed). Delivery state per message per partner, and
 * resending, for the information manager and for the partner itself.
 */
@ApiTags('partner gateway')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'No token or client certificate, or one that is expired, lives over an hour, lacks kid, iat or exp, or is not trusted (problem+json).' })
@ApiTooManyRequestsResponse({ description: 'Over the partner\'s request rate; Retry-After says how many seconds to wait.' })
@UseGuards(AuthGuard)
@Controller()
export class GatewayController {
  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(REGION) private readonly region: Region,
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly ingress: HttpIngress,
    private readonly deliveries: DeliveryStore,
    private readonly bridge: DeliveryBridge,
    private readonly dispatcher: WebhookDispatcher,
    private readonly metrics: MetricsService,
    @InjectPinoLogger(GatewayController.name) private readonly logger: PinoLogger,
  ) {}

  @Post('events')
  @Allow('PARTNER')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Publish one CloudEvent, in structured mode (content-type application/cloudevents+json, the event as body) or binary mode (ce-* headers, the data as a JSON body).',
    description: 'The same checks as on Kafka: envelope, source (must be your own urn:ketenhub:partner:<id>), type and the role that may publish it, data schema. '
      + '202 means the event is on your inbound topic, durably: it is then applied once, in order. Posting the same event again gets the same 202. '
      + 'What only the family record can decide (an unknown persoonId, missing consent) comes back as nl.ketenhub.hub.bericht-afgewezen.v2 on your webhook or feed.',
  })
  @ApiConsumes('application/cloudevents+json', 'application/json')
  @ApiHeader({ name: 'ce-specversion', required: false, description: 'Binary mode: 1.0 (with ce-id, ce-source, ce-type, ce-time).' })
  @ApiBody({ description: 'The CloudEvent (structured mode) or its data (binary mode).', schema: { type: 'object' } })
  @ApiAcceptedResponse({ description: '{ id, source, status: "accepted" }: durably accepted (also for a repeat of an accepted event).' })
  @ApiBadRequestResponse({ description: 'problem+json with reason (ONGELDIGE_JSON, ONGELDIGE_UTF8, ONGELDIGE_ENVELOP, ONBEKEND_TYPE, SCHEMAFOUT) and errors: each error with its JSON pointer, at most 20 (errorsOmitted counts the rest; checkedInFull is false when a message of more than 1,000 values was checked up to its first error only).' })
  @ApiForbiddenResponse({ description: 'The event\'s source is another partner (BRON_KLOPT_NIET) or your role may not publish its type (NIET_TOEGESTAAN); audited.' })
  @ApiConflictResponse({ description: 'ID_HERGEBRUIKT: this id was accepted before with different content.' })
  @ApiUnsupportedMediaTypeResponse({ description: 'Neither structured nor binary mode (or a batch).' })
  @ApiServiceUnavailableResponse({ description: 'The bus or database did not answer: nothing was accepted; send the same event again after Retry-After seconds.' })
  async publish(@Req() req: AuthenticatedRequest, @Res({ passthrough: true }) res: Response): Promise<{ id: string; source: string; status: 'accepted' }> {
    const partner = this.partnerOf(req.requester);
    let answer: Awaited<ReturnType<HttpIngress['publish']>>;
    try {
      answer = await this.ingress.publish(
        { contentType: req.headers['content-type'] ?? '', headers: req.headers, body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0) }, partner);
    } catch (error) {
      // The broker (or the database's duplicate check) did not answer: nothing was accepted, and
      // the partner sends the same event again; if it did arrive after all, the repeat is dropped.
      this.logger.warn({ partner: partner.id, err: error instanceof Error ? error.message : String(error) }, 'event not accepted over HTTPS: the bus or database is unavailable');
      // sendProblem adds Retry-After to every 503.
      throw problem(503, 'TIJDELIJK_NIET_BESCHIKBAAR', 'the hub could not store the event durably just now; nothing was accepted: send the same event again',
        { reason: 'TIJDELIJK_NIET_BESCHIKBAAR' });
    }
    if (answer.kind === 'accepted') {
      this.metrics.httpEvents.inc({ partner: partner.id, answer: answer.duplicate ? 'duplicate' : 'accepted' });
      this.logger.info({ partner: partner.id, correlationId: answer.id, duplicate: answer.duplicate }, 'event accepted over HTTPS');
      return { id: answer.id, source: answer.source, status: 'accepted' };
    }
    this.metrics.httpEvents.inc({ partner: partner.id, answer: answer.reason });
    this.logger.warn({ partner: partner.id, reason: answer.reason, correlationId: answer.id, status: answer.status }, 'event refused over HTTPS');
    if (answer.status === 403) await auditRefusal(this.dataSource, new AuditStore(this.config.secrets.auditChainKey), this.region, req, req.requester, `${answer.reason}: ${answer.detail}`);
    throw problem(answer.status, answer.reason, answer.detail, {
      reason: answer.reason, errors: answer.errors, errorsOmitted: answer.omitted ?? 0, checkedInFull: answer.complete ?? true,
      ...(answer.id !== undefined ? { eventId: answer.id } : {}), ...(answer.type !== undefined ? { eventType: answer.type } : {}),
    });
  }

  @Get('feed')
  @Allow('PARTNER')
  @ApiOperation({
    summary: 'Your messages after a cursor, oldest first, with long polling.',
    description: 'Pass the cursor of the previous answer as `after`; without it the feed resumes after the last cursor you passed (0 the first time). '
      + 'Passing `after` tells the hub you have everything up to it. With `wait` (seconds) the hub holds the request until something arrives. Cursors stay valid across hub restarts.',
  })
  @ApiQuery({ name: 'after', required: false, description: 'The cursor of the previous answer.' })
  @ApiQuery({ name: 'limit', required: false, description: `At most this many messages (1–${FEED_PAGE_MAX}, default 100).` })
  @ApiQuery({ name: 'wait', required: false, description: 'Seconds to wait for a message when there is none yet (long polling).' })
  @ApiOkResponse({ description: '{ events: CloudEvent[], cursor }: pass cursor as `after` next time.' })
  @ApiServiceUnavailableResponse({ description: 'TIJDELIJK_NIET_BESCHIKBAAR: the hub cannot reach its database just now; read again with the same cursor after Retry-After seconds.' })
  async feed(@Req() req: AuthenticatedRequest, @Res({ passthrough: true }) res: Response, @Query('after') after?: string, @Query('limit') limit?: string, @Query('wait') wait?: string) {
    const partner = this.partnerOf(req.requester);
    if (!isHttpsPartner(partner)) {
      throw problem(409, 'VERBINDING_IS_KAFKA', `partner '${partner.id}' receives its messages on Kafka (outbound.${partner.id}); the feed is for partners connected over HTTPS`);
    }
    const size = boundedInteger('limit', limit, 100, 1, FEED_PAGE_MAX);
    const waitMs = boundedInteger('wait', wait, 0, 0, Math.floor(this.config.gateway.feedMaxWaitMs / 1000)) * 1000;
    if (after !== undefined && !/^(0|[1-9][0-9]{0,17})$/.test(after)) throw problem(400, 'ONGELDIGE_CURSOR', `after must be a cursor from an earlier answer (got '${after.slice(0, 40)}')`);
    const db = this.dataSource.manager;
    const last = await this.deliveries.lastSeq(db, partner.id);
    if (after !== undefined && BigInt(after) > BigInt(last)) {
      throw problem(400, 'ONGELDIGE_CURSOR', `cursor ${after} is ahead of the feed (last position ${last}): was it from another hub?`);
    }
    const cursor = after ?? (await this.deliveries.acknowledged(db, partner.id));
    if (after !== undefined) await this.deliveries.acknowledge(db, partner.id, after);
    const deadline = Date.now() + waitMs;
    const abort = new AbortController();
    // The client went away (the response closed before it was written): stop waiting for it.
    res.once('close', () => abort.abort());
    for (;;) {
      const rows = await this.deliveries.after(db, partner.id, cursor, size);
      if (rows.length > 0 || Date.now() >= deadline || abort.signal.aborted) {
        return { events: rows.map((r) => JSON.parse(r.value.toString('utf8')) as unknown), cursor: rows.length > 0 ? rows[rows.length - 1].seq : cursor };
      }
      // A second look each second covers a message committed by another hub instance.
      await this.bridge.waitForNew(partner.id, Math.min(1_000, deadline - Date.now()), abort.signal);
    }
  }

  @Get('deliveries')
  @Allow('PARTNER', 'INFORMATIEMANAGER')
  @ApiOperation({ summary: 'Delivery state per message per HTTPS partner (a partner sees only its own): PENDING, FAILING (with the last error and next attempt), DELIVERED, DEAD, FEED.' })
  @ApiQuery({ name: 'partner', required: false })
  @ApiQuery({ name: 'status', required: false, enum: [...DELIVERY_STATUSES] })
  @ApiQuery({ name: 'messageId', required: false })
  @ApiQuery({ name: 'familyId', required: false })
  @ApiQuery({ name: 'type', required: false })
  @ApiQuery({ name: 'from', required: false, description: 'Received at or after (ISO 8601).' })
  @ApiQuery({ name: 'until', required: false, description: 'Received before (ISO 8601).' })
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'offset', required: false })
  async list(@Req() req: AuthenticatedRequest, @Query() query: Record<string, string | undefined>, @Res({ passthrough: true }) res: Response) {
    const filter = this.filterOf(req.requester, query);
    const page = { limit: boundedInteger('limit', query.limit, 100, 1, 1000), offset: boundedInteger('offset', query.offset, 0, 0, Number.MAX_SAFE_INTEGER) };
    const result = await this.deliveries.list(this.dataSource.manager, filter, page);
    res.setHeader('X-Total-Count', String(result.total));
    return result;
  }

  @Post('deliveries/resend')
  @Allow('PARTNER', 'INFORMATIEMANAGER')
  @HttpCode(200)
  @ApiOperation({ summary: 'Queue webhook deliveries again (attempts reset), one by messageId or in bulk by filter; a partner only its own. At least one filter is required.' })
  @ApiBody({ schema: { type: 'object', properties: { partner: { type: 'string' }, status: { enum: [...DELIVERY_STATUSES] }, messageId: { type: 'string' }, familyId: { type: 'string' }, type: { type: 'string' }, from: { type: 'string' }, until: { type: 'string' } } } })
  @ApiOkResponse({ description: '{ requeued }: how many deliveries were queued again.' })
  async resend(@Req() req: AuthenticatedRequest, @Body() body: Record<string, unknown> | undefined) {
    const raw = Object.fromEntries(Object.entries(body ?? {}).map(([k, v]) => [k, typeof v === 'string' ? v : undefined]));
    const filter = this.filterOf(req.requester, raw);
    if (Object.values(filter).every((v) => v === undefined)) throw problem(400, 'FILTER_ONTBREEKT', 'name at least one of partner, status, messageId, familyId, type, from, until: resending everything is never what was meant');
    const requeued = await this.dataSource.transaction((db) => this.deliveries.resend(db, filter));
    this.logger.info({ by: req.requester, filter, requeued }, 'webhook deliveries queued again');
    this.dispatcher.nudge();
    return { requeued };
  }

  private partnerOf(requester: Requester) {
    if (requester.kind !== 'PARTNER') throw problem(403, 'FORBIDDEN', 'only a partner may do this');
    const partner = this.region.partner(requester.partnerId);
    if (!partner) throw problem(403, 'FORBIDDEN', `partner '${requester.partnerId}' is not part of this region`);
    return partner;
  }

  private filterOf(requester: Requester, query: Record<string, string | undefined>): DeliveryFilter {
    const status = query.status;
    if (status !== undefined && !(DELIVERY_STATUSES as readonly string[]).includes(status)) throw problem(400, 'ONGELDIG_FILTER', `status must be one of ${DELIVERY_STATUSES.join(', ')}`);
    const date = (name: 'from' | 'until') => {
      const value = query[name];
      if (value === undefined) return undefined;
      const parsed = new Date(value);
      if (Number.isNaN(parsed.getTime())) throw problem(400, 'ONGELDIG_FILTER', `${name} must be an ISO 8601 date-time (got '${value.slice(0, 40)}')`);
      return parsed;
    };
    if (query.familyId !== undefined && !/^[0-9a-f-]{36}$/.test(query.familyId)) throw problem(400, 'ONGELDIG_FILTER', 'familyId must be a family id (uuid)');
    if (requester.kind === 'PARTNER' && query.partner !== undefined && query.partner !== requester.partnerId) {
      throw problem(403, 'FORBIDDEN', 'a partner sees and resends only its own deliveries');
    }
    return {
      partnerId: requester.kind === 'PARTNER' ? requester.partnerId : query.partner,
      status: status as DeliveryStatus | undefined, messageId: query.messageId, familyId: query.familyId, eventType: query.type, from: date('from'), until: date('until'),
    };
  }
}

function boundedInteger(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw problem(400, 'ONGELDIGE_PARAMETER', `${name} must be a whole number from ${min} to ${max} (got '${raw.slice(0, 20)}')`);
  return value;
}
