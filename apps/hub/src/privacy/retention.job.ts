import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import type { DataSource } from 'typeorm';
import type { Contracts } from '@ketenhub/contracts';
import type { HubConfig } from '@ketenhub/config';
import { AuditStore, RetentionStore } from '@ketenhub/persistence';
import { systemIdOf, type Region } from '@ketenhub/routing';
import { CONTRACTS, DATA_SOURCE, HUB_CONFIG, REGION } from '../tokens';
import { loadRetentionConfig } from './retention-config';
import { RunRetentionUseCase, type RetentionReport } from './run-retention.use-case';

/**
 * Runs the retention use case soon after boot and then every RETENTION_INTERVAL_MS (0: never;
 * `npm run retention` then does it by hand). Several hubs may run it at once: rows are taken with
 * SKIP LOCKED, so each is removed, and audited, once.
 */
@Injectable()
export class RetentionJob implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private useCase?: RunRetentionUseCase;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private readonly stop = new AbortController();

  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(REGION) private readonly region: Region,
    @Inject(CONTRACTS) private readonly contracts: Contracts,
    @InjectPinoLogger(RetentionJob.name) private readonly logger: PinoLogger,
  ) {}

  /** Reads config/retention.yaml at boot, so a wrong file stops the hub instead of the first run a day later. */
  onModuleInit(): void {
    if (this.config.retention.intervalMs === 0) return;
    this.useCase = new RunRetentionUseCase({
      dataSource: this.dataSource, store: new RetentionStore(), audit: new AuditStore(this.config.secrets.auditChainKey),
      config: loadRetentionConfig(this.config.retention.file, this.contracts),
      systemId: systemIdOf(this.region), accessPoint: 'job:retention',
    });
  }

  onApplicationBootstrap(): void {
    if (!this.useCase) {
      this.logger.info('retention job disabled (RETENTION_INTERVAL_MS=0); run npm run retention instead');
      return;
    }
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.stop.signal.aborted) return;
    this.timer = setTimeout(() => {
      this.running = this.runOnce().finally(() => this.schedule(this.config.retention.intervalMs));
    }, delayMs);
    // A pending run must never keep a stopping process alive.
    this.timer.unref();
  }

  private async runOnce(): Promise<void> {
    if (!this.useCase) return;
    try {
      this.log(await this.useCase.run({ dryRun: false, signal: this.stop.signal }));
    } catch (error) {
      this.logger.warn({ err: error }, 'retention run failed; will retry at the next interval');
    }
  }

  private log(report: RetentionReport): void {
    for (const c of report.categories) {
      const fields = { runId: report.runId, category: c.category, period: c.period, cutoff: c.cutoff, removed: c.removed, batches: c.batches, tables: c.tables };
      if (c.outcome === 'FAILURE') this.logger.error({ ...fields, error: c.error }, 'retention failed for a category');
      else if (c.removed > 0) this.logger.info(fields, 'retention removed expired data');
      else this.logger.debug(fields, 'retention: nothing expired');
    }
  }

  async onApplicationShutdown(): Promise<void> {
    // Stops between batches: what was removed so far is committed together with its audit records.
    this.stop.abort();
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
