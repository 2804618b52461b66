import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { repoRoot } from '@ketenhub/config';
import { isValidBsn } from '@ketenhub/domain';
import { freeTextPaths, type FreeTextPath } from './free-text';
import { boundedError, capErrors, MAX_LISTED_ERRORS, toSchemaErrors, type SchemaCheck, type SchemaError } from './schema-error';

export const ENVELOPE_SCHEMA_ID = 'https://schemas.ketenhub.nl/cloudevents/envelope.v1.schema.json';
const EVENT_ID_PREFIX = 'https://schemas.ketenhub.nl/events/';

interface EventContract {
  type: string;
  schemaId: string;
  publishers: readonly string[];
  /** Top-level fields of `data` that are location data (x-ketenhub-locatie). */
  locationFields: readonly string[];
  /** Where `data` holds free text (VrijeTekst), see free-text.ts. */
  freeText: readonly FreeTextPath[];
  /** Top-level fields of `data`, and which of them are required. */
  fields: { all: readonly string[]; required: readonly string[] };
  /** The schema's own `examples` of `data` (documentation; checked by examples.spec.ts). */
  examples: readonly unknown[];
  validate: BoundedValidator;
}

/**
 * A message with more values (objects, arrays, strings, numbers…) than this is checked only up to
 * its first error. ajv's all-errors mode is quadratic in the number of errors (each referenced
 * subschema's errors are concatenated onto the list: ajv/dist/vocabularies/core/ref.js): an event
 * whose `kinderen` held 60,000 numbers gave 180,003 errors in 33 s on one core, 16,000 numbers
 * 48,003 errors in 2.3 s, 2,000 numbers 6,003 errors in 18 ms. No real event comes near 1,000
 * values; an invalid one that does is still refused, with its first error.
 */
export const FULL_CHECK_MAX_VALUES = 1_000;

/**
 * Two compilations of one schema: the first-error one decides (and is all a valid message costs),
 * the all-errors one lists what is wrong, only for a message small enough to list it cheaply.
 */
export class BoundedValidator {
  constructor(private readonly first: ValidateFunction, private readonly all: ValidateFunction) {}

  check(value: unknown, prefix = ''): SchemaCheck {
    if (this.first(value)) return { errors: [], omitted: 0, complete: true };
    if (!hasMoreValuesThan(value, FULL_CHECK_MAX_VALUES)) {
      this.all(value);
      const all = toSchemaErrors(this.all.errors, prefix);
      // Both compilations come from one schema, so they agree on validity; the guard keeps a message refused whatever happens.
      if (all.length > 0) return capErrors(all);
    }
    const [first] = toSchemaErrors(this.first.errors, prefix);
    return {
      errors: [
        first ?? { pointer: prefix, keyword: 'ketenhub-schema', message: 'does not match its schema' },
        boundedError({
          pointer: '', keyword: 'ketenhub-max-errors',
          message: `the message holds more than ${FULL_CHECK_MAX_VALUES} values: it was checked up to its first error only (at most ${MAX_LISTED_ERRORS} errors are listed for a message)`,
        }),
      ],
      omitted: 0,
      complete: false,
    };
  }
}

/** Whether a JSON value holds more than `max` values in all, counting without recursion and stopping once past it. */
export function hasMoreValuesThan(root: unknown, max: number): boolean {
  const stack: unknown[] = [root];
  let count = 0;
  while (stack.length > 0) {
    const value = stack.pop();
    if (++count > max) return true;
    if (Array.isArray(value)) {
      if (count + value.length > max) return true;
      for (const item of value) stack.push(item);
    } else if (typeof value === 'object' && value !== null) {
      const items = Object.values(value);
      if (count + items.length > max) return true;
      for (const item of items) stack.push(item);
    }
  }
  return false;
}

/**
 * Every JSON Schema in schemas/, compiled twice with ajv (draft 2020-12; once to the first error,
 * once with all errors, see BoundedValidator; formats including `bsn` with the elfproef). Event types come from the file layout:
 * schemas/events/<domain>/<name>.v<major>.schema.json is nl.ketenhub.<domain>.<name>.v<major>.
 */
