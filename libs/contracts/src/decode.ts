import type { Contracts } from './contracts';
import type { SchemaError } from './schema-error';
import type { BerichtAfgewezenV1, KetenhubCloudEvent } from './generated';

export type RejectionReason = BerichtAfgewezenV1['reden'];

export type Decoded =
  | { ok: true; event: KetenhubCloudEvent }
  | { ok: false; reason: RejectionReason; errors: SchemaError[]; id?: string; type?: string };

export interface DecodeOptions {
  maxBytes: number;
  /** The CloudEvents `source` the topic's owner must use (urn:ketenhub:partner:<id>). */
  expectedSource: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * From raw bytes on an inbound topic to a valid CloudEvent, or the first class of problem with
 * every error of that class. Checks run cheapest first: size, UTF-8, JSON, envelope, source,
 * type, data.
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
  const id = readString(value, 'id');
  const type = readString(value, 'type');
  const envelopeErrors = contracts.validateEnvelope(value);
  if (envelopeErrors.length > 0) return { ok: false, reason: 'ONGELDIGE_ENVELOP', errors: envelopeErrors, id, type };
  const event = value as KetenhubCloudEvent;
  if (event.source !== options.expectedSource) {
    return {
      ok: false, reason: 'BRON_KLOPT_NIET', id, type,
      errors: [{ pointer: '/source', keyword: 'ketenhub-topic-owner', message: `source '${event.source}' may not write to this topic; its owner publishes as '${options.expectedSource}'` }],
    };
  }
  if (!contracts.knows(event.type)) {
    return {
      ok: false, reason: 'ONBEKEND_TYPE', id, type,
      errors: [{ pointer: '/type', keyword: 'ketenhub-known-type', message: `unknown event type or version '${event.type}'` }],
    };
  }
  const dataErrors = contracts.validateData(event.type, event.data);
  if (dataErrors.length > 0) return { ok: false, reason: 'SCHEMAFOUT', errors: dataErrors, id, type };
  return { ok: true, event };
}

function reject(reason: RejectionReason, pointer: string, keyword: string, message: string): Decoded {
  return { ok: false, reason, errors: [{ pointer, keyword, message }] };
}

function readString(value: unknown, key: string): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const field = (value as Record<string, unknown>)[key];
  return typeof field === 'string' && field.length <= 200 ? field : undefined;
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
