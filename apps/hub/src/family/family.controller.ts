import { Controller, Get, Param, ParseIntPipe, ParseUUIDPipe, Query, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { Allow, AuthGuard, problem, type AuthenticatedRequest } from '../auth/auth.guard';
import { ReadErrorCode, ReadFamilyError, ReadFamilyUseCase } from './read-family.use-case';
const FAMILY_ID = { name: 'familyId', description: 'The pseudonymous family id (the `familyid` of every message the hub sends).', format: 'uuid' };

/**
 * Reading a family's record back, as a partner involved with it: what the region's routes would
 * give that partner, nothing for a partner not involved. Thin: parse, call the use case, map its
 * error codes once.
 */
@ApiTags('families')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'No token, or one that is expired, lives over an hour, lacks kid, iat or exp, or is not signed by a trusted issuer.' })
@ApiForbiddenResponse({ description: 'The token\'s role may not read family records (audited).' })
@UseGuards(AuthGuard)
@Allow('PARTNER')
@Controller('families')
export class FamilyController {
  constructor(private readonly read: ReadFamilyUseCase) {}

  @Get(':familyId')
  @ApiOperation({ summary: 'The family record: regisseur and safety holder of record, kader, perspective, veiligheidskaart, perspectiefplan, event history and regie history.' })
  @ApiParam(FAMILY_ID)
  @ApiOkResponse({ description: 'The family record (the handover package plus regieGeschiedenis).' })
  @ApiNotFoundResponse({ description: 'No such family (or none the requester may see).' })
  async family(@Param('familyId', new ParseUUIDPipe()) familyId: string, @Req() req: AuthenticatedRequest) {
    return this.run(() => this.read.family(familyId, req.requester, `http:GET /families/${familyId}`));
  }

  @Get(':familyId/veiligheidskaart')
  @ApiOperation({ summary: 'The veiligheidskaart, current or at an earlier version: every contribution attributed to its organisation and time.' })
  @ApiParam(FAMILY_ID)
  @ApiQuery({ name: 'versie', required: false, description: 'Version n: the first n contributions in the order they happened.' })
  async kaart(@Param('familyId', new ParseUUIDPipe()) familyId: string, @Req() req: AuthenticatedRequest, @Query('versie', new ParseIntPipe({ optional: true })) versie?: number) {
    return this.run(() => this.read.kaart(familyId, versie, req.requester, `http:GET /families/${familyId}/veiligheidskaart`));
  }

  @Get(':familyId/perspectiefplan')
  @ApiOperation({ summary: 'The perspectiefplan, current or at an earlier version.' })
  @ApiParam(FAMILY_ID)
  @ApiQuery({ name: 'versie', required: false, description: 'Version n: the n-th plan that was set.' })
  async plan(@Param('familyId', new ParseUUIDPipe()) familyId: string, @Req() req: AuthenticatedRequest, @Query('versie', new ParseIntPipe({ optional: true })) versie?: number) {
    return this.run(() => this.read.plan(familyId, versie, req.requester, `http:GET /families/${familyId}/perspectiefplan`));
  }

  private async run<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof ReadFamilyError)) throw error;
      switch (error.code) {
        case ReadErrorCode.FamilyNotFound:
        case ReadErrorCode.VersionNotFound:
          throw problem(404, error.code, error.message);
        case ReadErrorCode.PartNotVisible:
          throw problem(403, error.code, error.message);
        default: {
          const never: never = error.code;
          throw new Error(`unmapped read error ${String(never)}`);
        }
      }
    }
  }
}
