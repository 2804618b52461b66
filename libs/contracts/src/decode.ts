import type { Contracts } from './contracts';
import { capErrors, type SchemaCheck, type SchemaError } from './schema-error';
import type { BerichtAfgewezenV1, KetenhubCloudEvent } from './generated';

export type RejectionReason = BerichtAfgewezenV1['reden'];

export type Decoded =
  | { ok: true; event: KetenhubCloudEvent }
  | {
    ok: false; reason: RejectionReason;
    /** At most MAX_LISTED_ERRORS, each of bounded length, whatever the input. */
    errors: SchemaError[];
    /** Errors found and not listed. */
    omitted: number;
    /** False when the message was too large to check in full: it was checked up to its first error. */
    complete: boolean;
    id?: string; type?: string;
  };

export interface DecodeOptions {
  maxBytes: number;
  /** The CloudEvents `source` the topic's owner must use (urn:ketenhub:partner:<id>). */
  expectedSource: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * From raw bytes on an inbound topic to a valid CloudEvent, or the first class of problem with
 * its errors (at most MAX_LISTED_ERRORS, and how many more: the work and the answer stay bounded
 * whatever the input). Checks run cheapest first: size, UTF-8, JSON (including text the hub can
 * keep), envelope, source, type, data.
 */
export function decodeCloudEvent(bytes: Buffer | null, contracts: Contracts, options: DecodeOptions): Decoded {
  if (bytes === null || bytes.length === 0) {
    return reject('ONGELDIGE_JSON', '', 'json', 'the message is empty');
  }
  if (bytes.length > options.maxBytes) {
    return reject('TE_GROOT', '', 'maxBytes', `the message is ${bytes.length} bytes; the limit is ${options.maxBytes}`);
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return reject('ONGELDIGE_UTF8', '', 'utf-8', `the message is not valid UTF-8 (near byte offset ${firstInvalidUtf8Offset(bytes)})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    // Never echo the input: JSON.parse's message quotes it, and it may hold a BSN.
    const position = error instanceof Error ? /position (\d+)/.exec(error.message)?.[1] : undefined;
    return reject('ONGELDIGE_JSON', '', 'json', position ? `the message is not valid JSON (at character ${position})` : 'the message is not valid JSON');
  }
  const unkeepable = firstUnkeepableText(value);
  if (unkeepable !== undefined) {
    // Valid JSON, but PostgreSQL cannot store U+0000 in text, nor any store an unpaired surrogate:
    // accepted, the message would fail its transaction on every redelivery and stall the partition.
    return reject('ONGELDIGE_JSON', unkeepable, 'ketenhub-text',
      'text may not contain U+0000 or an unpaired surrogate (\\uD800-\\uDFFF without its pair): the hub cannot store or pass it on');
  }
  const id = readString(value, 'id', WELL_FORMED_ID);
  const type = readString(value, 'type');
  const envelope = contracts.checkEnvelope(value);
  if (envelope.errors.length > 0) return refused('ONGELDIGE_ENVELOP', envelope, id, type);
  const event = value as KetenhubCloudEvent;
  if (event.source !== options.expectedSource) {
    return refused('BRON_KLOPT_NIET', capErrors([{ pointer: '/source', keyword: 'ketenhub-topic-owner', message: `source '${event.source}' may not write to this topic; its owner publishes as '${options.expectedSource}'` }]), id, type);
  }
  if (!contracts.knows(event.type)) {
    return refused('ONBEKEND_TYPE', capErrors([{ pointer: '/type', keyword: 'ketenhub-known-type', message: `unknown event type or version '${event.type}'` }]), id, type);
  }
  const data = contracts.checkData(event.type, event.data);
  if (data.errors.length > 0) return refused('SCHEMAFOUT', data, id, type);
  return { ok: true, event };
}

function reject(reason: RejectionReason, pointer: string, keyword: string, message: string): Decoded {
  return refused(reason, capErrors([{ pointer, keyword, message }]));
}

function refused(reason: RejectionReason, check: SchemaCheck, id?: string, type?: string): Decoded {
  return { ok: false, reason, errors: check.errors, omitted: check.omitted, complete: check.complete, ...(id !== undefined ? { id } : {}), ...(type !== undefined ? { type } : {}) };
}

/** The envelope's id pattern: an id that fails it may be any text (a name), and is neither echoed nor logged as a correlation id. */
const WELL_FORMED_ID = /^[A-Za-z0-9._:-]{1,200}$/;

function readString(value: unknown, key: string, pattern?: RegExp): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const field = (value as Record<string, unknown>)[key];
  return typeof field === 'string' && field.length <= 200 && (!pattern || pattern.test(field)) ? field : undefined;
}

const UNKEEPABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

interface Visit {
  value: unknown;
  token?: string;
  parent?: Visit;
}

/**
 * The pointer to the first string with U+0000 or an unpaired surrogate, or to the object whose
 * property name has one (so the pointer itself stays storable). Iterative, and the pointer is
 * built only for the hit: a message may nest ten thousand deep within the size limit.
 */
function firstUnkeepableText(root: unknown): string | undefined {
  const stack: Visit[] = [{ value: root }];
  while (stack.length > 0) {
    const visit = stack.pop() as Visit;
    const { value } = visit;
    if (typeof value === 'string') {
      if (UNKEEPABLE.test(value)) return pointerOf(visit);
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], token: String(i), parent: visit });
    } else if (typeof value === 'object' && value !== null) {
      const entries = Object.entries(value);
      if (entries.some(([key]) => UNKEEPABLE.test(key))) return pointerOf(visit);
      for (let i = entries.length - 1; i >= 0; i--) stack.push({ value: entries[i][1], token: entries[i][0], parent: visit });
    }
  }
  return undefined;
}

function pointerOf(visit: Visit): string {
  const tokens: string[] = [];
  for (let at: Visit | undefined = visit; at?.token !== undefined; at = at.parent) tokens.push(at.token.replace(/~/g, '~0').replace(/\//g, '~1'));
  return tokens.reverse().map((t) => `/${t}`).join('');
}

function firstInvalidUtf8Offset(bytes: Buffer): number {
  let lo = 0;
  let hi = bytes.length;
  // The longest valid prefix, by bisection on the fatal decoder.
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    try {
      utf8.decode(bytes.subarray(0, mid), { stream: false });
      lo = mid;
    } catch {
      hi = mid - 1;
    }
  }
  return lo;
}
