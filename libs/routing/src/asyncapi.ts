/**
 * The region's AsyncAPI 3.0 document, generated from schemas/ and region.yaml: one Kafka server,
 * inbound.<partner> and outbound.<partner> for every partner, the dead-letter topic, one message
 * per event type (a CloudEvents envelope whose `data` is the event's schema) and, per partner, the
 * operations it performs. Pure: the hub serves it at /asyncapi.json; nothing is written by hand twice.
 */
import { ENVELOPE_SCHEMA_ID, type Contracts, type ExampleParties } from '@ketenhub/contracts';
import { HUB_SOURCE, partnerSource, type Topics } from '@ketenhub/messaging';
import type { Partner, Region } from './region';

type Json = Record<string, unknown>;

export interface AsyncApiOptions {
  /** The Kafka bootstrap address partners use (default localhost:9092). */
  serverHost?: string;
}

const CONTENT_TYPE = 'application/cloudevents+json';
const ENVELOPE = 'CloudEvent';
const HEADERS = 'KafkaHeaders';
const REJECTED = 'RejectedMessage';
const DEAD_LETTER = 'ketenhub.deadletter';
const EXAMPLE_TIME = '2026-03-02T08:15:00Z';
const EXAMPLE_FAMILY = '0b6f3c1e-7a2d-4f9b-8c5e-1d2a3b4c5d6e';

/** A local reference: `#/a/b` from path segments, escaped as JSON Pointer. */
const ref = (...segments: string[]): Json => ({ $ref: `#/${segments.map((s) => s.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}` });

export function buildAsyncApi(contracts: Contracts, region: Region, topics: Topics, options: AsyncApiOptions = {}): Json {
  const parties = exampleParties(contracts.exampleParties, region);
  const schemas = new SchemaComponents(contracts, parties);
  const types = contracts.eventTypes();
  const messages: Record<string, Json> = Object.fromEntries(types.map((type) => [type, eventMessage(contracts, region, schemas, type, parties)]));
  messages[REJECTED] = rejectedMessage();

  const channels: Record<string, Json> = {};
  const operations: Record<string, Json> = {};
  for (const partner of region.config.partners) {
    const inbound = `inbound.${partner.id}`;
    const outbound = `outbound.${partner.id}`;
    const publishes = types.filter((type) => contracts.publishersOf(type).includes(partner.role));
    channels[inbound] = {
      address: topics.inbound(partner.id),
      title: inbound,
      summary: `What ${partner.name} (${partner.role}) publishes.`,
      description: `Only ${partner.id} writes here; the hub reads, validates and routes. Messages its role may not publish are rejected (NIET_TOEGESTAAN).${connectionNote(partner)}`,
      messages: Object.fromEntries(publishes.map((type) => [type, ref('components', 'messages', type)])),
      ...partnerExtensions(partner),
    };
    channels[outbound] = {
      address: topics.outbound(partner.id),
      title: outbound,
      summary: `What the hub sends ${partner.name}.`,
      description: `Only the hub writes here and only ${partner.id} reads: forwarded events the region's routes allow it (BSNs replaced by persoonIds), the hub's own events, and bericht-afgewezen for its rejected messages.${connectionNote(partner)}`,
      messages: Object.fromEntries(types.map((type) => [type, ref('components', 'messages', type)])),
      ...partnerExtensions(partner),
    };
    // An operation without `messages` takes every message of its channel (so the parser reads it);
    // listing them again would add nothing and nearly double the time to parse the document.
    operations[`${inbound}.send`] = {
      action: 'send',
      channel: ref('channels', inbound),
      title: `${partner.id} publishes`,
      summary: `${partner.name} publishes the events of role ${partner.role}.`,
    };
    operations[`${outbound}.receive`] = {
      action: 'receive',
      channel: ref('channels', outbound),
      title: `${partner.id} receives`,
      summary: `${partner.name} reads what the hub sends it.`,
    };
  }
  channels[DEAD_LETTER] = {
    address: topics.deadLetter(),
    title: DEAD_LETTER,
    summary: 'Rejected messages, for operators.',
    description: 'Every message the hub could not accept, its original bytes sealed with the hub\'s BSN encryption key (AES-256-GCM) and the reasons in headers. The sender is told on its outbound topic (bericht-afgewezen).',
    messages: { [REJECTED]: ref('components', 'messages', REJECTED) },
  };

  return {
    asyncapi: '3.0.0',
    info: {
      title: `Ketenhub ${region.config.name}`,
      version: region.version,
      description: infoDescription(region),
    },
    defaultContentType: CONTENT_TYPE,
    servers: {
      kafka: { host: options.serverHost ?? 'localhost:9092', protocol: 'kafka', description: 'The region\'s Kafka cluster. In production each partner connects with mutual TLS as itself, and its ACLs allow only writing its inbound topic and reading its outbound topic (docs/DEPLOY-KAFKA.md).' },
    },
    channels,
    operations,
    components: { schemas: schemas.all(), messages },
  };
}

