import { Controller, Get, HttpException, HttpStatus, Inject } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { InboundConsumer } from '../ingress/inbound.consumer';
import { OutboxRelay } from '../relay/outbox.relay';
import { DATA_SOURCE, KAFKA } from '../tokens';

type Check = { status: 'up' | 'down'; detail?: string };

/** /health/live: the process answers. /health/ready and /health: Kafka and PostgreSQL answer and the pipeline runs. */
@Controller('health')
export class HealthController {
  constructor(
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
  async health(): Promise<Record<string, unknown>> {
    return this.ready();
  }

  @Get('ready')
  async ready(): Promise<Record<string, unknown>> {
    const [database, kafka] = await Promise.all([this.checkDatabase(), this.checkKafka()]);
    const pipeline: Check = this.consumer.isRunning() && this.relay.healthy() ? { status: 'up' } : { status: 'down', detail: 'consumer or relay not running' };
    const body = { status: [database, kafka, pipeline].every((c) => c.status === 'up') ? 'up' : 'down', checks: { database, kafka, pipeline } };
    if (body.status !== 'up') throw new HttpException(body, HttpStatus.SERVICE_UNAVAILABLE);
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
