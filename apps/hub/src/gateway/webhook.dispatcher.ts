import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import type { DataSource, EntityManager } from 'typeorm';
import type { HubConfig } from '@ketenhub/config';
import { CLOUDEVENTS_CONTENT_TYPE, signWebhook } from '@ketenhub/messaging';
import { DeliveryStore, unlockAndRelease, type DeliveryWithValue } from '@ketenhub/persistence';
import type { Partner, Region } from '@ketenhub/routing';
import { MetricsService } from '../operations/metrics.service';
import { DATA_SOURCE, HUB_CONFIG, REGION } from '../tokens';
import { DeliveryBridge, isWebhookPartner } from './delivery.bridge';
import { webhookSecretOf } from './partner-secrets';
import { WakeableSleep } from '../wakeable-sleep';

/** Any number (here: 'KHWH') no other advisory lock in this database uses. */
export const DISPATCH_LOCK = 0x4b485748;
const PER_PARTNER_PER_CYCLE = 50;

/** The wait before attempt n+1 after n failed attempts: doubling from the base, capped, with ±20 % jitter. */
export function backoffMs(failedAttempts: number, base: number, max: number, random = Math.random): number {
  const plain = Math.min(max, base * 2 ** Math.max(0, failedAttempts - 1));
  return Math.round(plain * (0.8 + 0.4 * random()));
}

