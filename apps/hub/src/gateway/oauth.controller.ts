import { Body, Controller, Headers, HttpCode, Inject, Ip, Post, Res } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBody, ApiConsumes, ApiOkResponse, ApiOperation, ApiTags, ApiTooManyRequestsResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Response } from 'express';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { HubConfig } from '@ketenhub/config';
import type { Region } from '@ketenhub/routing';
import { signToken } from '../auth/token';
import { HUB_CONFIG, REGION } from '../tokens';
import { clientSecretMatches } from './partner-secrets';

/** Partner tokens live 15 minutes: short enough that a leaked one is soon useless. */
export const PARTNER_TOKEN_SECONDS = 900;

/**
 * OAuth2 client credentials (RFC 6749 §4.4): a partner system trades its client id (its partner
 * id) and client secret for a short-lived bearer token. Errors follow RFC 6749 §5.2, not problem
 * details, because OAuth client libraries read that shape.
 */
@ApiTags('partner gateway')
@Controller('oauth')
export class OAuthController {
  /**
   * Wrong secrets per client id and client address: ten a minute, then a pause. Keyed on both, so
   * one partner's misconfigured system does not lock out every partner behind the same proxy, and
   * nobody elsewhere can lock a partner out by guessing at its id.
   */
  private readonly failures = new RateLimiterMemory({ points: 10, duration: 60 });

  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(REGION) private readonly region: Region,
    @InjectPinoLogger(OAuthController.name) private readonly logger: PinoLogger,
  ) {}

  @Post('token')
  @HttpCode(200)
  @ApiOperation({ summary: 'Client-credentials grant: a partner system gets a bearer token (15 minutes) for the partner API.' })
  @ApiConsumes('application/x-www-form-urlencoded', 'application/json')
  @ApiBody({ schema: { type: 'object', required: ['grant_type'], properties: { grant_type: { type: 'string', enum: ['client_credentials'] }, client_id: { type: 'string' }, client_secret: { type: 'string' } } } })
  @ApiOkResponse({ description: '{ access_token, token_type: "Bearer", expires_in }' })
  @ApiUnauthorizedResponse({ description: '{ error: "invalid_client" }: unknown partner or wrong secret (HTTP Basic or body parameters).' })
  @ApiBadRequestResponse({ description: '{ error: "invalid_request" | "unsupported_grant_type" }: no credentials, another grant type, or a % in HTTP Basic credentials that starts no valid escape (they are form-urlencoded, RFC 6749 §2.3.1).' })
  @ApiTooManyRequestsResponse({ description: '{ error: "slow_down" }: more than ten wrong secrets a minute for this client_id from this address; Retry-After says how long to wait.' })
  async token(@Body() body: Record<string, unknown> | undefined, @Headers('authorization') authorization: string | undefined, @Ip() ip: string, @Res() res: Response): Promise<void> {
    res.setHeader('Cache-Control', 'no-store');
    const form = body ?? {};
    if (form.grant_type !== 'client_credentials') {
      res.status(400).json({ error: form.grant_type === undefined ? 'invalid_request' : 'unsupported_grant_type', error_description: 'grant_type must be client_credentials' });
      return;
    }
    const client = clientOf(form, authorization);
    if (client === 'MALFORMED') {
      res.status(400).json({ error: 'invalid_request', error_description: 'client_id and client_secret in HTTP Basic authentication are form-urlencoded (RFC 6749 §2.3.1): a % there must start an escape such as %3A' });
      return;
    }
    if (!client) {
      res.status(400).json({ error: 'invalid_request', error_description: 'send client_id and client_secret, in HTTP Basic authentication or in the body' });
      return;
    }
    const lockout = `${client.id.slice(0, 128)}\0${ip}`;
    const blocked = await this.failures.get(lockout);
    if (blocked && blocked.remainingPoints <= 0) {
      res.setHeader('Retry-After', String(Math.ceil(blocked.msBeforeNext / 1000)));
      res.status(429).json({ error: 'slow_down', error_description: 'too many wrong client secrets for this client_id from this address; wait and try again' });
      return;
    }
    const partner = this.region.partner(client.id);
    if (!partner || !clientSecretMatches(this.config.secrets.partnerSecretKey, partner.id, client.secret)) {
      await this.failures.consume(lockout).catch((error: unknown) => {
        if (!(error instanceof RateLimiterRes)) throw error;
      });
      this.logger.warn({ clientId: client.id.slice(0, 64), ip }, 'token refused: unknown client or wrong secret');
      res.setHeader('WWW-Authenticate', 'Basic realm="ketenhub"');
      res.status(401).json({ error: 'invalid_client', error_description: 'unknown client_id or wrong client_secret' });
      return;
    }
    const accessToken = await signToken(this.config.secrets.apiTokenKey, { sub: partner.id, role: 'PARTNER' }, PARTNER_TOKEN_SECONDS);
    this.logger.info({ partner: partner.id }, 'partner token issued');
    res.status(200).json({ access_token: accessToken, token_type: 'Bearer', expires_in: PARTNER_TOKEN_SECONDS });
  }
}

/** The client's credentials; MALFORMED when HTTP Basic carries a % that is no valid escape. */
function clientOf(form: Record<string, unknown>, authorization: string | undefined): { id: string; secret: string } | 'MALFORMED' | undefined {
  const basic = /^Basic ([A-Za-z0-9+/=]+)$/.exec(authorization ?? '');
  if (basic) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) return undefined;
    try {
      return { id: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)) };
    } catch (error) {
      if (error instanceof URIError) return 'MALFORMED';
      throw error;
    }
  }
  if (typeof form.client_id === 'string' && typeof form.client_secret === 'string') return { id: form.client_id, secret: form.client_secret };
  return undefined;
}
