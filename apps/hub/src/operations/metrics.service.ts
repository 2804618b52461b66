import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The hub's Prometheus metrics. Labels name partners and reasons, never a person. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  readonly consumed = new Counter({ name: 'ketenhub_events_consumed_total', help: 'Messages read from inbound topics', labelNames: ['partner'], registers: [this.registry] });
  readonly accepted = new Counter({ name: 'ketenhub_events_accepted_total', help: 'Events accepted and applied', labelNames: ['partner', 'type'], registers: [this.registry] });
  readonly duplicates = new Counter({ name: 'ketenhub_events_duplicate_total', help: 'Events seen before (same source and id), applied once', labelNames: ['partner'], registers: [this.registry] });
  readonly rejected = new Counter({ name: 'ketenhub_events_rejected_total', help: 'Messages rejected to the dead-letter topic', labelNames: ['partner', 'reason'], registers: [this.registry] });
  readonly delivered = new Counter({ name: 'ketenhub_messages_delivered_total', help: 'Outbox messages published to Kafka', labelNames: ['topic'], registers: [this.registry] });
  readonly processing = new Histogram({
    name: 'ketenhub_processing_seconds', help: 'Time to validate and apply one inbound message (transaction included)',
    labelNames: ['outcome'], buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [this.registry],
  });
  readonly applyGroup = new Histogram({
    name: 'ketenhub_apply_group_messages', help: 'Messages (of one or more partitions) handed to one transaction together (a refused one splits the group)',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500], registers: [this.registry],
  });
  readonly consumerLag = new Gauge({ name: 'ketenhub_consumer_lag', help: 'Messages on inbound topics not yet committed by the hub', labelNames: ['topic', 'partition'], registers: [this.registry] });
  readonly outboxBacklog = new Gauge({ name: 'ketenhub_outbox_backlog', help: 'Outbox messages not yet published', registers: [this.registry] });
  readonly outboxQuarantined = new Gauge({
    name: 'ketenhub_outbox_quarantined', help: 'Outbox messages the broker refused for good, set aside in outbox_quarantine (alert: look at them, fix the cause, send them again by hand)',
    registers: [this.registry],
  });
  readonly quarantinedTotal = new Counter({
    name: 'ketenhub_outbox_quarantined_total', help: 'Outbox messages moved to quarantine, by the broker\'s reason (MESSAGE_TOO_LARGE, INVALID_RECORD, ...)',
    labelNames: ['reason'], registers: [this.registry],
  });
  readonly producerRenewals = new Counter({
    name: 'ketenhub_producer_renewals_total', help: 'Times a producer was replaced because the broker no longer accepted its sequence (outbox relay, HTTPS door)',
    labelNames: ['producer'], registers: [this.registry],
  });
  readonly httpEvents = new Counter({
    name: 'ketenhub_http_events_total', help: 'Events posted to the HTTPS door, by answer (accepted, duplicate, or the rejection reason)',
    labelNames: ['partner', 'answer'], registers: [this.registry],
  });
  readonly webhookAttempts = new Counter({ name: 'ketenhub_webhook_attempts_total', help: 'Webhook delivery attempts', labelNames: ['partner', 'outcome'], registers: [this.registry] });
  readonly webhookDeadLettered = new Counter({
    name: 'ketenhub_webhook_dead_lettered_total', help: 'Webhook deliveries that used up their attempts (alert: resend after the receiver is fixed)',
    labelNames: ['partner'], registers: [this.registry],
  });
  readonly webhookFailing = new Gauge({ name: 'ketenhub_webhook_failing_deliveries', help: 'Webhook deliveries waiting for a retry after a failed attempt', labelNames: ['partner'], registers: [this.registry] });
  readonly webhookLatency = new Histogram({
    name: 'ketenhub_webhook_delivery_seconds', help: 'Time for a webhook receiver to answer', labelNames: ['partner'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'ketenhub_' });
  }
}
