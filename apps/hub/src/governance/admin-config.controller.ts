import { Body, Controller, Get, HttpCode, HttpException, HttpStatus, Inject, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiUnauthorizedResponse,
  ApiBadRequestResponse, ApiBody, ApiConflictResponse, ApiOkResponse, ApiOperation, ApiTags, ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { DataSource } from 'typeorm';
import type { Contracts } from '@ketenhub/contracts';
import { RegionConfigError, type Region } from '@ketenhub/routing';
import { Allow, AuthGuard } from '../auth/auth.guard';
import { CONTRACTS, DATA_SOURCE, REGION } from '../tokens';
import { ConfigAdminUseCase } from './config-admin.use-case';
import { ConfigAdminError, ConfigAdminErrorCode } from './config-replay.use-case';

const REGION_YAML = { type: 'string', description: 'The complete text of a region.yaml (its regie table is read from config/regie/ by the name it gives).' };
const SINCE = { type: 'string', format: 'date-time', description: 'Start of the period (inclusive, on when the hub took events in). Default: 30 days before `until`.' };
const UNTIL = { type: 'string', format: 'date-time', description: 'End of the period (exclusive). Default: now.' };

const problem = (status: number, title: string, detail: string, extra: Record<string, unknown> = {}) =>
  new HttpException({ type: `https://ketenhub.nl/problems/${title.toLowerCase().replace(/_/g, '-')}`, title, status, detail, ...extra }, status);

function text(body: unknown, name: string, required: true): string;
function text(body: unknown, name: string, required: false): string | undefined;
function text(body: unknown, name: string, required: boolean): string | undefined {
  const value = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string') throw problem(400, 'BAD_REQUEST', `the body needs ${name} as a string`);
  return value;
}

/**
 * The information manager's configuration API: the same validate, diff, explain and replay as
 * `npm run config`, for a region text in the body. Thin: read the body, call the use case, map
 * its errors once. Nothing here changes the configuration or sends anything.
 */
@ApiTags('admin')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'A person\'s token: in production only from the organisation\'s OpenID Connect provider (OIDC_ISSUER); a token without kid, iat or exp, living over an hour, or signed with API_TOKEN_KEY in production: 401 (problem+json).' })
@UseGuards(AuthGuard)
@Allow('INFORMATIEMANAGER')
@Controller('admin/config')
export class AdminConfigController {
  private readonly admin: ConfigAdminUseCase;

  constructor(
    @Inject(DATA_SOURCE) dataSource: DataSource,
    @Inject(REGION) region: Region,
    @Inject(CONTRACTS) contracts: Contracts,
  ) {
    this.admin = new ConfigAdminUseCase({ dataSource, contracts, region });
  }

  @Get()
  @ApiOperation({ summary: 'The region configuration: the version this hub runs, the active version and the activation history (who activated which version when).' })
  @ApiOkResponse({ description: '{ running: {region, version}, active: {version, previousVersion, activatedBy, activatedAt} | null, history: [...] } (newest first).' })
  async status() {
    return this.admin.status();
  }

  @Post('validate')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Checks a region text and its regie table against the schemas and cross-references.' })
  @ApiBody({ schema: { type: 'object', required: ['regionYaml'], properties: { regionYaml: REGION_YAML } } })
  @ApiOkResponse({ description: '{ valid: true, region, name, version, regieTable, counts }.' })
  @ApiUnprocessableEntityResponse({ description: 'problem+json with `problems`: every problem, by line and JSON path (also a YAML whose aliases expand to more than 100 copies, as an alias bomb does).' })
  validate(@Body() body: unknown) {
    const regionYaml = text(body, 'regionYaml', true);
    return this.run(() => ({ valid: true, ...this.admin.validate(regionYaml) }));
  }

