import { createHash, randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { decodeCloudEvent, type Contracts, type KetenhubCloudEvent } from '@ketenhub/contracts';
import { HUB_SOURCE, partnerSource, type Topics } from '@ketenhub/messaging';
import type { AuditStore, FamilyStore, InboxStore, OutboxStore, RegieStore } from '@ketenhub/persistence';
import { kaderOf, maskBsnsInText, type FamilyState, type NewInvolvement } from '@ketenhub/domain';
import { collectPersonRefs, maskStringsAt, replaceBsns, type BsnVault } from '@ketenhub/privacy';
import { involvementIn, resolveRecipients, type Region } from '@ketenhub/routing';
import { FamilyRecord } from '../family/family-record';
import { forwardId, hubMessageId } from '../ids';
import type { ConsentGate } from './consent-gate';
import { DisclosureBatch, type Disclosure } from './disclosures';
import { GroupContext } from './group-context';
import type { InboundMessage, Outcome } from './inbound-message';
import { maskedErrors, rejectionMessages, type Rejection } from './rejection';

export interface AcceptMessageDeps {
  dataSource: DataSource;
  contracts: Contracts;
  region: Region;
  topics: Topics;
  vault: BsnVault;
  families: FamilyStore;
  inbox: InboxStore;
  regie: RegieStore;
  outbox: OutboxStore;
  audit: AuditStore;
  familyRecord: FamilyRecord;
  consent: ConsentGate;
  maxMessageBytes: number;
  systemId: string;
}

class Refused extends Error {
  constructor(readonly rejection: Rejection) {
    super(rejection.reason);
  }
}

/** A message in a group could not be applied; the group's transaction rolls back and the group splits there. */
class FailedAt extends Error {
  constructor(readonly index: number, readonly error: unknown) {
    super(`message ${index} of the group could not be applied`);
  }
}

/** The group's writes, made together at the end of its transaction, failed. */
class FlushFailed extends Error {
  constructor(readonly error: unknown) {
    super('the writes of the group could not be made');
  }
}

export interface BatchResult {
  /** One per message that committed, in order. */
  outcomes: Outcome[];
  /** Why the message after the last outcome could not be applied; the ones after it were not tried. */
  failure?: unknown;
}

/**
 * The heart of the pipeline. For one message from a partner's inbound topic, in one PostgreSQL
 * transaction: validate, deduplicate by (source, id), find or create the family, record the event
 * (inbox), apply its effect, write the outgoing messages (outbox) and one audit record per
 * disclosure. A message that fails any check becomes a dead letter plus a rejection to its sender,
 * in that same kind of transaction. The caller commits the Kafka offset only after this returns.
 */
export class AcceptMessageUseCase {
  constructor(private readonly deps: AcceptMessageDeps) {}

  /**
   * Applies messages in order, many to a transaction (group commit: one WAL flush and one
   * audit-chain append for the lot instead of one per event). The messages may come from several
   * partitions and partners (see GroupCommitQueue); each is checked against its own topic's owner.
   * A message refused by the checks that need no database (envelope, schema, publisher role) is
   * rejected within the group. One the hub refuses while applying it (an id reused, an unknown
   * person, …), or one that fails, splits the group: the messages before it are applied together
   * again, it alone takes the one-message path (a refusal becomes a rejection there), and the
   * rest carry on together. `outcomes` holds only what committed; `failure`, when set, is the
   * message at index outcomes.length that could not be applied, and nothing after it was.
   */
  async executeBatch(messages: InboundMessage[]): Promise<BatchResult> {
    const outcomes: Outcome[] = [];
    try {
      await this.applyInGroups(messages, outcomes);
      return { outcomes };
    } catch (error) {
      return { outcomes, failure: error };
    }
  }

  async execute(message: InboundMessage): Promise<Outcome> {
    const checked = this.check(message);
    if (!checked.ok) return this.reject(message, checked.rejection);
    try {
      return await this.deps.dataSource.transaction('READ COMMITTED', async (db) => {
        const batch = this.disclosureBatch();
        const group = await GroupContext.load(db, this.deps, this.deps.vault, [checked.event]);
        const outcome = await this.apply(db, message, checked.event, batch, group);
        await group.flush(db);
        await batch.flush(db);
        return outcome;
      });
    } catch (error) {
      if (error instanceof Refused) return this.reject(message, error.rejection);
      throw error;
    }
  }

  private async applyInGroups(messages: InboundMessage[], outcomes: Outcome[]): Promise<void> {
    if (messages.length === 0) return;
    if (messages.length === 1) {
      outcomes.push(await this.execute(messages[0]));
      return;
    }
    // The checks that need no database refuse a message without touching the group's state, so
    // such a refusal stays in the group: its rejection is written with the group's other writes.
    const checked = messages.map((m) => this.check(m));
    const splitAt = async (index: number) => {
      await this.applyInGroups(messages.slice(0, index), outcomes);
      outcomes.push(await this.execute(messages[index]));
      await this.applyInGroups(messages.slice(index + 1), outcomes);
    };
    const events = checked.flatMap((c) => (c.ok ? [c.event] : []));
    try {
      outcomes.push(...await this.deps.dataSource.transaction('READ COMMITTED', async (db) => {
        const batch = this.disclosureBatch();
        const group = await GroupContext.load(db, this.deps, this.deps.vault, events);
        const applied: Array<Outcome | undefined> = [];
        const refused: Array<{ at: number; message: InboundMessage; rejection: Rejection }> = [];
        for (const [i, message] of messages.entries()) {
          const check = checked[i];
          if (!check.ok) {
            refused.push({ at: i, message, rejection: check.rejection });
            applied.push(undefined);
            continue;
          }
          try {
            applied.push(await this.apply(db, message, check.event, batch, group));
          } catch (error) {
            throw new FailedAt(i, error);
          }
        }
        await group.flush(db).catch((error: unknown) => { throw new FlushFailed(error); });
        await batch.flush(db).catch((error: unknown) => { throw new FlushFailed(error); });
        const fresh = await this.recordRejections(db, refused).catch((error: unknown) => { throw new FlushFailed(error); });
        for (const [k, r] of refused.entries()) applied[r.at] = rejected(r.rejection, fresh[k]);
        return applied.map((outcome) => outcome!);
      }));
    } catch (error) {
      if (error instanceof FailedAt) return splitAt(error.index);
      if (!(error instanceof FlushFailed)) throw error;
      // Which message made the group's writes fail is not known: halve the group until it is.
      const half = Math.ceil(messages.length / 2);
      await this.applyInGroups(messages.slice(0, half), outcomes);
      await this.applyInGroups(messages.slice(half), outcomes);
    }
  }

  /** The checks that need no database: the envelope, the schema, and whether this sender may publish this type. */
  private check(message: InboundMessage): { ok: true; event: KetenhubCloudEvent } | { ok: false; rejection: Rejection } {
    const { owner } = message;
    const { contracts } = this.deps;
    const decoded = decodeCloudEvent(message.value, contracts, {
      maxBytes: this.deps.maxMessageBytes,
      expectedSource: partnerSource(owner.id),
    });
    if (!decoded.ok) {
      return { ok: false, rejection: { reason: decoded.reason, errors: decoded.errors, omitted: decoded.omitted, complete: decoded.complete, eventId: decoded.id, eventType: decoded.type } };
    }
    const event = decoded.event;
    if (!contracts.publishersOf(event.type).includes(owner.role)) {
      return {
        ok: false,
        rejection: {
          reason: 'NIET_TOEGESTAAN', eventId: event.id, eventType: event.type,
          errors: [{ pointer: '/type', keyword: 'ketenhub-publisher-role', message: `a partner with role ${owner.role} may not publish ${event.type}` }],
        },
      };
    }
    return { ok: true, event };
  }

  private disclosureBatch(): DisclosureBatch {
    const { contracts, topics, region, outbox, audit, systemId } = this.deps;
    return new DisclosureBatch({ contracts, topics, region, outbox, audit, systemId });
  }

  /** One event's effect; its disclosures go into `batch`, which the caller flushes before commit. */
  private async apply(db: EntityManager, message: InboundMessage, event: KetenhubCloudEvent, batch: DisclosureBatch, group: GroupContext): Promise<Outcome> {
    const { owner } = message;
    const { region } = this.deps;
    const payloadSha256 = createHash('sha256').update(message.value ?? Buffer.alloc(0)).digest();
    const seen = group.payloadHashOf(event.source, event.id);
    if (seen) {
      if (seen.equals(payloadSha256)) return { kind: 'duplicate', eventId: event.id };
      throw new Refused({
        reason: 'ID_HERGEBRUIKT', eventId: event.id, eventType: event.type,
        errors: [{ pointer: '/id', keyword: 'ketenhub-unique-id', message: `event id '${event.id}' was accepted before with different content; a new event needs a new id` }],
      });
    }

    const { familyId, personIdOf, involvements } = await this.resolveFamily(db, event, owner, group);
    const family = await group.family(db, familyId);
    const municipality = readMunicipality(event.data) ?? family.municipality ?? undefined;
    if (municipality) group.learnMunicipality(familyId, municipality);

    // A BSN typed into free text is masked too: nothing the hub stores or sends carries one.
    const { data } = maskStringsAt(replaceBsns(event.data, personIdOf), this.deps.contracts.freeTextOf(event.type), maskBsnsInText);
    group.recordEvent({
      source: event.source, eventId: event.id, type: event.type, occurredAt: event.time, familyId,
      topic: message.topic, partition: message.partition, offset: message.offset, payloadSha256, data,
    }, owner.id);
    const involvedBefore = group.involved(familyId);
    // An involved sender's earlier event moves its `since`; new partners come only from the involvement rule.
    if (involvedBefore.includes(owner.id)) group.involve(familyId, owner.id, event.time, event.id);
    for (const i of involvements) {
      group.involve(familyId, i.partnerId, event.time, event.id, i);
      batch.involve({ familyId, ...i, source: event.source, eventId: event.id, actor: { partnerId: owner.id, role: owner.role }, accessPoint: `kafka:${message.topic}` });
    }
    if (this.deps.consent.records(event.type)) {
      // Consent rows refer to the family's persons: those the group added must be written first.
      await group.flush(db);
      const consentProblem = await this.deps.consent.apply(db, { id: event.id, type: event.type, data }, familyId, owner.id);
      if (consentProblem) throw new Refused({ ...consentProblem, eventId: event.id, eventType: event.type });
    }

    const outcome = this.deps.familyRecord.update(group, {
      familyId, sender: owner, joining: involvements.map((i) => i.partnerId), event: { id: event.id, type: event.type, time: event.time, data: data as Record<string, unknown> },
    });
    const sizeBefore = batch.size;
    const forward = {
      type: event.type, time: event.time, data, familyId, causationId: event.id, actor: { partnerId: owner.id, role: owner.role },
      recipients: resolveRecipients(region, {
        eventType: event.type, senderId: owner.id, municipality, involved: involvedBefore, kader: kaderOf(outcome.state), perspectief: outcome.state.perspective,
      }),
      messageId: (recipient: string) => forwardId(event.source, event.id, recipient),
      senderContact: contactOf(outcome.state, owner.id),
    };
    const location = this.deps.contracts.locationFieldsOf(event.type).filter((field) => field in (data as Record<string, unknown>));
    const decidedAt = new Date().toISOString();
    const send = async (disclosure: Disclosure) => {
      const { allowed, refused } = await this.deps.consent.split(db, familyId, disclosure.recipients, disclosure.data, outcome.state, decidedAt);
      for (const { recipient, reason } of refused) batch.withhold({ ...disclosure, recipients: [recipient] }, `consent: ${reason}`);
      batch.add({ ...disclosure, recipients: allowed });
    };
    if (outcome.state.confidential && location.length > 0) {
      batch.withhold(forward, `confidential address; carries ${location.join(', ')}`);
    } else {
      await send(forward);
    }

    const involvedNow = group.involved(familyId);
    for (const hubEvent of outcome.hubEvents) {
      await send({
        type: hubEvent.type, time: decidedAt, data: hubEvent.data, familyId, causationId: event.id, actor: null,
        recipients: resolveRecipients(region, {
          eventType: hubEvent.type, senderId: HUB_SOURCE, municipality: outcome.state.municipality ?? municipality, involved: involvedNow, relations: hubEvent.relations,
          kader: kaderOf(outcome.state), perspectief: outcome.state.perspective,
        }),
        messageId: (recipient) => hubMessageId(event.source, event.id, hubEvent.type, recipient),
      });
    }
    return { kind: 'accepted', eventId: event.id, type: event.type, familyId, deliveries: batch.size - sizeBefore };
  }

  /**
   * Finds the family of the persons the event names and decides who the event involves (the
   * involvement rule, libs/domain involvement). A sender without a relation with authority is
   * refused NIET_BETROKKEN with the same answer whether the persons are known or not; only an
   * event the rule accepts may start a family, or add a BSN seen for the first time to one.
   */
  private async resolveFamily(db: EntityManager, event: KetenhubCloudEvent, owner: InboundMessage['owner'], group: GroupContext):
    Promise<{ familyId: string; personIdOf: (bsn: string) => string; involvements: NewInvolvement[] }> {
    const { vault, region } = this.deps;
    const refs = collectPersonRefs(event.data);
    const bsns = [...new Set(refs.flatMap((r) => ('bsn' in r ? [r.bsn] : [])))];
    const ids = [...new Set(refs.flatMap((r) => ('persoonId' in r ? [r.persoonId] : [])))];
    const hashes = new Map(bsns.map((bsn) => [bsn, group.hashOf(bsn)]));
    const byHash = [...hashes.values()].flatMap((hash) => group.personByHash(hash) ?? []);
    const byId = ids.flatMap((id) => group.personById(id) ?? []);
    const unknownIds = ids.filter((id) => !byId.some((p) => p.id === id));
    const familyIds = [...new Set([...byHash, ...byId].map((p) => p.familyId))].sort();
    for (const id of familyIds) await group.family(db, id);

    // A persoonId is the hub's pseudonym, given out only with an event about the person: an unknown
    // one is refused first, whoever sends it (a known one reveals nothing its sender was not told).
    if (unknownIds.length > 0) {
      throw new Refused({
        reason: 'ONBEKENDE_PERSOON', eventId: event.id, eventType: event.type,
        errors: unknownIds.map((id) => ({ pointer: pointerOfPersonId(event.data, id), keyword: 'ketenhub-known-person', message: 'no person with this persoonId is known to the hub' })),
      });
    }
    const notInvolved = (reason: 'NIET_BETROKKEN' | 'NIET_REGISSEUR') => new Refused({
      reason, eventId: event.id, eventType: event.type,
      errors: [reason === 'NIET_BETROKKEN'
        ? { pointer: '/data', keyword: 'ketenhub-betrokkenheid', message: NOT_INVOLVED_MESSAGE }
        : { pointer: '/type', keyword: 'ketenhub-regisseur', message: 'only the regisseur of record of the family may let a partner in' }],
      attempt: { familyIds, sender: { partnerId: owner.id, role: owner.role }, time: event.time },
    });
    if (familyIds.length > 1) {
      if (familyIds.some((id) => !group.involved(id).includes(owner.id))) throw notInvolved('NIET_BETROKKEN');
      throw new Refused({
        reason: 'PERSONEN_IN_MEERDERE_GEZINNEN', eventId: event.id, eventType: event.type,
        errors: [{ pointer: '/data', keyword: 'ketenhub-one-family', message: `the persons named belong to ${familyIds.length} different families; send one event per family` }],
      });
    }
    let familyId: string | undefined = familyIds[0];
    const decision = involvementIn(region, {
      event: { id: event.id, type: event.type, data: event.data as Record<string, unknown> },
      sender: owner,
      family: familyId === undefined ? null : {
        municipality: (await group.family(db, familyId)).municipality, involved: group.involved(familyId),
        regisseur: group.regieOf(familyId)?.regisseurPartner ?? null, state: group.stateOf(familyId),
      },
    });
    if (decision.kind === 'REFUSED') throw notInvolved(decision.reason);
    if (familyId === undefined) {
      familyId = randomUUID();
      group.createFamily(familyId, readMunicipality(event.data) ?? null);
    }
    const personIds = new Map<string, string>();
    for (const [bsn, hash] of hashes) {
      const known = byHash.find((p) => p.bsnHash?.equals(hash));
      if (known) {
        personIds.set(bsn, known.id);
      } else {
        const id = randomUUID();
        group.addPerson({ id, familyId, bsnHash: hash, bsnEncrypted: vault.encrypt(bsn) });
        personIds.set(bsn, id);
      }
    }
    return {
      familyId,
      involvements: decision.involvements,
      personIdOf: (bsn) => {
        const id = personIds.get(bsn);
        if (!id) throw new Error('person reference without an id');
        return id;
      },
    };
  }

  private async reject(message: InboundMessage, rejection: Rejection): Promise<Outcome> {
    const [firstTime] = await this.deps.dataSource.transaction((db) => this.recordRejections(db, [{ message, rejection }]));
    return rejected(rejection, firstTime);
  }

  /**
   * Records each rejection once per topic position and, for those not recorded before, the dead
   * letter and the bericht-afgewezen to the sender; answers, per rejection, whether it was new.
   */
  private async recordRejections(db: EntityManager, refused: Array<{ message: InboundMessage; rejection: Rejection }>): Promise<boolean[]> {
    if (refused.length === 0) return [];
    const fresh = await this.deps.inbox.rejectAll(db, refused.map(({ message, rejection }) => ({
      topic: message.topic, partition: message.partition, offset: message.offset, partnerId: message.owner.id,
      reason: rejection.reason, errors: maskedErrors(rejection.errors), eventId: rejection.eventId, eventType: rejection.eventType,
    })));
    const now = new Date();
    await this.deps.outbox.add(db, refused.flatMap(({ message, rejection }, k) => (fresh[k] ? rejectionMessages(this.deps.topics, this.deps.vault, message.owner.id, message, rejection, now) : [])));
    const attempts = refused.filter((r, k) => fresh[k] && r.rejection.attempt);
    if (attempts.length > 0) await this.recordAttempts(db, attempts, now);
    return fresh;
  }

  /**
   * An event refused because its sender is not involved: audited (who tried, which type, which
   * family: the privacy officer's trail, not the sender's), and the family's regisseur of record
   * is asked whether to let the sender in (hub.betrokkenheid-gevraagd, without the event's content).
   */
  private async recordAttempts(db: EntityManager, attempts: Array<{ message: InboundMessage; rejection: Rejection }>, now: Date): Promise<void> {
    const batch = this.disclosureBatch();
    const familyIds = [...new Set(attempts.flatMap((a) => a.rejection.attempt!.familyIds))];
    const regie = await this.deps.regie.currentOf(db, familyIds);
    for (const { message, rejection } of attempts) {
      const attempt = rejection.attempt!;
      const eventType = rejection.eventType ?? 'onbekend';
      const accessPoint = `kafka:${message.topic}`;
      if (attempt.familyIds.length === 0) batch.refuseInvolvement({ familyId: null, reason: rejection.reason, eventType, eventId: rejection.eventId, actor: attempt.sender, accessPoint });
      for (const familyId of attempt.familyIds) {
        batch.refuseInvolvement({ familyId, reason: rejection.reason, eventType, eventId: rejection.eventId, actor: attempt.sender, accessPoint });
        const regisseur = regie.get(familyId)?.regisseurPartner;
        if (rejection.reason !== 'NIET_BETROKKEN' || !regisseur || attempt.familyIds.length > 1 || rejection.eventId === undefined) continue;
        const sender = this.deps.region.partner(attempt.sender.partnerId);
        const source = partnerSource(attempt.sender.partnerId);
        batch.add({
          type: REQUEST_TYPE, time: now.toISOString(), familyId, causationId: rejection.eventId, actor: null,
          data: {
            partner: { partnerId: attempt.sender.partnerId, naam: sender?.name ?? attempt.sender.partnerId, rol: attempt.sender.role },
            verzoek: { id: rejection.eventId, type: eventType, tijd: now.toISOString() },
          },
          recipients: resolveRecipients(this.deps.region, {
            eventType: REQUEST_TYPE, senderId: HUB_SOURCE, involved: [], relations: { REGISSEUR: [regisseur] },
          }),
          messageId: (recipient) => hubMessageId(source, rejection.eventId!, REQUEST_TYPE, recipient),
        });
      }
    }
    await batch.flush(db);
  }
}

const REQUEST_TYPE = 'nl.ketenhub.hub.betrokkenheid-gevraagd.v1';

/** The one text a sender without a relation gets, whether or not the hub knows the persons it named. */
const NOT_INVOLVED_MESSAGE = 'the sender has no relation with authority (local access of the municipality, a report, a request, a verdict, a beschikking, a placement, or admission by the regisseur) for the persons this event names; the event was not accepted';

function rejected(rejection: Rejection, firstTime: boolean): Outcome {
  return { kind: 'rejected', reason: rejection.reason, firstTime, eventId: rejection.eventId };
}

function readMunicipality(data: unknown): string | undefined {
  const value = typeof data === 'object' && data !== null ? (data as Record<string, unknown>).gemeente : undefined;
  return typeof value === 'string' ? value : undefined;
}

function pointerOfPersonId(data: unknown, id: string, at = '/data'): string {
  if (typeof data !== 'object' || data === null) return at;
  if ((data as Record<string, unknown>).persoonId === id) return `${at}/persoonId`;
  for (const [key, value] of Object.entries(data)) {
    const found = pointerOfPersonId(value, id, `${at}/${key}`);
    if (found.endsWith('/persoonId')) return found;
  }
  return at;
}

function contactOf(state: FamilyState, partnerId: string): { naam: string; functie?: string; telefoon?: string; email?: string } | undefined {
  const contact = state.contacts.find((c) => c.organisation === partnerId);
  if (!contact) return undefined;
  const { naam, functie, telefoon, email } = contact;
  return { naam, ...(functie ? { functie } : {}), ...(telefoon ? { telefoon } : {}), ...(email ? { email } : {}) };
}
