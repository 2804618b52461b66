import type { EntityManager } from 'typeorm';
import type { KetenhubCloudEvent } from '@ketenhub/contracts';
import { apply as applyEvent, byOccurrence, foldFamily, type FamilyEvent, type FamilyState } from '@ketenhub/domain';
import {
  inJsonbKeyOrder, epochMicros,
  type DesiredTimer, type FamilyStore, type InboxEntry, type InboxStore, type Involvement, type PersonRow, type RegieChange, type RegieRecord, type RegieStore,
} from '@ketenhub/persistence';
import { collectPersonRefs, type BsnVault } from '@ketenhub/privacy';
import type { FamilyRecordSession } from '../family/family-record';

export interface GroupStores {
  inbox: InboxStore;
  families: FamilyStore;
  regie: RegieStore;
}

/** One family as this transaction sees it: read once, kept current in memory as events are applied. */
interface FamilyView {
  municipality: string | null;
  events: FamilyEvent[];
  /** The fold of `events`; undefined when an event arrived out of happened-order and the fold must be redone. */
  state: FamilyState | undefined;
  /** The latest event in happened-order, to know whether a new one can extend the fold. */
  latest: FamilyEvent | undefined;
  regie: RegieRecord | undefined;
  /** In the order FamilyStore.involved gives: since, then partner id. */
  involved: Involvement[];
}

interface NewPerson {
  id: string;
  familyId: string;
  bsnHash: Buffer;
  bsnEncrypted: Buffer;
}

/**
 * The unit of work of one transaction (a group of events of one partition, or a single event).
 *
 * Reads: what a group needs before any of its events is applied, in six round trips for the whole
 * group instead of about ten per event: the ids accepted before, the persons the events name, the
 * row locks of those persons' families (taken in id order, so two groups cannot deadlock), and of
 * those families their events, regie of record and involved partners.
 *
 * Writes: kept in memory as the events are applied in order (so a later event sees what an
 * earlier one did) and written by `flush` as one multi-row statement per table, in foreign-key
 * order. What `flush` writes is exactly what one-event-at-a-time writing would have left, except
 * that a timer wished for and dropped again within the group is never inserted.
 */
export class GroupContext implements FamilyRecordSession {
  private readonly byHash = new Map<string, PersonRow>();
  private readonly byId = new Map<string, PersonRow>();
  private readonly views = new Map<string, FamilyView>();

  private readonly newFamilies = new Set<string>();
  private readonly learnedMunicipality = new Set<string>();
  private readonly newPersons: NewPerson[] = [];
  private readonly inboxRows: InboxEntry[] = [];
  private readonly involvements = new Map<string, { familyId: string; partnerId: string; since: string; sinceMicros: number; eventId: string; relation?: string; basis?: string }>();
  private readonly regieSaves = new Map<string, { record: RegieRecord; since: string }>();
  private readonly regieChanges: Array<{ familyId: string; change: RegieChange }> = [];
  private readonly timers = new Map<string, DesiredTimer[]>();

  private constructor(
    private readonly stores: GroupStores,
    /** The keyed hash of every BSN the group names. */
    private readonly hashes: Map<string, Buffer>,
    private readonly seen: Map<string, Buffer>,
  ) {}

  static async load(db: EntityManager, stores: GroupStores, vault: BsnVault, events: KetenhubCloudEvent[]): Promise<GroupContext> {
    const refs = events.flatMap((e) => collectPersonRefs(e.data));
    const hashes = new Map<string, Buffer>();
    for (const r of refs) if ('bsn' in r) hashes.set(r.bsn, vault.lookupHash(r.bsn));
    const ids = [...new Set(refs.flatMap((r) => ('persoonId' in r ? [r.persoonId] : [])))];
    const seen = await stores.inbox.payloadHashesOf(db, events.map((e) => ({ source: e.source, id: e.id })));
    const persons = await stores.families.personsByHashOrId(db, [...hashes.values()], ids);
    const context = new GroupContext(stores, hashes, seen);
    for (const p of persons) context.remember(p);
    await context.lockAndRead(db, [...new Set(persons.map((p) => p.familyId))]);
    return context;
  }

  private async lockAndRead(db: EntityManager, familyIds: string[]): Promise<void> {
    const locked = await this.stores.families.lockAll(db, familyIds);
    if (locked.size === 0) return;
    const lockedIds = [...locked.keys()];
    const events = await this.stores.regie.eventsOf(db, lockedIds);
    const regie = await this.stores.regie.currentOf(db, lockedIds);
    const involved = await this.stores.families.involvementOf(db, lockedIds);
    for (const [id, municipality] of locked) {
      this.views.set(id, { municipality, events: events.get(id) ?? [], state: undefined, latest: undefined, regie: regie.get(id), involved: involved.get(id) ?? [] });
    }
  }

  /** The keyed hash of a BSN one of the group's events names (computed once, in load). */
  hashOf(bsn: string): Buffer {
    const hash = this.hashes.get(bsn);
    if (!hash) throw new Error('a BSN outside the group was asked for');
    return hash;
  }

  payloadHashOf(source: string, id: string): Buffer | undefined {
    return this.seen.get(`${source} ${id}`);
  }

  personByHash(hash: Buffer): PersonRow | undefined {
    return this.byHash.get(hash.toString('hex'));
  }

  personById(id: string): PersonRow | undefined {
    return this.byId.get(id);
  }

