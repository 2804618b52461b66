import type { BerichtAfgewezenV1, RejectionReason, SchemaError } from '@ketenhub/contracts';
import { maskBsns } from '@ketenhub/domain';
import { CLOUDEVENTS_CONTENT_TYPE, HUB_SOURCE, type Topics } from '@ketenhub/messaging';
import type { OutboxMessage } from '@ketenhub/persistence';
import { deadLetterId, rejectionId } from '../ids';
import type { InboundMessage } from './inbound-message';

export interface Rejection {
  reason: RejectionReason;
  errors: SchemaError[];
  eventId?: string;
  eventType?: string;
  /**
   * For a refusal because the sender is not involved: what the hub audits and tells the family's
   * regisseur. Never part of what the sender receives.
   */
  attempt?: { familyIds: string[]; sender: { partnerId: string; role: string }; time: string };
}

/**
 * The two messages a rejection produces: the original bytes with machine-readable reasons on the
 * dead-letter topic, and a BerichtAfgewezen event on the sender's outbound topic.
 */
export function rejectionMessages(topics: Topics, partnerId: string, message: InboundMessage, rejection: Rejection, now: Date): OutboxMessage[] {
  const deadLetter: OutboxMessage = {
    messageId: deadLetterId(message.topic, message.partition, message.offset),
    topic: topics.deadLetter(),
    key: partnerId,
    value: message.value,
    headers: {
      'ketenhub-message-id': deadLetterId(message.topic, message.partition, message.offset),
      'ketenhub-reason': rejection.reason,
      // Headers are read by tools that log them: a property name that happens to be a BSN is masked.
      'ketenhub-errors': maskBsns(JSON.stringify(rejection.errors)),
      'ketenhub-origin-topic': message.topic,
      'ketenhub-origin-partition': String(message.partition),
      'ketenhub-origin-offset': message.offset,
      'ketenhub-rejected-at': now.toISOString(),
    },
    familyId: null,
  };
  const data: BerichtAfgewezenV1 = {
    reden: rejection.reason,
    fouten: rejection.errors.length > 0 ? rejection.errors : [{ pointer: '', keyword: rejection.reason, message: rejection.reason }],
    bericht: {
      topic: message.topic,
      partition: message.partition,
      offset: message.offset,
      ...(rejection.eventId !== undefined ? { id: rejection.eventId } : {}),
      ...(rejection.eventType !== undefined ? { type: rejection.eventType } : {}),
    },
  };
  const id = rejectionId(message.topic, message.partition, message.offset);
  const event = {
    specversion: '1.0',
    id,
    source: HUB_SOURCE,
    type: 'nl.ketenhub.hub.bericht-afgewezen.v1',
    time: now.toISOString(),
    datacontenttype: 'application/json',
    ...(rejection.eventId !== undefined ? { causationid: rejection.eventId } : {}),
    data,
  };
  const notice: OutboxMessage = {
    messageId: id,
    topic: topics.outbound(partnerId),
    key: partnerId,
    value: Buffer.from(JSON.stringify(event)),
    headers: { 'content-type': CLOUDEVENTS_CONTENT_TYPE, 'ketenhub-message-id': id },
    familyId: null,
  };
  return [deadLetter, notice];
}
