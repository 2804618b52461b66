/**
 * "Before activation, replay the last period's events against the new version": what would have
 * gone to whom differently, and which families would have another regisseur or safety holder.
 * Pure: the caller reads the period (libs/persistence ReplaySource) and prints or serves the report.
 */
import { foldFamily, type FamilyEvent } from '@ketenhub/domain';
import { contentOf } from './explain';
import { resolveRecipients, type Recipient } from './recipients';
import type { Region } from './region';
import { regieOfRecord, type RegieHolder } from './regie-of-record';

/** One partner event the hub took in, with the facts routing used at the time. */
export interface ReplayEvent {
  id: string;
  type: string;
  /** When it happened (ISO). */
  time: string;
  senderId: string;
  familyId: string;
  /** The family's municipality as the hub knew it when the event arrived. */
  municipality?: string | null;
  /** Partners involved with the family before this event. */
  involvedBefore: readonly string[];
}

/** A family of the period with all its events (not only the period's), for the regie decision now. */
export interface ReplayFamily {
  familyId: string;
  events: readonly FamilyEvent[];
}

export interface ReplayInput {
  events: readonly ReplayEvent[];
  families?: readonly ReplayFamily[];
  period?: { since: string; until: string };
}

export interface ReplayOptions {
  /** Whether a partner with this role may publish this type (Contracts.publishersOf). Without it, only partnership is checked. */
  mayPublish?(role: string, eventType: string): boolean;
  /** Called every `progressEvery` (1000) events replayed. */
  onProgress?(replayed: number, total: number): void;
  progressEvery?: number;
}

/** What can differ for a recipient that both versions name. */
export type RecipientAspect = 'routeId' | 'legalBasis' | 'purpose' | 'fields' | 'pointerOnly';

export type RecipientDifference =
  | { kind: 'ADDED'; partnerId: string; candidate: Recipient }
  | { kind: 'REMOVED'; partnerId: string; active: Recipient }
  | { kind: 'CHANGED'; partnerId: string; active: Recipient; candidate: Recipient; changed: RecipientAspect[] };

export type VersionName = 'ACTIVE' | 'CANDIDATE';

/** Why a version would not take an event in at all. */
export interface Refusal {
  version: VersionName;
  reason: 'GEEN_PARTNER' | 'NIET_TOEGESTAAN';
  detail: string;
}

export interface EventDifference {
  eventId: string;
  type: string;
  time: string;
  senderId: string;
  familyId: string;
  municipality: string | null;
  /** Refusals that differ between the versions (a refusal by both is no difference). */
  refused: Refusal[];
  recipients: RecipientDifference[];
}

export interface RegieOutcome {
  regisseur: RegieHolder;
  veiligheid: RegieHolder;
  row: string | null;
  table: string;
  tableVersion: string;
  regieGap: boolean;
}

export type RegieAspect = 'regisseur' | 'veiligheid' | 'regieGap';

export interface RegieDifference {
  familyId: string;
  municipality: string | null;
  active: RegieOutcome;
  candidate: RegieOutcome;
  changed: RegieAspect[];
}

export interface ReplaySummary {
  eventsReplayed: number;
  eventsWithDifferences: number;
  recipientsAdded: number;
  recipientsRemoved: number;
  recipientsChanged: number;
  /** Events the active version takes in and the candidate would refuse, and the other way round. */
  refusedByCandidate: number;
  acceptedByCandidate: number;
  familiesReplayed: number;
  familiesWithRegieDifferences: number;
}

export interface ReplayReport {
  period?: { since: string; until: string };
  active: { region: string; version: string };
  candidate: { region: string; version: string };
  events: EventDifference[];
  families: RegieDifference[];
  summary: ReplaySummary;
}

const ASPECTS: RecipientAspect[] = ['routeId', 'legalBasis', 'purpose', 'fields', 'pointerOnly'];

/**
 * Replays each event's routing under the active and the candidate version with the facts it had
 * (sender, municipality, partners involved before it), and decides each family's regie now under
 * both. Output is sorted (events by time, id and sender; recipients and families by id), so the
 * same input gives the same report whatever order it came in.
 *
 * Not modelled: what the hub checks at sending time from the family's state then (a
 * confidential address, consent for a route on a consent basis): those events are replayed as
 * if routed. Not replayed: the hub's own follow-up events. Those that follow a regie decision
 * (regisseur-toegewezen, veiligheid-toegewezen, regie-gat-gesignaleerd) follow from the regie
 * differences reported per family; signals and dossier handovers are not compared.
 */
