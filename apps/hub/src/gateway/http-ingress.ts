import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { ProducerRecord } from 'kafkajs';
import { decodeCloudEvent, type Contracts, type SchemaError } from '@ketenhub/contracts';
import { CLOUDEVENTS_CONTENT_TYPE, partnerSource, type Topics } from '@ketenhub/messaging';
import type { InboxStore } from '@ketenhub/persistence';
import type { Partner } from '@ketenhub/routing';

/** The answer to one POST /events, before it becomes HTTP. */
export type IngressAnswer =
  | { kind: 'accepted'; id: string; source: string; duplicate: boolean }
  | {
    kind: 'refused'; status: 400 | 403 | 409 | 413 | 415; reason: string; detail: string;
    /** At most MAX_LISTED_ERRORS; `omitted` counts the rest, `complete` is false when the message was checked up to its first error only. */
    errors: SchemaError[]; omitted?: number; complete?: boolean;
    id?: string; type?: string;
  };

export interface IngressRequest {
  contentType: string;
  /** Every header, names in lower case. */
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

const STRUCTURED = 'application/cloudevents+json';
const BATCH = 'application/cloudevents-batch+json';
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
/** Attributes the HTTP binding carries in headers but the hub's envelope does not know. */
const IGNORED_HEADERS = new Set(['ce-datacontenttype']);

/**
 * The HTTPS door's ingress: the bytes a partner posts become exactly the message a Kafka partner
 * would write, checked by the same decoder, and go onto the partner's own inbound topic. From there
 * they take the bus's path (ordering, deduplication, the family transaction): the HTTP answer is
 * 202 once the broker has the message on all in-sync replicas. What only the family transaction
 * can decide (an unknown persoonId, a missing consent) comes back as bericht-afgewezen on the
 * partner's webhook or feed, as it would on Kafka.
 */
export class HttpIngress {
  constructor(
    private readonly deps: {
      contracts: Contracts; topics: Topics; dataSource: DataSource; inbox: InboxStore; send: (record: ProducerRecord) => Promise<void>; maxMessageBytes: number;
    },
  ) {}

  async publish(request: IngressRequest, partner: Partner): Promise<IngressAnswer> {
    const built = structuredBytes(request);
    if ('refused' in built) return built.refused;
    const decoded = decodeCloudEvent(built.bytes, this.deps.contracts, { maxBytes: this.deps.maxMessageBytes, expectedSource: partnerSource(partner.id) });
    if (!decoded.ok) {
      const status = decoded.reason === 'TE_GROOT' ? 413 : decoded.reason === 'BRON_KLOPT_NIET' ? 403 : 400;
      return {
        kind: 'refused', status, reason: decoded.reason, detail: summary(decoded.reason, decoded.errors, decoded.omitted),
        errors: decoded.errors, omitted: decoded.omitted, complete: decoded.complete, id: decoded.id, type: decoded.type,
      };
    }
    const event = decoded.event;
    if (!this.deps.contracts.publishersOf(event.type).includes(partner.role)) {
      return {
        kind: 'refused', status: 403, reason: 'NIET_TOEGESTAAN', id: event.id, type: event.type,
        detail: `a partner with role ${partner.role} may not publish ${event.type}`,
        errors: [{ pointer: '/type', keyword: 'ketenhub-publisher-role', message: `a partner with role ${partner.role} may not publish ${event.type}` }],
      };
    }
    const sha = createHash('sha256').update(built.bytes).digest();
    const seen = await this.deps.inbox.payloadHashOf(this.deps.dataSource.manager, event.source, event.id);
    if (seen) {
      if (seen.equals(sha)) return { kind: 'accepted', id: event.id, source: event.source, duplicate: true };
      return {
        kind: 'refused', status: 409, reason: 'ID_HERGEBRUIKT', id: event.id, type: event.type,
        detail: `event id '${event.id}' was accepted before with different content; a new event needs a new id`,
        errors: [{ pointer: '/id', keyword: 'ketenhub-unique-id', message: `event id '${event.id}' was accepted before with different content` }],
      };
    }
    // One key per partner: its events keep the order it posted them in, as on its own topic.
    await this.deps.send({
      topic: this.deps.topics.inbound(partner.id), acks: -1,
      messages: [{ key: partner.id, value: built.bytes, headers: { 'content-type': CLOUDEVENTS_CONTENT_TYPE, 'ketenhub-ingress': 'https' } }],
    });
    return { kind: 'accepted', id: event.id, source: event.source, duplicate: false };
  }
}

/** Structured mode is taken as sent; binary mode is turned into the structured event it stands for. */
export function structuredBytes(request: IngressRequest): { bytes: Buffer } | { refused: IngressAnswer } {
  const mediaType = request.contentType.split(';')[0].trim().toLowerCase();
  if (mediaType === STRUCTURED) return { bytes: request.body };
  if (mediaType === BATCH) return { refused: unsupported('batched mode is not supported: post one event per request (structured or binary mode)') };
  const specversion = header(request.headers, 'ce-specversion');
  if (specversion === undefined) {
    return { refused: unsupported(`send a CloudEvent: structured mode with content-type ${STRUCTURED}, or binary mode with ce-specversion, ce-id, ce-source, ce-type headers and a JSON body (got content-type '${request.contentType || 'none'}')`) };
  }
  if (mediaType !== 'application/json' && !mediaType.endsWith('+json')) {
    return { refused: unsupported(`in binary mode the body is the event's data and must be JSON (content-type application/json; got '${request.contentType || 'none'}')`) };
  }
  let text: string;
  try {
    // Strict, as the decoder is for structured mode: Buffer#toString would put U+FFFD in place of bad bytes and accept the result.
    text = strictUtf8.decode(request.body);
  } catch {
    return { refused: { kind: 'refused', status: 400, reason: 'ONGELDIGE_UTF8', detail: 'the body (the event\'s data) is not valid UTF-8', errors: [{ pointer: '/data', keyword: 'utf-8', message: 'not valid UTF-8' }] } };
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { refused: { kind: 'refused', status: 400, reason: 'ONGELDIGE_JSON', detail: 'the body (the event\'s data) is not valid JSON', errors: [{ pointer: '/data', keyword: 'json', message: 'not valid JSON' }] } };
  }
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (!name.startsWith('ce-') || IGNORED_HEADERS.has(name) || value === undefined) continue;
    attributes[name.slice(3)] = percentDecoded(Array.isArray(value) ? value.join(',') : value);
  }
  const { specversion: version, id, source, type, ...rest } = attributes;
  const ordered: Record<string, unknown> = { specversion: version, id, source, type };
  for (const key of Object.keys(rest).sort()) ordered[key] = rest[key];
  ordered.datacontenttype = 'application/json';
  ordered.data = data;
  return { bytes: Buffer.from(JSON.stringify(ordered)) };
}

function header(headers: IngressRequest['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** CloudEvents' HTTP binding percent-encodes header values outside printable ASCII. */
function percentDecoded(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function unsupported(detail: string): IngressAnswer {
  return { kind: 'refused', status: 415, reason: 'NIET_ONDERSTEUND', detail, errors: [{ pointer: '', keyword: 'content-type', message: detail }] };
}

function summary(reason: string, errors: SchemaError[], omitted: number): string {
  const first = errors[0];
  const others = errors.length - 1 + omitted;
  const more = others > 0 ? ` (and ${others} more; see errors${omitted > 0 ? ` and errorsOmitted` : ''})` : '';
  return first ? `${reason}: ${first.pointer || '/'} ${first.message}${more}` : reason;
}