  @Post('diff')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'What a region text changes against the active version: municipalities, partners, legal bases, routes, rule settings, table rows.' })
  @ApiBody({ schema: { type: 'object', required: ['regionYaml'], properties: { regionYaml: REGION_YAML } } })
  @ApiOkResponse({ description: '{ active, candidate, changes: ["+ route …", "~ route …: fields … → …", "- partner …"] } (empty: no differences).' })
  @ApiUnprocessableEntityResponse({ description: 'The text is not a valid region configuration (problem+json with `problems`).' })
  @ApiConflictResponse({ description: 'No active version in the database.' })
  async diff(@Body() body: unknown) {
    const regionYaml = text(body, 'regionYaml', true);
    return this.run(() => this.admin.diff(regionYaml));
  }

  @Post('explain')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Who would receive an event, under which rule, legal basis and purpose, and what of it (all fields, the route\'s fields, or a pointer-only notice). Sends nothing.' })
  @ApiBody({
    schema: {
      type: 'object', required: ['event'],
      properties: {
        event: { type: 'object', description: 'A CloudEvent as a partner would send it (its source names the sender).' },
        municipality: { type: 'string', description: 'CBS code, e.g. GM0034; default: the event\'s `gemeente`.' },
        involved: { type: 'array', items: { type: 'string' }, description: 'Partner ids already involved with the family.' },
        regionYaml: { ...REGION_YAML, description: 'Optional: explain under this region text instead of the one the hub runs.' },
      },
    },
  })
  @ApiOkResponse({ description: '{ ok: true, eventType, senderId, municipality, involved, configVersion, localChoices (the municipality\'s local choices in force, null when it is not in the region), recipients: [{ partnerId, routeId, legalBasis, purpose, content: ALL|FIELDS|POINTER_ONLY, fields?, receives }] }, or { ok: false, reason, errors } when the hub would refuse the event.' })
  explain(@Body() body: unknown) {
    const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    if (typeof b.event !== 'object' || b.event === null || Array.isArray(b.event)) throw problem(400, 'BAD_REQUEST', 'the body needs event: a CloudEvent object');
    const municipality = text(body, 'municipality', false);
    const regionYaml = text(body, 'regionYaml', false);
    if (b.involved !== undefined && !(Array.isArray(b.involved) && b.involved.every((p) => typeof p === 'string'))) {
      throw problem(400, 'BAD_REQUEST', 'involved must be a list of partner ids');
    }
    const involved = b.involved as string[] | undefined;
    const event = b.event;
    return this.run(() => this.admin.explain(event, { municipality, involved }, regionYaml));
  }

  @Post('replay')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Replays the period\'s events against the active version and the region text: what would have gone to whom differently, and which families would get another regisseur or safety holder. Changes nothing.' })
  @ApiBody({ schema: { type: 'object', required: ['regionYaml'], properties: { regionYaml: REGION_YAML, since: SINCE, until: UNTIL } } })
  @ApiOkResponse({ description: 'The replay report: { period, active, candidate, events: [{ eventId, type, time, senderId, familyId, refused, recipients: [{ kind: ADDED|REMOVED|CHANGED, … }] }], families: [{ familyId, active, candidate, changed }], summary }.' })
  @ApiBadRequestResponse({ description: 'since or until is not a time, or the period is empty.' })
  @ApiUnprocessableEntityResponse({ description: 'The text is not a valid region configuration (problem+json with `problems`).' })
  @ApiConflictResponse({ description: 'No active version in the database.' })
  async replay(@Body() body: unknown) {
    const regionYaml = text(body, 'regionYaml', true);
    const since = text(body, 'since', false);
    const until = text(body, 'until', false);
    return this.run(() => this.admin.replay(regionYaml, since, until));
  }

  private async run<T>(work: () => T | Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof RegionConfigError) {
        throw problem(422, 'INVALID_REGION', `the region configuration has ${error.problems.length} problem(s)`, { problems: error.problems });
      }
      if (!(error instanceof ConfigAdminError)) throw error;
      switch (error.code) {
        case ConfigAdminErrorCode.BadPeriod:
          throw problem(400, error.code, error.message);
        case ConfigAdminErrorCode.NoActiveVersion:
        case ConfigAdminErrorCode.ActiveVersionUnreadable:
          throw problem(409, error.code, error.message);
        default: {
          const never: never = error.code;
          throw new Error(`unmapped configuration error ${String(never)}`);
        }
      }
    }
  }
}