  private remember(person: PersonRow): void {
    this.byId.set(person.id, person);
    if (person.bsnHash) this.byHash.set(person.bsnHash.toString('hex'), person);
  }

  createFamily(id: string, municipality: string | null): void {
    this.views.set(id, { municipality, events: [], state: undefined, latest: undefined, regie: undefined, involved: [] });
    this.newFamilies.add(id);
  }

  addPerson(person: NewPerson): void {
    this.newPersons.push(person);
    this.remember(person);
  }

  /** The family, locked by this transaction: read at load, created by this group, or locked and read now. */
  async family(db: EntityManager, familyId: string): Promise<{ municipality: string | null }> {
    if (!this.views.has(familyId)) await this.lockAndRead(db, [familyId]);
    return this.view(familyId);
  }

  learnMunicipality(familyId: string, municipality: string): void {
    const view = this.view(familyId);
    if (view.municipality) return;
    view.municipality = municipality;
    if (!this.newFamilies.has(familyId)) this.learnedMunicipality.add(familyId);
  }

  /** Records an accepted event: its inbox row, and its place in the family's state. */
  recordEvent(entry: InboxEntry, senderId: string): void {
    this.inboxRows.push(entry);
    this.seen.set(`${entry.source} ${entry.eventId}`, entry.payloadSha256);
    const view = this.view(entry.familyId);
    // As the database would give it back: time in milliseconds UTC, data in jsonb's key order.
    const event: FamilyEvent = {
      id: entry.eventId, type: entry.type, time: new Date(entry.occurredAt).toISOString(), source: senderId,
      data: inJsonbKeyOrder(JSON.parse(JSON.stringify(entry.data))) as Record<string, unknown>,
    };
    const inOrder = view.latest === undefined ? view.events.length === 0 : byOccurrence(view.latest, event) <= 0;
    view.events.push(event);
    view.state = inOrder && (view.state || view.events.length === 1) ? applyEvent(view.state ?? foldFamily([]), event) : undefined;
    if (inOrder) view.latest = event;
  }

  involved(familyId: string): string[] {
    return this.view(familyId).involved.map((i) => i.partnerId);
  }

  /**
   * Records a partner as involved since `since`, by `relation` (docs/REGIE.md) when it is new; one
   * involved before keeps the earlier time and its relation. Without a relation, only a partner
   * already involved is touched (its `since` moves to an earlier event's time).
   */
  involve(familyId: string, partnerId: string, since: string, eventId: string, relation?: { relation: string; basis: string }): void {
    const view = this.view(familyId);
    const sinceMicros = epochMicros(since);
    const known = view.involved.find((i) => i.partnerId === partnerId);
    if (!known && !relation) throw new Error('a partner becomes involved only by a relation');
    if (known && known.sinceMicros <= sinceMicros) return;
    if (known) known.sinceMicros = sinceMicros;
    else view.involved.push({ partnerId, sinceMicros });
    view.involved.sort((a, b) => a.sinceMicros - b.sinceMicros || (a.partnerId < b.partnerId ? -1 : a.partnerId > b.partnerId ? 1 : 0));
    const key = `${familyId} ${partnerId}`;
    const pending = this.involvements.get(key);
    if (pending) Object.assign(pending, { since, sinceMicros });
    else this.involvements.set(key, { familyId, partnerId, since, sinceMicros, eventId, ...(known ? {} : relation) });
  }

  stateOf(familyId: string): FamilyState {
    const view = this.view(familyId);
    if (!view.state) {
      view.state = foldFamily(view.events);
      view.latest = [...view.events].sort(byOccurrence).at(-1);
    }
    return view.state;
  }

  regieOf(familyId: string): RegieRecord | undefined {
    return this.view(familyId).regie;
  }

  recordChange(familyId: string, change: RegieChange): void {
    this.regieChanges.push({ familyId, change });
  }

  saveRegie(familyId: string, record: RegieRecord, since: string): void {
    this.view(familyId).regie = record;
    this.regieSaves.set(familyId, { record, since });
  }

  wantTimers(familyId: string, timers: DesiredTimer[]): void {
    this.timers.set(familyId, timers);
  }

  /** Writes what the group's events did so far, one statement per table, parents before children. */
  async flush(db: EntityManager): Promise<void> {
    const { families, inbox, regie } = this.stores;
    await families.createAll(db, [...this.newFamilies].map((id) => ({ id, municipality: this.view(id).municipality })));
    await families.setMunicipalitiesIfUnknown(db, [...this.learnedMunicipality].map((id) => ({ id, municipality: this.view(id).municipality as string })));
    await families.addPersons(db, this.newPersons);
    await inbox.recordAll(db, this.inboxRows);
    await families.involveAll(db, [...this.involvements.values()]);
    await regie.saveAll(db, [...this.regieSaves].map(([familyId, { record, since }]) => ({ familyId, record, since })));
    await regie.recordAll(db, this.regieChanges);
    await regie.syncTimersOf(db, this.timers);
    this.newFamilies.clear();
    this.learnedMunicipality.clear();
    this.newPersons.length = 0;
    this.inboxRows.length = 0;
    this.involvements.clear();
    this.regieSaves.clear();
    this.regieChanges.length = 0;
    this.timers.clear();
  }

  private view(familyId: string): FamilyView {
    const view = this.views.get(familyId);
    if (!view) throw new Error(`family ${familyId} is not locked by this transaction`);
    return view;
  }
}
