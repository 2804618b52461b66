import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { AuditFields } from '@ketenhub/audit';
import type { Contracts } from '@ketenhub/contracts';
import { CLOUDEVENTS_CONTENT_TYPE, HUB_SOURCE, type Topics } from '@ketenhub/messaging';
import type { AuditStore, OutboxMessage, OutboxStore } from '@ketenhub/persistence';
import type { Recipient, Region } from '@ketenhub/routing';
import { auditIdFor, involvementAuditId } from '../ids';

export interface Disclosure {
  type: string;
  /** When it happened (the cause's time for a forwarded event, the decision's time for the hub's own). */
  time: string;
  data: unknown;
  familyId: string;
  causationId: string;
  actor: { partnerId: string; role: string } | null;
  recipients: Recipient[];
  /** Gives each recipient's message its stable id. */
  messageId(recipient: string): string;
  /** For a pointer-only notice: the sender's contact person for this family, when it named one. */
  senderContact?: { naam: string; functie?: string; telefoon?: string; email?: string };
}

/** A partner that became involved with a family through an event: by which relation and basis, and who sent the event on which topic. */
export interface Involved {
  familyId: string; partnerId: string; relation: string; basis: string; source: string; eventId: string;
  actor: { partnerId: string; role: string }; accessPoint: string;
}

/**
 * The INVOLVE audit record of one new involvement, as the hub writes it in the transaction that
 * involves the partner (DisclosureBatch.involve); the growth bench's seeder (deploy/bench/seed.ts)
 * writes the same.
 */
export function involvementRecord(i: Involved, at: { systemId: string; configVersion: string; occurredAt: string }): AuditFields {
  return {
    auditId: involvementAuditId(i.familyId, i.partnerId, i.source, i.eventId), action: 'INVOLVE', occurredAt: at.occurredAt, outcome: 'SUCCESS',
    systemId: at.systemId, actorPartnerId: i.actor.partnerId, actorRole: i.actor.role, recipientPartnerId: i.partnerId,
    purpose: `betrokken door relatie ${i.relation}`, accessPoint: i.accessPoint, familyId: i.familyId, dataCategories: ['betrokkenheid'],
    legalBasis: i.basis, ruleId: i.relation, configVersion: at.configVersion, messageId: null, causationId: i.eventId,
  };
}

const POINTER_TYPE = 'nl.ketenhub.hub.verwijzing.v1';

/**
 * Everything one transaction discloses: an outbox message and an audit record per recipient.
 * The hub's own events are checked against their schema before they are written.
 */
export class DisclosureBatch {
  private readonly messages: OutboxMessage[] = [];
  private readonly records: AuditFields[] = [];

  constructor(
    private readonly deps: { contracts: Contracts; topics: Topics; region: Region; outbox: OutboxStore; audit: AuditStore; systemId: string },
  ) {}

  add(d: Disclosure): void {
    if (d.actor === null) {
      const errors = this.deps.contracts.validateData(d.type, d.data);
      if (errors.length > 0) throw new Error(`the hub built an invalid ${d.type}: ${JSON.stringify(errors)}`);
    }
    const now = new Date().toISOString();
    for (const recipient of d.recipients) {
      const messageId = d.messageId(recipient.partnerId);
      const { type, data, categories } = this.minimise(d, recipient);
      const event = {
        specversion: '1.0', id: messageId, source: HUB_SOURCE, type, time: d.time,
        datacontenttype: 'application/json', familyid: d.familyId, causationid: d.causationId, data,
      };
      this.messages.push({
        messageId, topic: this.deps.topics.outbound(recipient.partnerId), key: d.familyId, familyId: d.familyId,
        value: Buffer.from(JSON.stringify(event)),
        headers: { 'content-type': CLOUDEVENTS_CONTENT_TYPE, 'ketenhub-message-id': messageId },
      });
      this.records.push({
        auditId: auditIdFor(messageId), action: 'DISCLOSE', occurredAt: now, outcome: 'SUCCESS', systemId: this.deps.systemId,
        actorPartnerId: d.actor?.partnerId ?? null, actorRole: d.actor?.role ?? 'HUB', recipientPartnerId: recipient.partnerId,
        purpose: recipient.purpose, accessPoint: `kafka:${this.deps.topics.outbound(recipient.partnerId)}`, familyId: d.familyId,
        dataCategories: categories, legalBasis: recipient.legalBasis, ruleId: recipient.routeId, configVersion: this.deps.region.version,
        messageId, causationId: d.causationId,
      });
    }
  }

