import type { Contracts } from '@ketenhub/contracts';
import { allowedKinds, defineOwn, isObject, pointerOf, setAt, type Schema, type SchemaSites, type Site } from './schema-sites';

/** What schema mutation needs from a message's random ingredients. */
export interface MutationIngredients {
  pick2: number;
  variant: number;
  size: number;
  text: string;
  name: string;
  value: unknown;
}

type Kind =
  | 'drop-required' | 'extra-property' | 'wrong-type' | 'too-long' | 'too-short' | 'break-pattern' | 'break-enum' | 'break-format'
  | 'too-few' | 'too-many' | 'below-minimum' | 'above-maximum' | 'not-integer';

/** Values no validator accepts for a format; a hostile string is tried first. */
const BAD_FORMAT: Record<string, string[]> = {
  date: ['2026-02-30', '2026-13-01', '21-05-2014', 'gisteren', '2026-1-1'],
  'date-time': ['2026-03-02', '2026-03-02T25:00:00Z', 'nu', '2026-03-02 09:00'],
  uuid: ['geen-uuid', '00000000000040008000000000000000', '{00000000-0000-4000-8000-000000000000}'],
  bsn: ['123456789', '12345678', '1234567890', '99999001A', '000000000'],
  email: ['geen-email', 'a@', '@voorbeeld.nl', 'a b@voorbeeld.nl'],
};

/** The mutations that can break the schema at a site. */
function kindsAt(site: Site): Kind[] {
  const { schema: s, value } = site;
  const kinds: Kind[] = [];
  if (isObject(value)) {
    if ((s.required ?? []).some((k) => k in value)) kinds.push('drop-required');
    if (s.additionalProperties === false) kinds.push('extra-property');
  }
  // Data that is not an object fails the envelope, not the schema: the root keeps its type.
  if ((s.type || s.enum || s.oneOf || s.const !== undefined) && site.path.length > 1) kinds.push('wrong-type');
  if (typeof value === 'string') {
    if (s.maxLength !== undefined) kinds.push('too-long');
    if ((s.minLength ?? 0) > 0) kinds.push('too-short');
    if (s.pattern) kinds.push('break-pattern');
    if (s.enum) kinds.push('break-enum');
    if (s.format && BAD_FORMAT[s.format]) kinds.push('break-format');
  }
  if (Array.isArray(value)) {
    if ((s.minItems ?? 0) > 0) kinds.push('too-few');
    if (s.maxItems !== undefined && value.length > 0) kinds.push('too-many');
  }
  if (typeof value === 'number') {
    if (s.minimum !== undefined) kinds.push('below-minimum');
    if (s.maximum !== undefined) kinds.push('above-maximum');
    if (s.type === 'integer') kinds.push('not-integer');
  }
  return kinds;
}

/** A value of a JSON kind the schema does not allow here. */
function otherKindValue(schema: Schema, sites: SchemaSites, m: MutationIngredients): unknown {
  const allowed = allowedKinds(schema, (s) => sites.resolve(s));
  const candidates: Array<[string, unknown]> = [
    ['string', m.text], ['number', (m.size % 2 === 0 ? m.size : -m.size / 7)], ['boolean', m.size % 2 === 0], ['null', null],
    ['array', [m.value]], ['object', { waarde: m.value }],
  ];
  const others = candidates.filter(([kind]) => !allowed.has(kind));
  return others[m.pick2 % others.length][1];
}

function stringNotMatching(candidate: string, ok: (s: string) => boolean): string {
  if (!ok(candidate)) return candidate;
  if (!ok(`${candidate}!`)) return `${candidate}!`;
  return `!${candidate}`;
}

/**
 * Breaks a valid example of `type`'s data at one site, by one mutation, so that it fails its
 * schema: drop a required field, add a property where none may be added, put a value of another
 * JSON type, exceed maxLength or maxItems, fall short of minLength, minItems or minimum, or break a
 * pattern, enum or format, mostly with hostile strings. Returns the pointer the hub must name.
 */
export function mutateData(sites: SchemaSites, contracts: Contracts, type: string, m: MutationIngredients): { kind: Kind; data: unknown; pointer: string } {
  const all = sites.sitesOf(type).filter((site) => kindsAt(site).length > 0);
  const site = all[m.pick2 % all.length];
  const kinds = kindsAt(site);
  const kind = kinds[m.variant % kinds.length];
  const [example] = contracts.examplesOf(type);
  const event: Record<string, unknown> = { data: example };
  const s = site.schema;
  let pointer = pointerOf(site.path);
  const replace = (value: unknown) => setAt(event, site.path, () => value);
  switch (kind) {
    case 'drop-required': {
      const present = (s.required ?? []).filter((k) => k in (site.value as object));
      const key = present[m.size % present.length];
      setAt(event, [...site.path, key], () => undefined);
      pointer = pointerOf([...site.path, key]);
      break;
    }
    case 'extra-property': {
      const key = s.properties && m.name in s.properties ? `${m.name}_` : m.name;
      setAt(event, site.path, (current) => {
        const copy = { ...(current as Record<string, unknown>) };
        defineOwn(copy, key, m.value);
        return copy;
      });
      pointer = pointerOf([...site.path, key]);
      break;
    }
    case 'wrong-type': replace(otherKindValue(s, sites, m)); break;
    case 'too-long': {
      const limit = s.maxLength as number;
      const unit = m.text.length > 0 ? m.text : 'x';
      // Counted in code points, as JSON Schema counts; astral characters count once.
      const chars = [...unit.repeat(Math.ceil((limit + 1) / [...unit].length) + 1)];
      replace(chars.slice(0, limit + 1 + (m.size % 50)).join(''));
      break;
    }
    case 'too-short': replace(''); break;
    case 'break-pattern': {
      const re = new RegExp(s.pattern as string, 'u');
      replace(stringNotMatching(m.text, (x) => re.test(x)));
      break;
    }
    case 'break-enum': {
      const options = s.enum as unknown[];
      const tries = [m.text, String(options[0]).toLowerCase(), ` ${String(options[0])}`];
      replace(stringNotMatching(tries[m.size % tries.length], (x) => options.includes(x)));
      break;
    }
    case 'break-format': {
      const bad = BAD_FORMAT[s.format as string];
      replace(m.size % 3 === 0 ? m.text : bad[m.size % bad.length]);
      break;
    }
    case 'too-few': replace([]); break;
    case 'too-many': {
      const items = site.value as unknown[];
      replace(Array.from({ length: (s.maxItems as number) + 1 }, (_, k) => structuredClone(items[k % items.length])));
      break;
    }
    case 'below-minimum': replace((s.minimum as number) - 1 - (m.size % 1000)); break;
    case 'above-maximum': replace((s.maximum as number) + 1 + (m.size % 1000)); break;
    case 'not-integer': replace((site.value as number) + 0.5); break;
    default: {
      const never: never = kind;
      throw new Error(`unknown mutation ${String(never)}`);
    }
  }
  const data = event.data;
  if (contracts.validateData(type, data).length === 0) {
    // A hostile string can happen to be valid (a date-shaped text); then the format's own bad value is used.
    if (kind === 'break-format') {
      replace(BAD_FORMAT[s.format as string][0]);
      if (contracts.validateData(type, event.data).length > 0) return { kind, data: event.data, pointer };
    }
    throw new Error(`generator: ${kind} at ${pointer} of ${type} left the data valid`);
  }
  return { kind, data, pointer };
}
