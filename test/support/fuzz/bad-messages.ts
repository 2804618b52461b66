import fc from 'fast-check';
import type { Contracts } from '@ketenhub/contracts';
import { cloudEvent, hulpvraag, makeBsn, toestemming } from '../factories';
import { expectedFor, UNKEEPABLE_REASON, type Expected } from './expectations';
import { anyHostileText, HOSTILE_SAMPLES, keepableHostileText, UNKEEPABLE_SAMPLES } from './hostile-text';
import { mutateData } from './schema-mutations';
import { defineOwn, SchemaSites } from './schema-sites';

export type Door = 'bus' | 'https';

/** One generated bad message, with the answer the hub owes it. */
export interface BadMessage {
  /** Its class and variant, e.g. 'schema:too-long' (for the summary and for failure messages). */
  kind: string;
  expected: Expected;
  /** null: a Kafka tombstone. */
  bytes: Buffer | null;
  /** HTTPS only: content-type and ce-* headers (binary mode); structured mode when absent. */
  headers?: Record<string, string>;
  /** The event id, when the message has a readable one (late refusals are found by it on the feed). */
  eventId?: string;
}

/** A good pair: the family's consent, then the request for help that Veilig Thuis receives because of it. */
export interface GoodPair {
  consent: Record<string, unknown>;
  request: Record<string, unknown>;
  child: string;
}

export interface FuzzContext {
  contracts: Contracts;
  sites: SchemaSites;
  door: Door;
  partnerId: string;
  role: string;
  gemeente: string;
  /** Other partners of the region, to spoof. */
  others: string[];
  maxBytes: number;
}

const CLASSES = {
  'malformed-json': 10, 'invalid-utf8': 8, envelope: 12, 'spoofed-source': 6, 'unknown-type': 6, 'forbidden-type': 5, schema: 26,
  deep: 5, oversize: 5, 'unkeepable-text': 4, late: 6, empty: 1, 'http-only': 6, amplification: 8,
} as const;
type BadClass = keyof typeof CLASSES;

/** The random ingredients of one bad message; rendering picks from them by class. */
export interface Ingredients {
  cls: BadClass;
  variant: number;
  pick: number;
  pick2: number;
  size: number;
  text: string;
  keepable: string;
  name: string;
  value: unknown;
  utf8: number[];
}

const INVALID_UTF8: number[][] = [
  [0x80], [0xbf], [0xc0, 0x80], [0xc1, 0xbf], [0xe0, 0x80, 0x80], [0xed, 0xa0, 0x80], [0xed, 0xbf, 0xbf], [0xf4, 0x90, 0x80, 0x80],
  [0xf5, 0x80, 0x80, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xfe], [0xff], [0xc3], [0xe2, 0x82], [0xf0, 0x9f, 0x98], [0xc3, 0x28], [0xa0, 0xa1],
];

/** Names for properties and attributes no schema allows; some hostile, some holding U+0000 or a lone surrogate. */
const extraName = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('verzonnen', 'prioriteit', '__proto__', 'constructor', 'toString', '999990019', '$ref', '', ' ', 'data ', 'Data') },
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }) },
  { weight: 1, arbitrary: fc.constantFrom(...UNKEEPABLE_SAMPLES) },
);

/** The class mix for a door: HTTPS also gets binary mode and content-type cases. */
export function ingredients(door: Door): fc.Arbitrary<Ingredients> {
  const classes = (Object.entries(CLASSES) as Array<[BadClass, number]>).filter(([c]) => door === 'https' || c !== 'http-only');
  return fc.record({
    cls: fc.oneof(...classes.map(([c, weight]) => ({ weight, arbitrary: fc.constant(c) }))),
    variant: fc.nat(),
    pick: fc.nat(),
    pick2: fc.nat(),
    size: fc.integer({ min: 0, max: 1_000_000 }),
    text: anyHostileText(300),
    keepable: keepableHostileText(300),
    name: extraName,
    value: fc.jsonValue({ maxDepth: 3 }),
    utf8: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...INVALID_UTF8) }, { weight: 1, arbitrary: fc.array(fc.integer({ min: 0x80, max: 0xff }), { minLength: 1, maxLength: 6 }) }),
  });
}