/**
 * Pushes each webhook partner's messages to its webhookUrl, signed (Standard Webhooks), oldest
 * first. A failed attempt is retried with exponential backoff and holds back that partner's later
 * messages, so a family's order holds; after WEBHOOK_MAX_ATTEMPTS the message is dead-lettered
 * (status DEAD, an error log and ketenhub_webhook_dead_lettered_total for the alert) and the next
 * one goes. Delivery is at least once: the receiver drops a webhook-id it has seen.
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly partners: Partner[];
  private stopped = false;
  private loops: Array<Promise<void>> = [];
  /** One loop per partner, each with its own pause: a slow or absent receiver holds back only its own messages. */
  private readonly pauses = new Map<string, WakeableSleep>();
  private lastGaugeAt = 0;

  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(REGION) region: Region,
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly deliveries: DeliveryStore,
    private readonly bridge: DeliveryBridge,
    private readonly metrics: MetricsService,
    @InjectPinoLogger(WebhookDispatcher.name) private readonly logger: PinoLogger,
  ) {
    this.partners = region.config.partners.filter(isWebhookPartner);
  }

  onApplicationBootstrap(): void {
    if (this.partners.length === 0) return;
    this.bridge.onAdded(() => this.nudge());
    for (const partner of this.partners) {
      const pause = new WakeableSleep();
      this.pauses.set(partner.id, pause);
      this.loops.push(this.run(partner, pause));
    }
  }

  /** Something is ready, or an operator asked for a resend: look now. */
  nudge(): void {
    for (const pause of this.pauses.values()) pause.wake();
  }

  private async run(partner: Partner, pause: WakeableSleep): Promise<void> {
    while (!this.stopped) {
      let worked = false;
      try {
        worked = await this.cycle(partner);
      } catch (error) {
        this.logger.warn({ err: error, partner: partner.id }, 'webhook dispatcher cycle failed; will try again');
      }
      if (!worked) await pause.sleep(this.config.gateway.webhook.pollMs);
    }
  }

  /**
   * One partner's due messages, under a lock per partner: with several hub instances, one sends
   * them, in order. The lock is held by the connection's session, not a transaction, so that each
   * answer is on record as soon as it came: a hub killed mid-cycle sends again only the request it
   * had no answer to. Until the lock was moved out of the transaction, a kill sent every answered
   * request of the cycle (up to PER_PARTNER_PER_CYCLE) again. A session that ends, with its hub or
   * its connection, releases the lock.
   */
  private async cycle(partner: Partner): Promise<boolean> {
    const runner = this.dataSource.createQueryRunner();
    const db = runner.manager;
    let held = false;
    try {
      const [{ locked }] = (await db.query('SELECT pg_try_advisory_lock($1::int, hashtext($2)) AS locked', [DISPATCH_LOCK, partner.id])) as Array<{ locked: boolean }>;
      held = locked;
      if (!locked) return false;
      await this.updateGauge(db);
      const due = await this.deliveries.due(db, partner.id, PER_PARTNER_PER_CYCLE);
      if (due.length === 0) return false;
      return await this.deliverInOrder(db, partner, due);
    } finally {
      if (!held) {
        await runner.release();
      } else {
        const failure = await unlockAndRelease(runner, 'SELECT pg_advisory_unlock($1::int, hashtext($2))', [DISPATCH_LOCK, partner.id]);
        if (failure !== undefined) this.logger.warn({ err: failure, partner: partner.id }, 'webhook dispatcher could not release its lock; closed the connection');
      }
    }
  }

  /** Sends one partner's messages in order until one fails. True when any was settled. */
  private async deliverInOrder(db: EntityManager, partner: Partner, list: DeliveryWithValue[]): Promise<boolean> {
    let progress = false;
    for (const delivery of list) {
      if (this.stopped) break;
      const settled = await this.attempt(db, partner, delivery);
      if (!settled) break;
      progress = true;
    }
    return progress;
  }

  /** One attempt. True when the message is done with (delivered or dead-lettered), false to retry later. */
  private async attempt(db: EntityManager, partner: Partner, d: DeliveryWithValue): Promise<boolean> {
    const { webhook } = this.config.gateway;
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = signWebhook(webhookSecretOf(this.config.secrets.partnerSecretKey, partner.id), d.messageId, timestamp, d.value);
    const timer = this.metrics.webhookLatency.startTimer({ partner: partner.id });
    let httpStatus: number | null = null;
    let error: string;
    try {
      const response = await fetch(partner.connection!.webhookUrl!, {
        method: 'POST', body: d.value, redirect: 'manual', signal: AbortSignal.timeout(webhook.timeoutMs),
        headers: {
          'content-type': CLOUDEVENTS_CONTENT_TYPE, 'webhook-id': d.messageId, 'webhook-timestamp': String(timestamp), 'webhook-signature': signature,
          'user-agent': 'ketenhub-webhook/1',
        },
      });
      httpStatus = response.status;
      await response.arrayBuffer().catch(() => undefined);
      if (response.status >= 200 && response.status < 300) {
        timer();
        await this.deliveries.markDelivered(db, partner.id, d.seq, response.status);
        this.metrics.webhookAttempts.inc({ partner: partner.id, outcome: 'delivered' });
        return true;
      }
      error = `the receiver answered ${response.status}`;
    } catch (failure) {
      const cause = failure instanceof Error ? ((failure.cause as { code?: string } | undefined)?.code ?? failure.name) : String(failure);
      error = cause === 'TimeoutError' ? `no answer within ${webhook.timeoutMs} ms` : `could not reach the receiver (${cause})`;
    }
    timer();
    const attempts = d.attempts + 1;
    const exhausted = attempts >= webhook.maxAttempts;
    const nextAttemptAt = exhausted ? null : new Date(Date.now() + backoffMs(attempts, webhook.backoffMs, webhook.maxBackoffMs));
    await this.deliveries.markFailed(db, partner.id, d.seq, { httpStatus, error, nextAttemptAt });
    this.metrics.webhookAttempts.inc({ partner: partner.id, outcome: 'failed' });
    const log = { partner: partner.id, messageId: d.messageId, seq: d.seq, attempts, error };
    if (exhausted) {
      this.metrics.webhookDeadLettered.inc({ partner: partner.id });
      this.logger.error(log, 'ALERT webhook delivery dead-lettered after its last attempt; fix the receiver, then resend (POST /deliveries/resend)');
      return true;
    }
    this.logger.warn({ ...log, nextAttemptAt }, 'webhook delivery failed; will retry');
    return false;
  }

  private async updateGauge(db: EntityManager): Promise<void> {
    if (Date.now() - this.lastGaugeAt < 5_000) return;
    this.lastGaugeAt = Date.now();
    const counts = await this.deliveries.countByStatus(db);
    for (const partner of this.partners) {
      this.metrics.webhookFailing.set({ partner: partner.id }, counts.find((c) => c.partnerId === partner.id && c.status === 'FAILING')?.n ?? 0);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.nudge();
    await Promise.all(this.loops);
  }
}