/** The parties the schemas' examples name (schemas/examples.json), so a region's documents can show its own. */
export interface ExampleParties {
  partners: Array<{ id: string; name: string; role: string }>;
  municipalities: Array<{ code: string; localAccess: string }>;
}

const EXAMPLE_PARTIES_FILE = 'examples.json';
const EXAMPLE_PARTIES_SCHEMA = {
  type: 'object',
  required: ['partners', 'municipalities'],
  properties: {
    description: { type: 'string' },
    partners: {
      type: 'array',
      items: {
        type: 'object', additionalProperties: false, required: ['id', 'name', 'role'],
        properties: { id: { type: 'string', minLength: 1 }, name: { type: 'string', minLength: 1 }, role: { type: 'string', minLength: 1 } },
      },
    },
    municipalities: {
      type: 'array',
      items: {
        type: 'object', additionalProperties: false, required: ['code', 'localAccess'],
        properties: { code: { type: 'string', minLength: 1 }, localAccess: { type: 'string', minLength: 1 } },
      },
    },
  },
  additionalProperties: false,
};

export class Contracts {
  private constructor(
    private readonly ajv: Ajv2020,
    private readonly envelope: BoundedValidator,
    private readonly events: ReadonlyMap<string, EventContract>,
    /** The parties the examples name; none when the schema folder has no examples.json. */
    readonly exampleParties: ExampleParties,
  ) {}

  static load(schemaRoot: string = path.join(repoRoot(), 'schemas')): Contracts {
    const ajv = newAjv(true);
    const firstError = newAjv(false);
    const schemas = listJson(schemaRoot).map((file) => ({ file, schema: JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown> }));
    for (const { file, schema } of schemas) {
      if (typeof schema.$id !== 'string') throw new Error(`${path.relative(schemaRoot, file)}: schema has no $id`);
      ajv.addSchema(schema);
      firstError.addSchema(structuredClone(schema));
    }
    const defs = (schemas.find(({ schema }) => String(schema.$id).endsWith('/common/defs.v1.schema.json'))?.schema.$defs ?? {}) as Record<string, Record<string, unknown>>;
    const bounded = (id: string): BoundedValidator | undefined => {
      const all = ajv.getSchema(id);
      const first = firstError.getSchema(id);
      return all && first ? new BoundedValidator(first, all) : undefined;
    };
    const events = new Map<string, EventContract>();
    for (const { schema } of schemas) {
      const id = schema.$id as string;
      const match = /^https:\/\/schemas\.ketenhub\.nl\/events\/([a-z0-9-]+)\/([a-z0-9-]+)\.v([1-9][0-9]*)\.schema\.json$/.exec(id);
      if (!id.startsWith(EVENT_ID_PREFIX)) continue;
      if (!match) throw new Error(`event schema ${id} does not follow events/<domain>/<name>.v<major>.schema.json`);
      const type = `nl.ketenhub.${match[1]}.${match[2]}.v${match[3]}`;
      const validate = bounded(id);
      if (!validate) throw new Error(`could not compile ${id}`);
      const publishers = Array.isArray(schema['x-ketenhub-publishers']) ? (schema['x-ketenhub-publishers'] as string[]) : [];
      const properties = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
      const locationFields = Object.entries(properties).filter(([, p]) => p['x-ketenhub-locatie'] === true).map(([name]) => name);
      const fields = { all: Object.keys(properties), required: Array.isArray(schema.required) ? (schema.required as string[]) : [] };
      const examples = Array.isArray(schema.examples) ? (schema.examples as unknown[]) : [];
      events.set(type, { type, schemaId: id, publishers, locationFields, freeText: freeTextPaths(schema, defs), fields, examples, validate });
    }
    const envelope = bounded(ENVELOPE_SCHEMA_ID);
    if (!envelope) throw new Error(`envelope schema ${ENVELOPE_SCHEMA_ID} is missing from ${schemaRoot}`);
    return new Contracts(ajv, envelope, events, loadExampleParties(ajv, path.join(schemaRoot, EXAMPLE_PARTIES_FILE)));
  }