function infoDescription(region: Region): string {
  return [
    `The messages of Ketenhub region \`${region.config.region}\` (configuration version ${region.version}), generated from schemas/ and region.yaml.`,
    '',
    'Every message is a CloudEvents 1.0 event in **structured mode** on Kafka: the Kafka value is the whole event as JSON (`content-type: application/cloudevents+json; charset=UTF-8`); `data` is checked against the schema its `type` names.',
    '',
    '- `inbound.<partner>`: written only by that partner (`source` must be `urn:ketenhub:partner:<partner>`), read by the hub.',
    '- `outbound.<partner>`: written only by the hub, read only by that partner. The hub keys what it sends by the pseudonymous family id and adds `familyid` and `causationid`.',
    '- `ketenhub.deadletter`: every rejected message, its original bytes sealed (only the hub\'s operators open one, with `npm run dead-letter`, audited); the sender receives `bericht-afgewezen` on its outbound topic.',
    '',
    'Operations are described from the point of view of a **partner application**: `send` on `inbound.<partner>` is what the partner publishes; `receive` on `outbound.<partner>` is what it reads.',
    '',
    'Partners that connect over HTTPS exchange the same CloudEvents: they POST them to `/events` and receive theirs by webhook or from `GET /feed` (see the OpenAPI document at `/api`); the hub reads and writes their topics for them.',
  ].join('\n');
}

function connectionNote(partner: Partner): string {
  const via = partner.connection?.via ?? 'KAFKA';
  return via === 'KAFKA' ? '' : ` ${partner.id} connects over HTTPS (${via}): the same messages travel through the partner gateway.`;
}

/**
 * Who owns a partner's channels and how it connects, for tools such as `npm run conformance`. The
 * document is public: the connection says how, never where (no webhook address).
 */
function partnerExtensions(partner: Partner): Json {
  const rateLimit = partner.connection?.rateLimitPerSecond;
  return {
    'x-ketenhub-partner': partner.id,
    'x-ketenhub-role': partner.role,
    'x-ketenhub-connection': { via: partner.connection?.via ?? 'KAFKA', ...(rateLimit !== undefined ? { rateLimitPerSecond: rateLimit } : {}) },
  };
}

function eventMessage(contracts: Contracts, region: Region, schemas: SchemaComponents, type: string, parties: ReadonlyMap<string, string>): Json {
  const { name, title, description } = schemas.addEvent(type);
  const publishers = contracts.publishersOf(type);
  const source = exampleSource(region, publishers);
  return {
    name: type,
    title,
    summary: description,
    contentType: CONTENT_TYPE,
    headers: ref('components', 'schemas', HEADERS),
    payload: {
      type: 'object',
      allOf: [ref('components', 'schemas', ENVELOPE)],
      properties: { type: { const: type }, data: ref('components', 'schemas', name) },
    },
    examples: contracts.examplesOf(type).map((example) => localise(example, parties)).map((data, i) => ({
      name: `voorbeeld-${i + 1}`,
      summary: `${type} from ${source}`,
      payload: {
        specversion: '1.0',
        id: `voorbeeld-${type.split('.').slice(2, 4).join('-')}-${i + 1}`,
        source,
        type,
        time: EXAMPLE_TIME,
        datacontenttype: 'application/json',
        ...(source === HUB_SOURCE ? { familyid: EXAMPLE_FAMILY, causationid: 'jgz-2026-0312' } : {}),
        data,
      },
    })),
    'x-ketenhub-publishers': [...publishers],
  };
}