const TIME = '2026-03-02T09:00:00.000Z';
const ENVELOPE_ATTRIBUTES = ['specversion', 'id', 'source', 'type', 'time', 'datacontenttype', 'dataschema', 'subject', 'familyid', 'causationid', 'data'];
const REQUIRED_ATTRIBUTES = ['specversion', 'id', 'source', 'type', 'time', 'data'];
const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
const pickOf = <T>(list: readonly T[], n: number): T => list[n % list.length];
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const isUtf8 = (bytes: Buffer): boolean => {
  try {
    strictUtf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
};
/** The first n code points: never half a surrogate pair. */
const head = (text: string, n: number): string => [...text].slice(0, n).join('');

/**
 * Renders ingredients into a message from ctx.partnerId through ctx.door. `seq` makes its event id
 * unique; `goods` are the good pairs sent before it on the same door (for id reuse and families).
 */
export function renderBad(i: Ingredients, ctx: FuzzContext, seq: number, goods: readonly GoodPair[]): BadMessage {
  const id = `fz-${ctx.door}-${seq}`;
  const own = `urn:ketenhub:partner:${ctx.partnerId}`;
  const ownTypes = ctx.contracts.eventTypes().filter((t) => ctx.contracts.publishersOf(t).includes(ctx.role));
  const base = (type = pickOf(ownTypes, i.pick)): Record<string, unknown> =>
    ({ specversion: '1.0', id, source: own, type, time: TIME, datacontenttype: 'application/json', data: ctx.contracts.examplesOf(type)[0] });
  const request = (data: Record<string, unknown> = {}) => ({ ...base('nl.ketenhub.toegang.hulpvraag-geregistreerd.v1'), data: { ...(ctx.contracts.examplesOf('nl.ketenhub.toegang.hulpvraag-geregistreerd.v1')[0] as object), gemeente: ctx.gemeente, ...data } });
  const message = (kind: string, bytes: Buffer | null, intended: Expected, eventId: string | undefined = id): BadMessage =>
    ({ kind, bytes, expected: expectedFor(bytes, ctx.maxBytes, intended), eventId });

  switch (i.cls) {
    case 'malformed-json': {
      const text = JSON.stringify(base());
      const broken = [
        () => text.slice(0, 1 + (i.size % (text.length - 1))),
        () => `${text.slice(0, -1)},}`,
        () => text.replace(/"/g, "'"),
        () => text.replace('"specversion"', 'specversion'),
        () => text.replace('"1.0"', 'NaN'),
        () => `/* opmerking */${text}`,
        () => `${text}${text}`,
        () => text.replace('":', '"'),
        () => text.replace(',"', ' "'),
        () => `${text} x`,
        () => `{${text}`,
        () => text.replace('"1.0"', '"1.0\u0001"'),
      ];
      const variant = i.variant % (broken.length + 1);
      if (variant === broken.length) {
        // Arbitrary text: bad JSON, or JSON that is no CloudEvent.
        return message('malformed-json:garbage', Buffer.from(i.text || ' '), { reason: 'ONGELDIGE_ENVELOP', pointer: '' });
      }
      return message(`malformed-json:${variant}`, Buffer.from(broken[variant]()), { reason: 'ONGELDIGE_JSON', pointer: '' });
    }
    case 'invalid-utf8': {
      const text = Buffer.from(JSON.stringify(request({ toelichting: 'Zorgen over café en naïeve ouders' })));
      const variant = i.variant % 4;
      if (variant === 1) return message('invalid-utf8:latin1', Buffer.from(text.toString('utf8'), 'latin1'), { reason: 'ONGELDIGE_UTF8', pointer: '' });
      if (variant === 2) return message('invalid-utf8:utf16', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text.toString('utf8'), 'utf16le')]), { reason: 'ONGELDIGE_UTF8', pointer: '' });
      // Inserted where an ASCII byte starts, so no valid character around it can absorb the bad bytes.
      const boundaries = [...text.keys()].filter((k) => text[k] < 0x80 && (k === 0 || text[k - 1] < 0x80));
      const at = variant === 3 ? text.length : pickOf(boundaries, i.size);
      const spliced = (bad: number[]) => Buffer.concat([text.subarray(0, at), Buffer.from(bad), text.subarray(at)]);
      // Random high bytes can happen to spell a valid character (C3 A9 is é): then a byte that is never valid follows.
      const bytes = isUtf8(spliced(i.utf8)) ? spliced([...i.utf8, 0xff]) : spliced(i.utf8);
      return message('invalid-utf8:bytes', bytes, { reason: 'ONGELDIGE_UTF8', pointer: '' });
    }
    case 'envelope': {
      const event = base();
      const variant = i.variant % 10;
      const set = (attr: string, values: unknown[]) => {
        event[attr] = pickOf(values, i.pick2);
        return message(`envelope:${attr}`, json(event), { reason: 'ONGELDIGE_ENVELOP', pointer: `/${attr}` });
      };
      switch (variant) {
        case 0: {
          const attr = pickOf(REQUIRED_ATTRIBUTES, i.pick2);
          delete event[attr];
          return message(`envelope:without-${attr}`, json(event), { reason: 'ONGELDIGE_ENVELOP', pointer: `/${attr}` });
        }
        case 1: {
          const name = ENVELOPE_ATTRIBUTES.includes(i.name) ? `${i.name}x` : i.name;
          defineOwn(event, name, i.value);
          return message('envelope:extra-attribute', json(event), { reason: 'ONGELDIGE_ENVELOP', pointer: `/${name.replace(/~/g, '~0').replace(/\//g, '~1')}` });
        }
        case 2: return set('specversion', ['0.3', '1', 1, null, '1.0 ', i.text]);
        case 3: {
          const badIds = ['', 'met spatie', 'x'.repeat(201), 42, null, ['a'], i.text];
          const bad = pickOf(badIds, i.pick2);
          event.id = typeof bad === 'string' && /^[A-Za-z0-9._:-]+$/.test(bad) ? `${bad}!` : bad;
          const readable = typeof event.id === 'string' && event.id.length <= 200 ? event.id : undefined;
          return { ...message('envelope:id', json(event), { reason: 'ONGELDIGE_ENVELOP', pointer: '/id' }), eventId: readable };
        }
        case 4: return set('time', ['gisteren', '2026-13-01T00:00:00Z', 1772442000, '2026-03-02', '2026-03-02T25:00:00Z', i.keepable]);
        case 5: return set('data', [[], 'tekst', null, 42, true, [{ kinderen: [] }]]);
        case 6: return set('type', ['NL.KETENHUB.TOEGANG.X.V1', 'nl.ketenhub.toegang.hulpvraag-geregistreerd', 'nl.ketenhub.toegang.hulpvraag-geregistreerd.v0', 42, `${i.keepable}.v1`]);
        case 7: return set('source', ['https://evil.example/partner', 'urn:ketenhub:partner:Toegang_Almere', 'urn:ketenhub:partner:x', '', `urn:ketenhub:partner:${ctx.partnerId}\n`, i.keepable]);
        case 8: {
          const attr = pickOf(['datacontenttype', 'dataschema', 'subject', 'familyid', 'causationid'], i.pick2);
          const values: Record<string, unknown[]> = {
            datacontenttype: ['text/xml', 'application/cloudevents+json', 42], dataschema: ['geen uri', 42, `https://x/${'y'.repeat(500)}`],
            subject: [42, 's'.repeat(201), { naam: i.keepable }], familyid: ['geen-uuid', 42, i.keepable], causationid: ['c'.repeat(201), 42, null],
          };
          return set(attr, values[attr]);
        }
        default: {
          const roots = ['[]', '"tekst"', '42', 'null', 'true', `[${JSON.stringify(event)}]`, JSON.stringify(i.value)];
          const text = pickOf(roots, i.pick2);
          const value = JSON.parse(text) as unknown;
          if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
            // An object from jsonValue: lacks the required attributes.
            return message('envelope:root-object', Buffer.from(text), { reason: 'ONGELDIGE_ENVELOP', pointer: '' }, undefined);
          }
          return message('envelope:root', Buffer.from(text), { reason: 'ONGELDIGE_ENVELOP', pointer: '' }, undefined);
        }
      }
    }
    case 'spoofed-source': {
      const sources = [...ctx.others.map((p) => `urn:ketenhub:partner:${p}`), 'urn:ketenhub:hub', 'urn:ketenhub:partner:bestaat-niet'];
      return message('spoofed-source', json({ ...base(), source: pickOf(sources, i.pick2) }), { reason: 'BRON_KLOPT_NIET', pointer: '/source' });
    }
    case 'unknown-type': {
      const slug = i.name.toLowerCase().replace(/[^a-z0-9-]/g, '') || 'iets';
      const known = base().type as string;
      const types = [
        'nl.ketenhub.onbekend.iets.v1', `nl.ketenhub.toegang.${slug}-onbekend.v1`, known.replace(/\.v1$/, `.v${2 + (i.size % 98)}`),
        'nl.ketenhub.hub.bestaat-niet.v1', `nl.ketenhub.${slug}x.${slug}y.v1`,
      ];
      const type = pickOf(types, i.pick2);
      if (ctx.contracts.knows(type)) throw new Error(`generator: ${type} is known`);
      return message('unknown-type', json({ ...base(), type, data: typeof i.value === 'object' && i.value !== null && !Array.isArray(i.value) ? i.value : {} }), { reason: 'ONBEKEND_TYPE', pointer: '/type' });
    }
    case 'forbidden-type': {
      const foreign = ctx.contracts.eventTypes().filter((t) => !ctx.contracts.publishersOf(t).includes(ctx.role));
      return message('forbidden-type', json(base(pickOf(foreign, i.pick2))), { reason: 'NIET_TOEGESTAAN', pointer: '/type' });
    }
    case 'schema': {
      const event = base();
      const mutated = mutateData(ctx.sites, ctx.contracts, event.type as string, i);
      return message(`schema:${mutated.kind}`, json({ ...event, data: mutated.data }), { reason: 'SCHEMAFOUT', pointer: mutated.pointer });
    }
    case 'deep': return deep(i, ctx, id, base, request, message);
    case 'oversize': {
      const size = ctx.maxBytes + 1 + (i.size % (2 * ctx.maxBytes));
      const event = request();
      const text = JSON.stringify(event);
      const variants = [
        () => Buffer.from(text + ' '.repeat(Math.max(0, size - text.length))),
        () => json(request({ toelichting: `${pickOf(HOSTILE_SAMPLES, i.pick2)} `.repeat(Math.ceil(size / Buffer.byteLength(`${pickOf(HOSTILE_SAMPLES, i.pick2)} `))) })),
        () => json({ ...event, opvulling: 'y'.repeat(size) }),
        () => json(request({ kinderen: Array.from({ length: Math.ceil(size / 40) }, () => ({ persoon: { bsn: '999990019' }, geboortedatum: '2014-05-21' })) })),
      ];
      const variant = i.variant % variants.length;
      return message(`oversize:${variant}`, variants[variant](), { reason: 'TE_GROOT', pointer: '' });
    }
    case 'unkeepable-text': {
      // The schema allows any text here; PostgreSQL cannot keep U+0000 or an unpaired surrogate, so the hub refuses it (see expectations.ts).
      const text = pickOf(UNKEEPABLE_SAMPLES, i.pick2) + head(i.keepable, 50);
      const variants: Array<[string, string, Record<string, unknown>]> = [
        ['toelichting', '/data/toelichting', request({ toelichting: text })],
        ['zaakreferentie', '/data/zaakreferentie', request({ zaakreferentie: head(text, 90) })],
        ['subject', '/subject', { ...request(), subject: head(text, 150) }],
      ];
      const [where, pointer, event] = pickOf(variants, i.variant);
      return message(`unkeepable-text:${where}`, json(event), { reason: UNKEEPABLE_REASON, pointer });
    }
    case 'late': return late(i, ctx, seq, goods, message);
    case 'empty': {
      const variants: Array<Buffer | null> = ctx.door === 'bus' ? [null, Buffer.alloc(0), Buffer.from('   \n')] : [Buffer.alloc(0), Buffer.from('   \n')];
      return message('empty', pickOf(variants, i.variant), { reason: 'ONGELDIGE_JSON', pointer: '' }, undefined);
    }
    case 'http-only': return httpOnly(i, ctx, seq);
    case 'amplification': return amplification(i, ctx, base, message);
    default: {
      const never: never = i.cls;
      throw new Error(`unknown class ${String(never)}`);
    }
  }
}