export function replay(input: ReplayInput, active: Region, candidate: Region, options: ReplayOptions = {}): ReplayReport {
  const every = options.progressEvery ?? 1000;
  const events = [...input.events].sort(byTime);
  const differences: EventDifference[] = [];
  let added = 0;
  let removed = 0;
  let changed = 0;
  let refusedByCandidate = 0;
  let acceptedByCandidate = 0;
  events.forEach((event, i) => {
    const before = route(active, event, 'ACTIVE', options);
    const after = route(candidate, event, 'CANDIDATE', options);
    const recipients = compareRecipients(before.recipients, after.recipients);
    const refused = before.refusal && after.refusal ? [] : [before.refusal, after.refusal].filter((r): r is Refusal => r !== undefined);
    if (after.refusal && !before.refusal) refusedByCandidate += 1;
    if (before.refusal && !after.refusal) acceptedByCandidate += 1;
    if (recipients.length > 0 || refused.length > 0) {
      differences.push({
        eventId: event.id, type: event.type, time: event.time, senderId: event.senderId, familyId: event.familyId,
        municipality: event.municipality ?? null, refused, recipients,
      });
      for (const r of recipients) {
        if (r.kind === 'ADDED') added += 1;
        else if (r.kind === 'REMOVED') removed += 1;
        else changed += 1;
      }
    }
    if (options.onProgress && (i + 1) % every === 0) options.onProgress(i + 1, events.length);
  });

  const families = [...(input.families ?? [])].sort((a, b) => compare(a.familyId, b.familyId));
  const regie: RegieDifference[] = [];
  for (const family of families) {
    const state = foldFamily(family.events);
    const a = outcomeOf(active, state);
    const b = outcomeOf(candidate, state);
    const aspects: RegieAspect[] = [];
    if (!sameHolder(a.regisseur, b.regisseur)) aspects.push('regisseur');
    if (!sameHolder(a.veiligheid, b.veiligheid)) aspects.push('veiligheid');
    if (a.regieGap !== b.regieGap) aspects.push('regieGap');
    if (aspects.length > 0) regie.push({ familyId: family.familyId, municipality: state.municipality, active: a, candidate: b, changed: aspects });
  }

  return {
    ...(input.period ? { period: input.period } : {}),
    active: { region: active.config.region, version: active.version },
    candidate: { region: candidate.config.region, version: candidate.version },
    events: differences,
    families: regie,
    summary: {
      eventsReplayed: events.length, eventsWithDifferences: differences.length,
      recipientsAdded: added, recipientsRemoved: removed, recipientsChanged: changed, refusedByCandidate, acceptedByCandidate,
      familiesReplayed: families.length, familiesWithRegieDifferences: regie.length,
    },
  };
}

/** Whom a version sends the event to, after the intake checks that do not depend on the event's content. */
function route(region: Region, event: ReplayEvent, version: VersionName, options: ReplayOptions): { recipients: Recipient[]; refusal?: Refusal } {
  const sender = region.partner(event.senderId);
  if (!sender) {
    return { recipients: [], refusal: { version, reason: 'GEEN_PARTNER', detail: `${event.senderId} is not a partner of region ${region.config.region}` } };
  }
  if (options.mayPublish && !options.mayPublish(sender.role, event.type)) {
    return { recipients: [], refusal: { version, reason: 'NIET_TOEGESTAAN', detail: `a ${sender.role} may not publish ${event.type}` } };
  }
  return {
    recipients: resolveRecipients(region, {
      eventType: event.type, senderId: event.senderId, municipality: event.municipality ?? undefined, involved: event.involvedBefore,
    }),
  };
}

function compareRecipients(before: Recipient[], after: Recipient[]): RecipientDifference[] {
  const left = new Map(before.map((r) => [r.partnerId, r]));
  const right = new Map(after.map((r) => [r.partnerId, r]));
  const ids = [...new Set([...left.keys(), ...right.keys()])].sort(compare);
  const out: RecipientDifference[] = [];
  for (const partnerId of ids) {
    const a = left.get(partnerId);
    const b = right.get(partnerId);
    if (a && b) {
      const changed = ASPECTS.filter((aspect) => !sameAspect(aspect, a, b));
      if (changed.length > 0) out.push({ kind: 'CHANGED', partnerId, active: a, candidate: b, changed });
    } else if (b) {
      out.push({ kind: 'ADDED', partnerId, candidate: b });
    } else if (a) {
      out.push({ kind: 'REMOVED', partnerId, active: a });
    }
  }
  return out;
}

function sameAspect(aspect: RecipientAspect, a: Recipient, b: Recipient): boolean {
  switch (aspect) {
    case 'routeId':
    case 'legalBasis':
    case 'purpose':
      return a[aspect] === b[aspect];
    case 'fields':
      // Which fields a recipient gets: the list's order does not change what is disclosed.
      return JSON.stringify(a.fields ? [...a.fields].sort() : null) === JSON.stringify(b.fields ? [...b.fields].sort() : null);
    case 'pointerOnly':
      return (a.pointerOnly ?? false) === (b.pointerOnly ?? false);
    default: {
      const never: never = aspect;
      throw new Error(`unknown aspect ${String(never)}`);
    }
  }
}

function outcomeOf(region: Region, state: ReturnType<typeof foldFamily>): RegieOutcome {
  const { decision, regisseur, veiligheid, regieGap } = regieOfRecord(region, state);
  return { regisseur, veiligheid, row: decision.row, table: decision.table, tableVersion: decision.tableVersion, regieGap };
}

