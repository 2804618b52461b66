import type { BerichtAfgewezenV1, RejectionReason, SchemaError } from '@ketenhub/contracts';
import { maskBsns } from '@ketenhub/domain';
import { CLOUDEVENTS_CONTENT_TYPE, HUB_SOURCE, type Topics } from '@ketenhub/messaging';
import type { OutboxMessage } from '@ketenhub/persistence';
import type { BsnVault } from '@ketenhub/privacy';
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

/** The dead letter's `ketenhub-payload` header: its value is the original bytes sealed by BsnVault.sealBytes. */
export const DEAD_LETTER_PAYLOAD = 'aes-256-gcm;key=BSN_ENCRYPTION_KEY;aad=ketenhub-message-id';

/**
 * A rejection's errors as the hub keeps and sends them: a BSN in a pointer or message (a property
 * named by a number, a value quoted back) is masked, as in every other place the hub writes.
 */
export function maskedErrors(errors: SchemaError[]): SchemaError[] {
  return errors.map((e) => ({ ...e, pointer: maskBsns(e.pointer), message: maskBsns(e.message) }));
}

/**
 * The two messages a rejection produces: the original bytes with machine-readable reasons on the
 * dead-letter topic, and a BerichtAfgewezen event on the sender's outbound topic. The original
 * bytes may hold BSNs anywhere (and need not be JSON), so the dead letter carries them sealed
 * with the BSN encryption key, bound to its message id: the outbox row and the topic hold no BSN
 * in clear, and `npm run dead-letter` opens one for a named reader and audits that it did.
 */
export function rejectionMessages(topics: Topics, vault: BsnVault, partnerId: string, message: InboundMessage, rejection: Rejection, now: Date): OutboxMessage[] {
  const messageId = deadLetterId(message.topic, message.partition, message.offset);
  const errors = maskedErrors(rejection.errors);
  const deadLetter: OutboxMessage = {
    messageId,
    topic: topics.deadLetter(),
    key: partnerId,
    value: message.value === null ? null : vault.sealBytes(message.value, messageId),
    headers: {
      'ketenhub-message-id': messageId,
      ...(message.value === null ? {} : { 'ketenhub-payload': DEAD_LETTER_PAYLOAD }),
      'ketenhub-reason': rejection.reason,
      // Headers are read by tools that log them: a property name that happens to be a BSN is masked.
      'ketenhub-errors': maskBsns(JSON.stringify(errors)),
      'ketenhub-origin-topic': message.topic,
      'ketenhub-origin-partition': String(message.partition),
      'ketenhub-origin-offset': message.offset,
      'ketenhub-rejected-at': now.toISOString(),
    },
    familyId: null,
  };
  const data: BerichtAfgewezenV1 = {
    reden: rejection.reason,
    fouten: errors.length > 0 ? errors : [{ pointer: '', keyword: rejection.reason, message: rejection.reason }],
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