type Render = (kind: string, bytes: Buffer | null, intended: Expected, eventId?: string) => BadMessage;

function deep(i: Ingredients, ctx: FuzzContext, id: string, base: () => Record<string, unknown>, request: (d?: Record<string, unknown>) => Record<string, unknown>, message: Render): BadMessage {
  const hole = '\u0001diep\u0001';
  const arrays = (d: number) => `${'['.repeat(d)}${']'.repeat(d)}`;
  const objects = (d: number) => `${'{"a":'.repeat(d)}0${'}'.repeat(d)}`;
  const depth = 1_000 + (i.size % 9_001);
  const nest = i.pick2 % 2 === 0 ? arrays(depth) : objects(Math.min(depth, 4_000));
  const withHole = (event: Record<string, unknown>) => JSON.stringify(event).replace(JSON.stringify(hole), nest);
  const variants: Array<[string, () => string, Expected]> = [
    ['root', () => arrays(depth), { reason: 'ONGELDIGE_ENVELOP', pointer: '' }],
    ['data', () => JSON.stringify({ ...base(), data: hole }).replace(JSON.stringify(hole), arrays(depth)), { reason: 'ONGELDIGE_ENVELOP', pointer: '/data' }],
    ['free-text', () => withHole(request({ toelichting: hole })), { reason: 'SCHEMAFOUT', pointer: '/data/toelichting' }],
    ['child', () => withHole(request({ kinderen: [hole] })), { reason: 'SCHEMAFOUT', pointer: '/data/kinderen/0' }],
    ['attribute', () => withHole({ ...base(), diep: hole }), { reason: 'ONGELDIGE_ENVELOP', pointer: '/diep' }],
    ['unknown-type', () => withHole({ ...base(), type: 'nl.ketenhub.onbekend.diep.v1', data: { x: hole } }), { reason: 'ONBEKEND_TYPE', pointer: '/type' }],
    ['unclosed', () => '['.repeat(depth), { reason: 'ONGELDIGE_JSON', pointer: '' }],
    ['beyond-limit', () => arrays(ctx.maxBytes), { reason: 'TE_GROOT', pointer: '' }],
  ];
  const [where, text, intended] = pickOf(variants, i.variant);
  return message(`deep:${where}`, Buffer.from(text()), intended, where === 'root' || where === 'unclosed' || where === 'beyond-limit' ? undefined : id);
}

