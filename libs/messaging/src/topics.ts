/**
 * Topic naming. Each partner writes only to inbound.<partnerId> and reads only
 * outbound.<partnerId>; the hub's dead letters go to ketenhub.deadletter. A prefix
 * (KETENHUB_TOPIC_PREFIX) lets several hubs share one cluster, as the tests do.
 */
export class Topics {
  constructor(private readonly prefix = '') {}

  inbound(partnerId: string): string {
    return `${this.prefix}inbound.${partnerId}`;
  }

  outbound(partnerId: string): string {
    return `${this.prefix}outbound.${partnerId}`;
  }

  deadLetter(): string {
    return `${this.prefix}ketenhub.deadletter`;
  }

  /** The partner that owns an inbound topic, or undefined for any other topic. */
  ownerOfInbound(topic: string): string | undefined {
    const head = `${this.prefix}inbound.`;
    return topic.startsWith(head) ? topic.slice(head.length) : undefined;
  }

  /** The partner an outbound topic is for, or undefined for any other topic. */
  ownerOfOutbound(topic: string): string | undefined {
    const head = `${this.prefix}outbound.`;
    return topic.startsWith(head) ? topic.slice(head.length) : undefined;
  }
}

/**
 * How long ketenhub.deadletter keeps a dead letter: as long as the outbox keeps its row
 * (verzonden-berichten in config/retention.yaml, P30D), enough to investigate a rejection with its
 * sender, and no longer. The payload is sealed (BSN_ENCRYPTION_KEY) but is personal data all the same.
 */
export const DEAD_LETTER_RETENTION_DAYS = 30;

export const HUB_SOURCE = 'urn:ketenhub:hub';
export const partnerSource = (partnerId: string): string => `urn:ketenhub:partner:${partnerId}`;
export const CLOUDEVENTS_CONTENT_TYPE = 'application/cloudevents+json; charset=UTF-8';
