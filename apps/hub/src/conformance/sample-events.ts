import { randomUUID } from 'node:crypto';
import { partnerSource } from '@ketenhub/messaging';
import type { CloudEvent, Sample } from './partner-profile';

/** What differs per run and per event: ids and time, given by the caller so tests can fix them. */
export interface Freshness {
  partnerId: string;
  /** Short and unique to the run: made part of the references that must be new each time (a toestemmingId). */
  runTag: string;
  now: Date;
  /** The region's other partners. */
  otherPartners: string[];
  newId(): string;
}

export const newEventId = (): string => `conformance-${randomUUID()}`;

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/**
 * A sample as this partner sends it now: a fresh id, its own source, the current time, the hub's
 * own extensions dropped. Two things in the data must fit this run and region: a consent's
 * `toestemmingId` is the partner's reference for one consent and may be recorded only once, so
 * the run makes it its own (the same in the consent and its revocation); and a consent is for a
 * partner of this region (`aan`), while the schema examples name partners of Flevoland. The
 * sample BSNs are kept: they are test BSNs, and every sample names the same family.
 */
export function freshEvent(sample: CloudEvent, f: Freshness): CloudEvent {
  const { familyid: _familyid, causationid: _causationid, ...envelope } = clone(sample);
  const data = envelope.data;
  if (typeof data.toestemmingId === 'string') data.toestemmingId = `${data.toestemmingId}-${f.runTag}`.slice(-100);
  if (typeof data.aan === 'string' && data.aan !== f.partnerId && !f.otherPartners.includes(data.aan) && f.otherPartners.length > 0) data.aan = f.otherPartners[0];
  return { ...envelope, id: f.newId(), source: partnerSource(f.partnerId), time: f.now.toISOString(), data };
}

/** Samples that may be sent twice with a new id: a consent's reference may be recorded once only. */
export const repeatable = (sample: Sample): boolean => !('toestemmingId' in sample.event.data);

/**
 * The sample with one required field of its data removed and another given a value of the wrong
 * type, and the JSON pointers the hub must name. Undefined when no sample has a required field
 * that is present.
 */
export function invalidVariant(samples: Sample[], f: Freshness): { event: CloudEvent; pointers: string[] } | undefined {
  for (const sample of samples) {
    const required = Array.isArray(sample.dataSchema?.required) ? (sample.dataSchema.required as unknown[]).filter((r): r is string => typeof r === 'string') : [];
    const event = freshEvent(sample.event, f);
    const removed = required.find((field) => field in event.data);
    if (removed === undefined) continue;
    delete event.data[removed];
    const pointers = [`/data/${escape(removed)}`];
    const retyped = Object.keys(event.data)[0];
    if (retyped !== undefined) {
      event.data[retyped] = wrongType(event.data[retyped]);
      pointers.push(`/data/${escape(retyped)}`);
    }
    return { event, pointers };
  }
  return undefined;
}

/** A value no schema that accepted the original would accept: a number for a string, a string for anything else. */
export function wrongType(value: unknown): unknown {
  return typeof value === 'string' ? 34 : String(typeof value === 'object' ? 'geen-object' : value);
}

/** The first sample sent under another partner's source: the hub must refuse it (BRON_KLOPT_NIET). */
export function otherSourceVariant(sample: Sample, f: Freshness): { event: CloudEvent; source: string } | undefined {
  const other = f.otherPartners[0];
  if (other === undefined) return undefined;
  const event = freshEvent(sample.event, f);
  return { event: { ...event, source: partnerSource(other) }, source: partnerSource(other) };
}

/**
 * An event naming persons the hub has never seen, by persoonId: valid at the door, refused by the
 * family record (ONBEKENDE_PERSOON), which tells the partner on its outbound. The veiligheidskaart
 * contribution when the role may publish it, otherwise the first sample that names a person by BSN;
 * every `{ bsn }` becomes `{ persoonId: <new uuid> }`.
 */
export function unknownPersonVariant(samples: Sample[], f: Freshness, uuid: () => string = randomUUID): CloudEvent | undefined {
  const preferred = samples.find((s) => s.type.endsWith('.keten.veiligheidskaart-bijdrage.v1') && namesByBsn(s.event.data));
  const sample = preferred ?? samples.find((s) => namesByBsn(s.event.data));
  if (!sample) return undefined;
  const event = freshEvent(sample.event, f);
  return { ...event, data: replaceBsnRefs(event.data, uuid) as Json };
}

function namesByBsn(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(namesByBsn);
  if (!isObject(value)) return false;
  const keys = Object.keys(value);
  return (keys.length === 1 && keys[0] === 'bsn') || Object.values(value).some(namesByBsn);
}

function replaceBsnRefs(value: unknown, uuid: () => string): unknown {
  if (Array.isArray(value)) return value.map((v) => replaceBsnRefs(v, uuid));
  if (!isObject(value)) return value;
  const keys = Object.keys(value);
  if (keys.length === 1 && keys[0] === 'bsn') return { persoonId: uuid() };
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceBsnRefs(v, uuid)]));
}

/** CloudEvents' HTTP binary mode: the attributes as ce-* headers, the data as the JSON body. */
export function binaryMode(event: CloudEvent): { headers: Record<string, string>; body: string } {
  return {
    headers: {
      'content-type': 'application/json', 'ce-specversion': event.specversion, 'ce-id': event.id, 'ce-source': event.source, 'ce-type': event.type, 'ce-time': event.time,
    },
    body: JSON.stringify(event.data),
  };
}

const escape = (segment: string): string => segment.replace(/~/g, '~0').replace(/\//g, '~1');
