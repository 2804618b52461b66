import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Contracts } from '@ketenhub/contracts';
import { Topics } from '@ketenhub/messaging';
import { buildAsyncApi, type Region } from '@ketenhub/routing';
import { CONTRACTS, REGION } from '../tokens';

/**
 * /asyncapi.json: the AsyncAPI 3.0 document of this hub's region (topics, messages, who sends
 * what), generated from schemas/ and region.yaml once at start; the region is fixed for the process.
 */
@ApiTags('messages')
@Controller()
export class AsyncApiController {
  private readonly document: Record<string, unknown>;

  constructor(@Inject(CONTRACTS) contracts: Contracts, @Inject(REGION) region: Region, topics: Topics) {
    this.document = buildAsyncApi(contracts, region, topics);
  }

  @Get('asyncapi.json')
  @ApiOperation({ summary: 'The AsyncAPI 3.0 document: every Kafka topic of the region, its CloudEvents and their schemas' })
  @ApiOkResponse({ description: 'AsyncAPI 3.0.0 document (JSON)' })
  asyncApi(): Record<string, unknown> {
    return this.document;
  }
}