function late(i: Ingredients, ctx: FuzzContext, seq: number, goods: readonly GoodPair[], message: Render): BadMessage {
  const id = `fz-${ctx.door}-${seq}`;
  const source = `urn:ketenhub:partner:${ctx.partnerId}`;
  const variant = i.variant % 4;
  if (variant === 0 && goods.length >= 1) {
    // The id of an applied event again, with other content.
    const good = pickOf(goods, i.pick2);
    const original = i.pick % 2 === 0 ? good.request : good.consent;
    const data = { ...(original.data as Record<string, unknown>), ...(original === good.request ? { zaakreferentie: `Z-ander-${seq}` } : { doel: `Een ander doel ${seq}` }) };
    return message('late:id-reuse', json({ ...original, data }), { reason: 'ID_HERGEBRUIKT', pointer: '/id' }, original.id as string);
  }
  if (variant === 1 && goods.length >= 2) {
    const a = pickOf(goods, i.pick2);
    const b = goods[(goods.indexOf(a) + 1 + (i.pick % (goods.length - 1))) % goods.length];
    const event = cloudEvent({ id, source, type: 'nl.ketenhub.keten.veiligheidskaart-bijdrage.v1', data: { kinderen: [{ bsn: a.child }, { bsn: b.child }], zorgen: [head(i.keepable, 100)] } });
    return message('late:two-families', json(event), { reason: 'PERSONEN_IN_MEERDERE_GEZINNEN', pointer: '/data' });
  }
  if (variant === 2) {
    const child = makeBsn();
    const [field, overrides] = i.pick2 % 2 === 0 ? ['/data/aan', { aan: 'bestaat-niet' }] : ['/data/tot', { vanaf: '2026-03-02', tot: '2026-03-01' }];
    const event = { ...toestemming(ctx.partnerId, [child], { gemeente: ctx.gemeente, ...overrides as Record<string, unknown> }), id };
    return message('late:bad-consent', json(event), { reason: 'ONGELDIGE_TOESTEMMING', pointer: field as string });
  }
  const persoonId = `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`;
  const event = cloudEvent({ id, source, type: 'nl.ketenhub.keten.veiligheidskaart-bijdrage.v1', data: { kinderen: [{ persoonId }], zorgen: [head(i.keepable, 100)] } });
  return message('late:unknown-person', json(event), { reason: 'ONBEKENDE_PERSOON', pointer: '/data/kinderen/0/persoonId' });
}

