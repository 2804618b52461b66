import { capErrors, type BerichtAfgewezenV2, type RejectionReason, type SchemaError } from '@ketenhub/contracts';
import { maskBsns } from '@ketenhub/domain';
import { CLOUDEVENTS_CONTENT_TYPE, HUB_SOURCE, type Topics } from '@ketenhub/messaging';
import type { OutboxMessage } from '@ketenhub/persistence';
import type { BsnVault } from '@ketenhub/privacy';
import { deadLetterId, rejectionId } from '../ids';
import type { InboundMessage } from './inbound-message';

/** The type the hub tells a sender of a refused message by (v2: its error list is bounded). */
export const BERICHT_AFGEWEZEN_TYPE = 'nl.ketenhub.hub.bericht-afgewezen.v2';

export interface Rejection {
  reason: RejectionReason;
  errors: SchemaError[];
  /** Errors found beyond `errors` (0 when all are listed). */
  omitted?: number;
  /** False when the message was checked up to its first error only. */
  complete?: boolean;
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
  // Bounded here too, whoever built the rejection: the header and the notice stay a few kilobytes
  // (20 errors of at most 300 characters a field) whatever the refused message held.
  const capped = capErrors(rejection.errors);
  const errors = maskedErrors(capped.errors);
  const omitted = (rejection.omitted ?? 0) + capped.omitted;
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
      'ketenhub-errors-omitted': String(omitted),
      'ketenhub-origin-topic': message.topic,
      'ketenhub-origin-partition': String(message.partition),
      'ketenhub-origin-offset': message.offset,
      'ketenhub-rejected-at': now.toISOString(),
    },
    familyId: null,
  };
  const data: BerichtAfgewezenV2 = {
    reden: rejection.reason,
    fouten: errors.length > 0 ? errors : [{ pointer: '', keyword: rejection.reason, message: rejection.reason }],
    foutenWeggelaten: omitted,
    volledigGecontroleerd: rejection.complete ?? true,
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
    type: BERICHT_AFGEWEZEN_TYPE,
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