/**
 * What the schemas' examples name (their reference region's partners, names and municipality
 * codes), mapped to this region's: each partner to one of the same role, keeping a partner the
 * region has itself, otherwise the region's partners of that role in turn; a municipality to the
 * one its local access maps to. A role the region has no partner for keeps the example's party.
 */
export function exampleParties(legend: ExampleParties, region: Region): Map<string, string> {
  const mapped = new Map<string, string>();
  const partners = region.config.partners;
  const taken = new Set(legend.partners.filter((p) => partners.some((r) => r.id === p.id && r.role === p.role)).map((p) => p.id));
  const next = new Map<string, number>();
  for (const p of legend.partners) {
    const ofRole = partners.filter((r) => r.role === p.role);
    let target = ofRole.find((r) => r.id === p.id);
    if (!target) {
      const free = ofRole.filter((r) => !taken.has(r.id));
      const pool = free.length > 0 ? free : ofRole;
      if (pool.length === 0) continue;
      const i = next.get(p.role) ?? 0;
      next.set(p.role, i + 1);
      target = pool[i % pool.length];
    }
    mapped.set(p.id, target.id);
    mapped.set(p.name, target.name);
  }
  for (const m of legend.municipalities) {
    const localAccess = mapped.get(m.localAccess);
    const code = region.config.municipalities.find((x) => x.localAccess === localAccess)?.code ?? region.config.municipalities[0]?.code;
    if (code) mapped.set(m.code, code);
  }
  return mapped;
}

function localise(value: unknown, parties: ReadonlyMap<string, string>): unknown {
  if (typeof value === 'string') return parties.get(value) ?? value;
  if (Array.isArray(value)) return value.map((v) => localise(v, parties));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, localise(v, parties)]));
  return value;
}

/** The hub for its own events; otherwise the first partner of the region that may publish the type, or a placeholder for its role. */
function exampleSource(region: Region, publishers: readonly string[]): string {
  if (publishers.includes('HUB')) return HUB_SOURCE;
  const partner = region.config.partners.find((p) => publishers.includes(p.role));
  return partnerSource(partner?.id ?? (publishers[0] ?? 'partner').toLowerCase().replace(/_/g, '-'));
}

function rejectedMessage(): Json {
  const text = (description: string): Json => ({ type: 'string', description });
  return {
    name: REJECTED,
    title: 'Rejected message',
    summary: 'A message the hub could not accept: its original bytes sealed with the hub\'s BSN encryption key, with the reasons in headers.',
    contentType: 'application/octet-stream',
    headers: {
      type: 'object',
      required: ['ketenhub-reason', 'ketenhub-errors', 'ketenhub-origin-topic', 'ketenhub-origin-partition', 'ketenhub-origin-offset'],
      properties: {
        'ketenhub-message-id': text('Stable id of this dead letter (also the associated data of its sealed payload).'),
        'ketenhub-payload': text('How the payload is sealed: aes-256-gcm;key=BSN_ENCRYPTION_KEY;aad=ketenhub-message-id (absent for an empty message).'),
        'ketenhub-reason': text('The rejection reason, as `reden` in bericht-afgewezen (e.g. SCHEMAFOUT).'),
        'ketenhub-errors': text('JSON array of { pointer, keyword, message }, at most 20, each field at most 300 characters; anything that passes the elfproef is masked.'),
        'ketenhub-errors-omitted': text('How many errors were found beyond those in ketenhub-errors (as foutenWeggelaten in bericht-afgewezen).'),
        'ketenhub-origin-topic': text('The inbound topic the message was read from.'),
        'ketenhub-origin-partition': text('Its partition.'),
        'ketenhub-origin-offset': text('Its offset.'),
        'ketenhub-rejected-at': text('When the hub rejected it (ISO 8601).'),
      },
    },
    payload: { type: 'string', format: 'binary', description: 'version byte 1, IV (12 bytes), the original bytes under AES-256-GCM (possibly not JSON, or not even UTF-8), tag (16 bytes).' },
  };
}