  eventTypes(): string[] {
    return [...this.events.keys()].sort();
  }

  knows(type: string): boolean {
    return this.events.has(type);
  }

  /** The partner roles that may publish this type ('HUB' for the hub's own events). */
  publishersOf(type: string): readonly string[] {
    return this.events.get(type)?.publishers ?? [];
  }

  /** Fields of this type's data that are location data, withheld while a family has a confidential address. */
  locationFieldsOf(type: string): readonly string[] {
    return this.events.get(type)?.locationFields ?? [];
  }

  /** Where this type's data holds free text, in which the hub masks BSNs on the way in. */
  freeTextOf(type: string): readonly FreeTextPath[] {
    return this.events.get(type)?.freeText ?? [];
  }

  /** The top-level fields of this type's data and which are required (for routes that minimise). */
  dataFieldsOf(type: string): { all: readonly string[]; required: readonly string[] } {
    return this.events.get(type)?.fields ?? { all: [], required: [] };
  }

  /** Example values of this type's `data`, from the schema's `examples` (for docs and the AsyncAPI document). */
  examplesOf(type: string): unknown[] {
    return structuredClone([...(this.events.get(type)?.examples ?? [])]);
  }

  schemaIdOf(type: string): string | undefined {
    return this.events.get(type)?.schemaId;
  }

  /** Checks a CloudEvent's envelope: at most MAX_LISTED_ERRORS errors, and how many more (bounded work whatever the input). */
  checkEnvelope(value: unknown): SchemaCheck {
    return this.envelope.check(value);
  }

  validateEnvelope(value: unknown): SchemaError[] {
    return this.checkEnvelope(value).errors;
  }

  /** Checks `data` against its type's schema, bounded as checkEnvelope; pointers are relative to the whole event (/data/...). */
  checkData(type: string, data: unknown): SchemaCheck {
    const contract = this.events.get(type);
    if (!contract) return capErrors([{ pointer: '/type', keyword: 'ketenhub-known-type', message: `unknown event type or version '${type}'` }]);
    return contract.validate.check(data, '/data');
  }

  validateData(type: string, data: unknown): SchemaError[] {
    return this.checkData(type, data).errors;
  }

  /** A copy of the schema document with this $id, as written in schemas/ (for generated documentation). */
  schemaDocument(schemaId: string): Record<string, unknown> | undefined {
    const schema = this.ajv.getSchema(schemaId)?.schema;
    return typeof schema === 'object' && schema !== null ? (structuredClone(schema) as Record<string, unknown>) : undefined;
  }

  /** Validates any document against a schema by its $id (used for configuration files). */
  validateAgainst(schemaId: string, value: unknown): SchemaError[] {
    const validate = this.ajv.getSchema(schemaId);
    if (!validate) throw new Error(`unknown schema ${schemaId}`);
    return validate(value) ? [] : toSchemaErrors(validate.errors);
  }
}

function newAjv(allErrors: boolean): Ajv2020 {
  const ajv = new Ajv2020({ allErrors, strict: true, strictRequired: false, allowUnionTypes: true });
  addFormats(ajv);
  ajv.addFormat('bsn', { type: 'string', validate: isValidBsn });
  ajv.addKeyword({ keyword: 'x-ketenhub-publishers', schemaType: 'array' });
  ajv.addKeyword({ keyword: 'x-ketenhub-locatie', schemaType: 'boolean' });
  return ajv;
}

function loadExampleParties(ajv: Ajv2020, file: string): ExampleParties {
  if (!fs.existsSync(file)) return { partners: [], municipalities: [] };
  let content: unknown;
  try {
    content = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file}: not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const validate = ajv.compile<ExampleParties>(EXAMPLE_PARTIES_SCHEMA);
  if (!validate(content)) {
    throw new Error(`${file}: ${toSchemaErrors(validate.errors).map((e) => `${e.pointer || '/'} ${e.message}`).join('; ')}`);
  }
  return content;
}

function listJson(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return listJson(full);
    return entry.name.endsWith('.schema.json') ? [full] : [];
  });
}