/**
 * Issue 21: messages that cost the hub far more than their size, filled to between half and all of
 * the size limit. Schema errors by the thousand (the number of errors ajv's all-errors mode
 * produced grew with the square of its time), long arrays of the wrong type, deep but valid JSON
 * nesting where the schema wants a person, thousands of unknown properties in data and in the
 * envelope, and one property name as long as the limit allows (an error must not echo it whole).
 * A few are small enough to be checked in full, with hundreds of errors of which 20 are listed.
 * The type is veiligheidskaart-bijdrage: its `kinderen` are PersoonRefs (a $ref with a oneOf),
 * three errors for every wrong item. The hub must refuse each with a bounded answer, stay ready,
 * and deliver the good messages sent between them.
 */
function amplification(i: Ingredients, ctx: FuzzContext, base: (type?: string) => Record<string, unknown>, message: Render): BadMessage {
  const hole = '\u0001veel\u0001';
  const event = base('nl.ketenhub.keten.veiligheidskaart-bijdrage.v1');
  const filled = (item: string, at: Record<string, unknown>): string => {
    const text = JSON.stringify(at);
    const room = Math.floor((ctx.maxBytes - Buffer.byteLength(text) - 64) * (0.5 + (i.size % 50) / 100));
    const count = Math.max(2, Math.floor(room / (Buffer.byteLength(item) + 1)));
    return text.replace(JSON.stringify(hole), Array.from({ length: count }, () => item).join(','));
  };
  const inData = (data: Record<string, unknown>) => ({ ...event, data: { ...(event.data as Record<string, unknown>), ...data } });
  const deepPerson = (depth: number) => `{"bsn":${'{"a":'.repeat(depth)}0${'}'.repeat(depth)}}`;
  const variants: Array<[string, () => string, Expected]> = [
    ['many-errors', () => filled(String(i.pick2 % 10), inData({ kinderen: [hole] })), { reason: 'SCHEMAFOUT', pointer: '/data' }],
    // Few enough values to be checked in full: 20 errors listed, the rest (hundreds) counted.
    ['counted', () => JSON.stringify(inData({ kinderen: [hole] })).replace(JSON.stringify(hole), Array.from({ length: 200 + (i.size % 100) }, (_, k) => String(k % 10)).join(',')),
      { reason: 'SCHEMAFOUT', pointer: '/data' }],
    ['wrong-type-objects', () => filled('{}', inData({ kinderen: [hole] })), { reason: 'SCHEMAFOUT', pointer: '/data' }],
    ['wrong-type-strings', () => filled(JSON.stringify(head(i.keepable, 8) || 'x'), inData({ kinderen: [hole] })), { reason: 'SCHEMAFOUT', pointer: '/data' }],
    ['deep-and-wide', () => filled('[[[[[[0]]]]]]', inData({ kinderen: [hole] })), { reason: 'SCHEMAFOUT', pointer: '/data' }],
    ['deep-valid-person', () => JSON.stringify(inData({ kinderen: [hole] })).replace(JSON.stringify(hole), deepPerson(Math.min(3_000, Math.floor(ctx.maxBytes / 6) - 200))),
      { reason: 'SCHEMAFOUT', pointer: '/data' }],
    ['unknown-properties', () => {
      const names = Array.from({ length: Math.floor(ctx.maxBytes / 12) }, (_, k) => `"x${k}":0`);
      return JSON.stringify(inData({ [hole]: 0 })).replace(`${JSON.stringify(hole)}:0`, names.slice(0, Math.floor(names.length * (0.5 + (i.size % 50) / 100))).join(','));
    }, { reason: 'SCHEMAFOUT', pointer: '/data' }],
    ['unknown-attributes', () => {
      const names = Array.from({ length: Math.floor(ctx.maxBytes / 12) }, (_, k) => `"y${k}":0`);
      return JSON.stringify({ ...event, [hole]: 0 }).replace(`${JSON.stringify(hole)}:0`, names.slice(0, Math.floor(names.length * (0.5 + (i.size % 50) / 100))).join(','));
    }, { reason: 'ONGELDIGE_ENVELOP', pointer: '' }],
    ['long-property-name', () => JSON.stringify(inData({ [`n${'x'.repeat(ctx.maxBytes - 1_500)}`]: 0 })), { reason: 'SCHEMAFOUT', pointer: '/data' }],
  ];
  const [variant, text, intended] = pickOf(variants, i.variant);
  return message(`amplification:${variant}`, Buffer.from(text()), intended);
}

