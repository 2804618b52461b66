import type { Contracts } from '@ketenhub/contracts';

/** The JSON Schema keywords the event schemas use (schemas/events, schemas/common). */
export interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  enum?: unknown[];
  const?: unknown;
  format?: string;
  minimum?: number;
  maximum?: number;
  oneOf?: Schema[];
  $ref?: string;
}

/** One value inside a valid example event, with the (resolved) schema that governs it. */
export interface Site {
  /** Pointer tokens from the event's root, e.g. ['data', 'kinderen', 0, 'persoon']. */
  path: Array<string | number>;
  schema: Schema;
  value: unknown;
}

const DEFS_ID = 'https://schemas.ketenhub.nl/common/defs.v1.schema.json';

/**
 * Walks a valid example of an event type's data alongside its schema and lists every place a
 * mutation can break it: each object, array and scalar, with the constraints that apply there.
 */
export class SchemaSites {
  private readonly defs: Record<string, Schema>;
  private readonly cache = new Map<string, Site[]>();

  constructor(private readonly contracts: Contracts) {
    const document = contracts.schemaDocument(DEFS_ID) as { $defs?: Record<string, Schema> } | undefined;
    if (!document?.$defs) throw new Error(`no $defs in ${DEFS_ID}`);
    this.defs = document.$defs;
  }

  /** The sites of the first example of this type's data (examples are checked valid by examples.spec.ts). */
  sitesOf(type: string): Site[] {
    const cached = this.cache.get(type);
    if (cached) return cached;
    const schemaId = this.contracts.schemaIdOf(type);
    const schema = schemaId ? (this.contracts.schemaDocument(schemaId) as Schema | undefined) : undefined;
    const [example] = this.contracts.examplesOf(type);
    if (!schema || example === undefined) throw new Error(`no schema or example for ${type}`);
    const sites: Site[] = [];
    this.walk(example, schema, ['data'], sites);
    this.cache.set(type, sites);
    return sites;
  }

  resolve(schema: Schema): Schema {
    if (!schema.$ref) return schema;
    const name = /#\/\$defs\/([A-Za-z0-9]+)$/.exec(schema.$ref)?.[1];
    const target = name ? this.defs[name] : undefined;
    if (!target) throw new Error(`cannot resolve ${schema.$ref}`);
    const { $ref: _ref, ...siblings } = schema;
    return this.resolve({ ...target, ...siblings });
  }

  private walk(value: unknown, raw: Schema, path: Array<string | number>, out: Site[]): void {
    const schema = this.resolve(raw);
    out.push({ path, schema, value });
    if (schema.oneOf && isObject(value)) {
      const branch = schema.oneOf.map((b) => this.resolve(b)).find((b) => (b.required ?? []).every((k) => k in value));
      if (branch) this.walk(value, branch, path, out);
      return;
    }
    if (isObject(value) && schema.properties) {
      for (const [key, child] of Object.entries(value)) {
        const sub = schema.properties[key];
        if (sub) this.walk(child, sub, [...path, key], out);
      }
    } else if (Array.isArray(value) && schema.items) {
      value.forEach((item, i) => this.walk(item, schema.items as Schema, [...path, i], out));
    }
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** RFC 6901: a pointer from tokens. */
export function pointerOf(path: ReadonlyArray<string | number>): string {
  return path.map((t) => `/${String(t).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/** The value at `path` inside `root` is replaced by what `change` returns (undefined: removed). */
export function setAt(root: Record<string, unknown>, path: ReadonlyArray<string | number>, change: (current: unknown) => unknown): void {
  if (path.length === 0) throw new Error('cannot replace the root');
  let node: unknown = root;
  for (const token of path.slice(0, -1)) node = (node as Record<string | number, unknown>)[token];
  const last = path[path.length - 1];
  const parent = node as Record<string | number, unknown>;
  const next = change(parent[last]);
  if (next === undefined) {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  } else {
    parent[last] = next;
  }
}

/** Sets an own, enumerable property, even one named __proto__ (which plain assignment would not create). */
export function defineOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** The JSON kinds a schema allows at a site ('integer' counts as number). */
export function allowedKinds(schema: Schema, resolve: (s: Schema) => Schema): Set<string> {
  const kinds = new Set<string>();
  const add = (t: string) => kinds.add(t === 'integer' ? 'number' : t);
  if (schema.type) (Array.isArray(schema.type) ? schema.type : [schema.type]).forEach(add);
  for (const v of schema.enum ?? []) add(kindOf(v));
  if (schema.const !== undefined) add(kindOf(schema.const));
  for (const b of schema.oneOf ?? []) allowedKinds(resolve(b), resolve).forEach(add);
  return kinds;
}

export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value === 'object' ? 'object' : typeof value;
}