  /** What this recipient may have: everything, the route's fields, or only a pointer to the sender. */
  private minimise(d: Disclosure, recipient: Recipient): { type: string; data: unknown; categories: string[] } {
    if (recipient.pointerOnly) {
      const sender = d.actor ? this.deps.region.partner(d.actor.partnerId) : undefined;
      const afzender = sender
        ? { partnerId: sender.id, naam: sender.name, rol: sender.role, ...(d.senderContact ? { contactpersoon: d.senderContact } : {}) }
        : { partnerId: 'ketenhub', naam: 'Ketenhub', rol: 'HUB' };
      return { type: POINTER_TYPE, data: { over: { type: d.type, id: d.causationId }, afzender }, categories: [`${d.type}#verwijzing`] };
    }
    if (recipient.fields && typeof d.data === 'object' && d.data !== null) {
      const picked = Object.fromEntries(Object.entries(d.data).filter(([key]) => recipient.fields?.includes(key)));
      return { type: d.type, data: picked, categories: Object.keys(picked).map((key) => `${d.type}#${key}`) };
    }
    return { type: d.type, data: d.data, categories: [d.type] };
  }

  /**
   * Records, without sending, what a route would have disclosed but a rule forbids (a confidential
   * address): the privacy officer sees what was held back, for whom, and under which rule.
   */
  withhold(d: Omit<Disclosure, 'messageId'>, reason: string): void {
    const now = new Date().toISOString();
    for (const recipient of d.recipients) {
      this.records.push({
        auditId: randomUUID(), action: 'DISCLOSE', occurredAt: now, outcome: 'REFUSED', systemId: this.deps.systemId,
        actorPartnerId: d.actor?.partnerId ?? null, actorRole: d.actor?.role ?? 'HUB', recipientPartnerId: recipient.partnerId,
        purpose: `${recipient.purpose} (withheld: ${reason})`, accessPoint: `kafka:${this.deps.topics.outbound(recipient.partnerId)}`, familyId: d.familyId,
        dataCategories: [d.type], legalBasis: recipient.legalBasis, ruleId: recipient.routeId, configVersion: this.deps.region.version,
        messageId: null, causationId: d.causationId,
      });
    }
  }

  /**
   * Records that a partner became involved with the family (docs/REGIE.md, "Who is involved"):
   * who (recipient), by which relation (rule) and basis, caused by which event and sender.
   */
  involve(i: Involved): void {
    this.records.push(involvementRecord(i, { systemId: this.deps.systemId, configVersion: this.deps.region.version, occurredAt: new Date().toISOString() }));
  }

  /** Records an event refused because its sender is not involved: who tried, which type, about which family (none when its persons are unknown). */
  refuseInvolvement(r: { familyId: string | null; reason: string; eventType: string; eventId: string | undefined; actor: { partnerId: string; role: string }; accessPoint: string }): void {
    this.records.push({
      auditId: randomUUID(), action: 'INVOLVE', occurredAt: new Date().toISOString(), outcome: 'REFUSED', systemId: this.deps.systemId,
      actorPartnerId: r.actor.partnerId, actorRole: r.actor.role, recipientPartnerId: r.actor.partnerId,
      purpose: `bericht zonder betrokkenheid geweigerd (${r.reason})`, accessPoint: r.accessPoint, familyId: r.familyId, dataCategories: [r.eventType],
      legalBasis: null, ruleId: r.reason, configVersion: this.deps.region.version, messageId: null, causationId: r.eventId ?? null,
    });
  }

  get size(): number {
    return this.messages.length;
  }

  async flush(db: EntityManager): Promise<void> {
    await this.deps.outbox.add(db, this.messages);
    await this.deps.audit.append(db, this.records);
  }
}