/**
 * components.schemas: the envelope, the Kafka headers, every event schema under its title, and the
 * shared definitions ($defs) they use. Every $ref between schema files is rewritten to point here,
 * and $schema/$id are dropped (an $id would move the base of the rewritten references).
 */
class SchemaComponents {
  private readonly schemas: Record<string, Json> = {};
  /** Event schema $id → component name. */
  private readonly eventNames = new Map<string, string>();
  /** Definition component name → the schema file it came from (names must not clash). */
  private readonly defOrigins = new Map<string, string>();

  constructor(
    private readonly contracts: Contracts,
    /** The region's own parties for those the schemas' examples name (see exampleParties). */
    private readonly parties: ReadonlyMap<string, string>,
  ) {
    for (const type of contracts.eventTypes()) {
      const id = contracts.schemaIdOf(type) as string;
      const title = this.document(id).title;
      const name = typeof title === 'string' ? title : type;
      if ([...this.eventNames.values()].includes(name)) throw new Error(`two event schemas are titled ${name}`);
      this.eventNames.set(id, name);
    }
    this.schemas[ENVELOPE] = strip(this.document(ENVELOPE_SCHEMA_ID));
    this.schemas[HEADERS] = {
      type: 'object',
      description: 'Kafka headers. The hub sets both on everything it sends; a partner sets content-type.',
      properties: {
        'content-type': { type: 'string', description: 'application/cloudevents+json; charset=UTF-8' },
        'ketenhub-message-id': { type: 'string', description: 'Stable id of a message the hub sends (also its CloudEvent id): a receiver drops an id it has seen.' },
      },
    };
  }

  addEvent(type: string): { name: string; title: string; description: string } {
    const id = this.contracts.schemaIdOf(type) as string;
    const name = this.eventNames.get(id) as string;
    const schema = this.document(id);
    this.schemas[name] ??= this.rewrite(strip(schema), id) as Json;
    return { name, title: typeof schema.title === 'string' ? schema.title : type, description: typeof schema.description === 'string' ? schema.description : '' };
  }

  all(): Record<string, Json> {
    return Object.fromEntries(Object.entries(this.schemas).sort(([a], [b]) => a.localeCompare(b)));
  }

  private document(id: string): Json {
    const schema = this.contracts.schemaDocument(id);
    if (!schema) throw new Error(`no schema ${id}`);
    return schema;
  }

  private rewrite(node: unknown, base: string): unknown {
    if (Array.isArray(node)) return node.map((item) => this.rewrite(item, base));
    if (typeof node !== 'object' || node === null) return node;
    return Object.fromEntries(Object.entries(node).map(([key, value]) => {
      if (key === '$ref' && typeof value === 'string') return [key, this.target(value, base)];
      return [key, key === 'examples' ? localise(value, this.parties) : this.rewrite(value, base)];
    }));
  }

  /** Where a $ref (relative to the file `base`) points among the components. */
  private target(reference: string, base: string): string {
    const url = new URL(reference, base);
    const fragment = decodeURIComponent(url.hash.replace(/^#/, ''));
    url.hash = '';
    const file = url.toString();
    const event = this.eventNames.get(file);
    if (event) return `#/components/schemas/${event}${fragment}`;
    const def = /^\/\$defs\/([A-Za-z0-9._-]+)$/.exec(fragment);
    if (!def) throw new Error(`cannot place $ref ${reference} (from ${base}) in the AsyncAPI document`);
    const name = def[1];
    const origin = this.defOrigins.get(name);
    if (origin !== undefined && origin !== file) throw new Error(`two definitions named ${name}: in ${origin} and ${file}`);
    if (origin === undefined) {
      this.defOrigins.set(name, file);
      const defs = this.document(file).$defs as Record<string, unknown> | undefined;
      if (!defs?.[name]) throw new Error(`$ref ${reference} (from ${base}): no definition ${name} in ${file}`);
      this.schemas[name] = this.rewrite(defs[name], file) as Json;
    }
    return `#/components/schemas/${name}`;
  }
}

function strip(schema: Json): Json {
  const { $schema: _schema, $id: _id, ...rest } = schema;
  return rest;
}