const sameHolder = (a: RegieHolder, b: RegieHolder): boolean => a.role === b.role && a.organisation === b.organisation;

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function byTime(a: ReplayEvent, b: ReplayEvent): number {
  const ta = Date.parse(a.time);
  const tb = Date.parse(b.time);
  if (ta !== tb && !Number.isNaN(ta) && !Number.isNaN(tb)) return ta - tb;
  return compare(a.time, b.time) || compare(a.id, b.id) || compare(a.senderId, b.senderId);
}

// ---------------------------------------------------------------------------------------------
// The report in words.

const count = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

const holderText = (h: RegieHolder): string => (h.role === null ? '(none)' : `${h.role}/${h.organisation ?? '(no organisation in the region)'}`);

function contentText(r: Recipient): string {
  const kind = contentOf(r);
  switch (kind) {
    case 'POINTER_ONLY':
      return 'pointer-only notice';
    case 'FIELDS':
      return `fields ${(r.fields ?? []).join(',')}`;
    case 'ALL':
      return 'all fields';
    default: {
      const never: never = kind;
      throw new Error(`unknown content kind ${String(never)}`);
    }
  }
}

function changeText(d: Extract<RecipientDifference, { kind: 'CHANGED' }>): string {
  const parts: string[] = [];
  if (d.changed.includes('routeId')) parts.push(`rule ${d.active.routeId} → ${d.candidate.routeId}`);
  if (d.changed.includes('legalBasis')) parts.push(`basis ${d.active.legalBasis} → ${d.candidate.legalBasis}`);
  if (d.changed.includes('purpose')) parts.push(`purpose "${d.active.purpose}" → "${d.candidate.purpose}"`);
  if (d.changed.includes('fields') || d.changed.includes('pointerOnly')) {
    parts.push(contentOf(d.active) === 'FIELDS' && contentOf(d.candidate) === 'FIELDS'
      ? `fields ${(d.active.fields ?? []).join(',')} → ${(d.candidate.fields ?? []).join(',')}`
      : `${contentText(d.active)} → ${contentText(d.candidate)}`);
  }
  return parts.join('; ');
}

/** One line per difference, each naming its event or family, then the summary line. */
export function formatReplayReport(report: ReplayReport): string[] {
  const out: string[] = [];
  for (const e of report.events) {
    const head = `event ${e.eventId} (${e.type}) from ${e.senderId} on ${e.time}:`;
    for (const r of e.refused) {
      out.push(`${head} ! the ${r.version === 'ACTIVE' ? 'active version refuses it' : 'candidate would refuse it'} (${r.reason}: ${r.detail})`);
    }
    for (const d of e.recipients) {
      switch (d.kind) {
        case 'ADDED':
          out.push(`${head} + partner ${d.partnerId} would receive it under rule ${d.candidate.routeId} (basis ${d.candidate.legalBasis}), ${contentText(d.candidate)}`);
          break;
        case 'REMOVED':
          out.push(`${head} - partner ${d.partnerId} would no longer receive it (now rule ${d.active.routeId}, basis ${d.active.legalBasis})`);
          break;
        case 'CHANGED':
          out.push(`${head} ~ partner ${d.partnerId}: ${changeText(d)}`);
          break;
        default: {
          const never: never = d;
          throw new Error(`unknown difference ${JSON.stringify(never)}`);
        }
      }
    }
  }
  for (const f of report.families) {
    const rows = f.active.row !== f.candidate.row ? ` (row ${f.active.row ?? 'none'} → ${f.candidate.row ?? 'none'})` : '';
    if (f.changed.includes('regisseur')) out.push(`family ${f.familyId}: regisseur ${holderText(f.active.regisseur)} → ${holderText(f.candidate.regisseur)}${rows}`);
    if (f.changed.includes('veiligheid')) out.push(`family ${f.familyId}: veiligheid ${holderText(f.active.veiligheid)} → ${holderText(f.candidate.veiligheid)}${rows}`);
    if (f.changed.includes('regieGap')) out.push(`family ${f.familyId}: regie gap ${f.active.regieGap ? 'yes' : 'no'} → ${f.candidate.regieGap ? 'yes' : 'no'}`);
  }
  if (report.families.length > 0) {
    out.push('(the hub\'s own follow-up events, regisseur-toegewezen, veiligheid-toegewezen and regie-gat-gesignaleerd with their recipients, follow from these regie differences)');
  }
  const s = report.summary;
  if (report.events.length === 0 && report.families.length === 0) out.push('no differences');
  const period = report.period ? ` from ${report.period.since} until ${report.period.until}` : '';
  out.push(`replayed ${count(s.eventsReplayed, 'event')} of ${count(s.familiesReplayed, 'family', 'families')}${period}: `
    + `active version ${report.active.version} (${report.active.region}) → candidate ${report.candidate.version} (${report.candidate.region}): `
    + `${count(s.eventsWithDifferences, 'event')} with differences (${count(s.recipientsAdded, 'recipient')} added, ${s.recipientsRemoved} removed, ${s.recipientsChanged} changed; `
    + `${s.refusedByCandidate} refused by the candidate, ${s.acceptedByCandidate} newly accepted), ${count(s.familiesWithRegieDifferences, 'family', 'families')} with a different regie decision`);
  return out;
}
