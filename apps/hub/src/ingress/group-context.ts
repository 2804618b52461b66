import type { EntityManager } from 'typeorm';
import type { KetenhubCloudEvent } from '@ketenhub/contracts';
import type { FamilyStore, InboxStore, PersonRow } from '@ketenhub/persistence';
import { collectPersonRefs, type BsnVault } from '@ketenhub/privacy';

/**
 * What a group of events needs to know before any of them is applied, read in three round trips
 * for the whole group instead of three per event: which ids were accepted before, the persons the
 * events name, and the row locks of those persons' families (taken in id order, so two groups
 * cannot deadlock on each other). Kept current as the group's events are applied in order, so a
 * later event sees what an earlier one in the same transaction did.
 */
export class GroupContext {
  private constructor(
    /** The keyed hash of every BSN the group names. */
    private readonly hashes: Map<string, Buffer>,
    private readonly seen: Map<string, Buffer>,
    private readonly byHash: Map<string, PersonRow>,
    private readonly byId: Map<string, PersonRow>,
    /** The families this transaction holds the lock of, with their municipality. */
    private readonly locked: Map<string, string | null>,
  ) {}

  static async load(db: EntityManager, stores: { inbox: InboxStore; families: FamilyStore }, vault: BsnVault, events: KetenhubCloudEvent[]): Promise<GroupContext> {
    const refs = events.flatMap((e) => collectPersonRefs(e.data));
    const hashes = new Map<string, Buffer>();
    for (const r of refs) if ('bsn' in r) hashes.set(r.bsn, vault.lookupHash(r.bsn));
    const ids = [...new Set(refs.flatMap((r) => ('persoonId' in r ? [r.persoonId] : [])))];
    const seen = await stores.inbox.payloadHashesOf(db, events.map((e) => ({ source: e.source, id: e.id })));
    const persons = await stores.families.personsByHashOrId(db, [...hashes.values()], ids);
    const locked = await stores.families.lockAll(db, [...new Set(persons.map((p) => p.familyId))]);
    const context = new GroupContext(hashes, seen, new Map(), new Map(), locked);
    for (const p of persons) context.addPerson(p);
    return context;
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

  accepted(source: string, id: string, payloadSha256: Buffer): void {
    this.seen.set(`${source} ${id}`, payloadSha256);
  }

  personByHash(hash: Buffer): PersonRow | undefined {
    return this.byHash.get(hash.toString('hex'));
  }

  personById(id: string): PersonRow | undefined {
    return this.byId.get(id);
  }

  addPerson(person: PersonRow): void {
    this.byId.set(person.id, person);
    if (person.bsnHash) this.byHash.set(person.bsnHash.toString('hex'), person);
  }

  /** The family's municipality when this transaction holds its lock (a family it created counts); undefined otherwise. */
  lockedFamily(familyId: string): { municipality: string | null } | undefined {
    return this.locked.has(familyId) ? { municipality: this.locked.get(familyId) ?? null } : undefined;
  }

  holds(familyId: string, municipality: string | null): void {
    this.locked.set(familyId, municipality);
  }
}
