import { Controller, Get, HttpStatus, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import type { Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import type { HubConfig } from '@ketenhub/config';
import { InboundConsumer } from '../ingress/inbound.consumer';
import { OutboxRelay } from '../relay/outbox.relay';
import { DATA_SOURCE, HUB_CONFIG, KAFKA } from '../tokens';

type Check = { status: 'up' | 'down'; detail?: string };

/**
 * /health/live: the process answers. /health/ready and /health: Kafka and PostgreSQL answer and the
 * pipeline runs, with no inbound message failing to apply for READY_STALL_MS or longer (a partition
 * that does not move is not ready, even though every part answers).
 */
@Controller('health')
export class HealthController {
  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(KAFKA) private readonly kafka: Kafka,
    private readonly consumer: InboundConsumer,
    private readonly relay: OutboxRelay,
  ) {}

  @Get('live')
  live(): { status: 'up' } {
    return { status: 'up' };
  }

  @Get()
  async health(@Res({ passthrough: true }) res: Response): Promise<Record<string, unknown>> {
    return this.ready(res);
  }

  @Get('ready')
  async ready(@Res({ passthrough: true }) res: Response): Promise<Record<string, unknown>> {
    const [database, kafka] = await Promise.all([this.checkDatabase(), this.checkKafka()]);
    const stalled = this.consumer.stalledFor(this.config.readyStallMs);
    const pipeline: Check = !this.consumer.isRunning() || !this.relay.healthy()
      ? { status: 'down', detail: 'consumer or relay not running' }
      : stalled
        ? { status: 'down', detail: `stalled: ${stalled.topic} partition ${stalled.partition} offset ${stalled.offset} has failed to apply for ${stalled.seconds} s (see the error log)` }
        : { status: 'up' };
    const body = { status: [database, kafka, pipeline].every((c) => c.status === 'up') ? 'up' : 'down', checks: { database, kafka, pipeline } };
    // The checks themselves are the answer, for a probe and for a person: not a problem document.
    if (body.status !== 'up') res.status(HttpStatus.SERVICE_UNAVAILABLE);
    return body;
  }

  private async checkDatabase(): Promise<Check> {
    try {
      await this.dataSource.query('SELECT 1');
      return { status: 'up' };
    } catch (error) {
      return { status: 'down', detail: error instanceof Error ? error.message : String(error) };
    }
  }

  private async checkKafka(): Promise<Check> {
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      return { status: 'up', detail: `${cluster.brokers.length} broker(s)` };
    } catch (error) {
      return { status: 'down', detail: error instanceof Error ? error.message : String(error) };
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}
