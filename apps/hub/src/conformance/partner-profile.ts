import type { KetenhubCloudEvent } from '@ketenhub/contracts';

/** A CloudEvent whose data is a JSON object, as every Ketenhub event's is. */
export type CloudEvent = Omit<KetenhubCloudEvent, 'data'> & { data: Record<string, unknown> };

export type Connection = 'KAFKA' | 'HTTPS_WEBHOOK' | 'HTTPS_FEED';
const CONNECTIONS: readonly Connection[] = ['KAFKA', 'HTTPS_WEBHOOK', 'HTTPS_FEED'];

/** One example event the partner's role may publish, with the JSON Schema of its data (for breaking it on purpose). */
export interface Sample {
  type: string;
  event: CloudEvent;
  dataSchema: Record<string, unknown> | undefined;
}

/** What a conformance run needs to know about a partner, all read from the hub's public AsyncAPI document. */
export interface PartnerProfile {
  id: string;
  role: string;
  connection: Connection;
  inboundTopic: string;
  outboundTopic: string;
  /** inbound topic = prefix + "inbound.<id>". */
  topicPrefix: string;
  samples: Sample[];
  /** The region's other partners, for a source that is not this partner's own. */
  otherPartners: string[];
}

export type ProfileResult = { ok: true; profile: PartnerProfile } | { ok: false; problem: string };

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Finds the partner in the region's AsyncAPI document (/asyncapi.json): its role and connection
 * (x-ketenhub-role, x-ketenhub-connection on its channels; the channel texts of an older hub as a
 * fallback), its topics, and the example of every event type on its inbound channel.
 */
export function partnerProfile(document: unknown, partnerId: string): ProfileResult {
  if (!isObject(document) || !isObject(document.channels)) return { ok: false, problem: 'the hub\'s /asyncapi.json is not an AsyncAPI document with channels' };
  const channels = document.channels;
  const partners = Object.keys(channels).flatMap((name) => (name.startsWith('inbound.') ? [name.slice('inbound.'.length)] : []));
  const inbound = channels[`inbound.${partnerId}`];
  const outbound = channels[`outbound.${partnerId}`];
  if (!isObject(inbound) || !isObject(outbound)) {
    return { ok: false, problem: `'${partnerId}' is not a partner of this hub's region; its AsyncAPI document knows ${partners.join(', ') || 'no partner'}` };
  }
  const role = typeof inbound['x-ketenhub-role'] === 'string' ? inbound['x-ketenhub-role'] : /\(([A-Z_]+)\) publishes/.exec(String(inbound.summary))?.[1];
  if (!role) return { ok: false, problem: `the AsyncAPI document does not say which role ${partnerId} has (x-ketenhub-role)` };
  const connection = connectionOf(inbound);
  const inboundTopic = String(inbound.address ?? `inbound.${partnerId}`);
  const outboundTopic = String(outbound.address ?? `outbound.${partnerId}`);
  const suffix = `inbound.${partnerId}`;
  const samples: Sample[] = [];
  for (const reference of Object.values(isObject(inbound.messages) ? inbound.messages : {})) {
    const message = resolve(document, reference);
    if (!isObject(message) || typeof message.name !== 'string') continue;
    const payload = isObject(message.payload) ? message.payload : {};
    const properties = isObject(payload.properties) ? payload.properties : {};
    const dataSchema = resolve(document, properties.data);
    for (const example of Array.isArray(message.examples) ? message.examples : []) {
      if (isObject(example) && isObject(example.payload) && isObject(example.payload.data)) {
        samples.push({ type: message.name, event: example.payload as unknown as CloudEvent, dataSchema: isObject(dataSchema) ? dataSchema : undefined });
      }
    }
  }
  return {
    ok: true,
    profile: {
      id: partnerId, role, connection, inboundTopic, outboundTopic,
      topicPrefix: inboundTopic.endsWith(suffix) ? inboundTopic.slice(0, -suffix.length) : '',
      samples, otherPartners: partners.filter((p) => p !== partnerId),
    },
  };
}

function connectionOf(channel: Json): Connection {
  const declared = isObject(channel['x-ketenhub-connection']) ? channel['x-ketenhub-connection'].via : undefined;
  if (CONNECTIONS.includes(declared as Connection)) return declared as Connection;
  const described = /connects over HTTPS \((HTTPS_WEBHOOK|HTTPS_FEED)\)/.exec(String(channel.description))?.[1];
  return (described as Connection | undefined) ?? 'KAFKA';
}

/** Follows local $refs (#/a/b, JSON Pointer escaped) to what they point at. */
function resolve(document: Json, node: unknown, depth = 0): unknown {
  if (!isObject(node) || typeof node.$ref !== 'string' || depth > 10) return node;
  if (!node.$ref.startsWith('#/')) return undefined;
  let at: unknown = document;
  for (const segment of node.$ref.slice(2).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))) {
    at = isObject(at) ? at[segment] : undefined;
  }
  return resolve(document, at, depth + 1);
}