/** HTTPS only: content types the door does not take, and binary mode (ce-* headers, the data as the body). */
function httpOnly(i: Ingredients, ctx: FuzzContext, seq: number): BadMessage {
  const id = `fz-${ctx.door}-${seq}`;
  const data = { kinderen: [{ bsn: '999990019' }], zorgen: ['Zorgen over de thuissituatie'] };
  const ce = (overrides: Record<string, string | undefined> = {}): Record<string, string> => {
    const headers: Record<string, string | undefined> = {
      'content-type': 'application/json', 'ce-specversion': '1.0', 'ce-id': id, 'ce-source': `urn:ketenhub:partner:${ctx.partnerId}`,
      'ce-type': 'nl.ketenhub.keten.veiligheidskaart-bijdrage.v1', 'ce-time': TIME, ...overrides,
    };
    return Object.fromEntries(Object.entries(headers).filter((e): e is [string, string] => e[1] !== undefined));
  };
  const event = json(cloudEvent({ id, source: `urn:ketenhub:partner:${ctx.partnerId}`, type: 'nl.ketenhub.keten.veiligheidskaart-bijdrage.v1', data }));
  const cases: Array<() => BadMessage> = [
    () => ({ kind: 'http:text-plain', bytes: event, headers: { 'content-type': 'text/plain' }, expected: { reason: 'NIET_ONDERSTEUND', pointer: '' } }),
    () => ({ kind: 'http:batch', bytes: Buffer.from(`[${event.toString()}]`), headers: { 'content-type': 'application/cloudevents-batch+json' }, expected: { reason: 'NIET_ONDERSTEUND', pointer: '' } }),
    () => ({ kind: 'http:no-content-type', bytes: event, headers: {}, expected: { reason: 'NIET_ONDERSTEUND', pointer: '' } }),
    () => ({ kind: 'http:binary-bad-json', bytes: Buffer.from('{"kinderen": [{"bsn": "999990019"}],'), headers: ce(), expected: { reason: 'ONGELDIGE_JSON', pointer: '/data' }, eventId: id }),
    () => ({
      kind: 'http:binary-invalid-utf8', headers: ce(), eventId: id, expected: { reason: 'ONGELDIGE_UTF8' },
      bytes: Buffer.concat([Buffer.from('{"kinderen":[{"bsn":"999990019"}],"zorgen":["Zorg '), Buffer.from(pickOf(INVALID_UTF8, i.pick2)), Buffer.from('"]}')]),
    }),
    () => ({ kind: 'http:binary-without-time', bytes: json(data), headers: ce({ 'ce-time': undefined }), expected: { reason: 'ONGELDIGE_ENVELOP', pointer: '/time' }, eventId: id }),
    () => ({ kind: 'http:binary-spoofed-source', bytes: json(data), headers: ce({ 'ce-source': `urn:ketenhub:partner:${pickOf(ctx.others, i.pick2)}` }), expected: { reason: 'BRON_KLOPT_NIET', pointer: '/source' }, eventId: id }),
    () => ({ kind: 'http:binary-unknown-type', bytes: json(data), headers: ce({ 'ce-type': 'nl.ketenhub.keten.iets-anders.v1' }), expected: { reason: 'ONBEKEND_TYPE', pointer: '/type' }, eventId: id }),
    () => ({ kind: 'http:binary-extra-attribute', bytes: json(data), headers: ce({ 'ce-prioriteit': 'hoog' }), expected: { reason: 'ONGELDIGE_ENVELOP', pointer: '/prioriteit' }, eventId: id }),
    () => ({
      kind: 'http:binary-hostile-subject', bytes: json(data), eventId: id, expected: { reason: UNKEEPABLE_REASON, pointer: '/subject' },
      headers: ce({ 'ce-subject': `${encodeURIComponent(head(i.keepable, 40))}%00` }),
    }),
    () => ({ kind: 'http:binary-text-body', bytes: Buffer.from('hallo'), headers: ce({ 'content-type': 'text/plain' }), expected: { reason: 'NIET_ONDERSTEUND', pointer: '' } }),
  ];
  return pickOf(cases, i.variant)();
}

/** A fresh family's consent and request for help, from the partner, in its municipality. */
export function goodPair(partnerId: string, gemeente: string, overrides: Record<string, unknown> = {}): GoodPair {
  const child = makeBsn();
  return { consent: toestemming(partnerId, [child], { gemeente }), request: hulpvraag(partnerId, [child], { gemeente, ...overrides }), child };
}
