import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { repoRoot } from '@ketenhub/config';
import { isValidBsn } from '@ketenhub/domain';
import { freeTextPaths, type FreeTextPath } from './free-text';
import { toSchemaErrors, type SchemaError } from './schema-error';

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
  validate: ValidateFunction;
}

/**
 * Every JSON Schema in schemas/, compiled once with ajv (draft 2020-12, all errors, formats
 * including `bsn` with the elfproef). Event types come from the file layout:
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
    private readonly envelope: ValidateFunction,
    private readonly events: ReadonlyMap<string, EventContract>,
    /** The parties the examples name; none when the schema folder has no examples.json. */
    readonly exampleParties: ExampleParties,
  ) {}

  static load(schemaRoot: string = path.join(repoRoot(), 'schemas')): Contracts {
    const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
    addFormats(ajv);
    ajv.addFormat('bsn', { type: 'string', validate: isValidBsn });
    ajv.addKeyword({ keyword: 'x-ketenhub-publishers', schemaType: 'array' });
    ajv.addKeyword({ keyword: 'x-ketenhub-locatie', schemaType: 'boolean' });
    const schemas = listJson(schemaRoot).map((file) => ({ file, schema: JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown> }));
    for (const { file, schema } of schemas) {
      if (typeof schema.$id !== 'string') throw new Error(`${path.relative(schemaRoot, file)}: schema has no $id`);
      ajv.addSchema(schema);
    }
    const defs = (schemas.find(({ schema }) => String(schema.$id).endsWith('/common/defs.v1.schema.json'))?.schema.$defs ?? {}) as Record<string, Record<string, unknown>>;
    const events = new Map<string, EventContract>();
    for (const { schema } of schemas) {
      const id = schema.$id as string;
      const match = /^https:\/\/schemas\.ketenhub\.nl\/events\/([a-z0-9-]+)\/([a-z0-9-]+)\.v([1-9][0-9]*)\.schema\.json$/.exec(id);
      if (!id.startsWith(EVENT_ID_PREFIX)) continue;
      if (!match) throw new Error(`event schema ${id} does not follow events/<domain>/<name>.v<major>.schema.json`);
      const type = `nl.ketenhub.${match[1]}.${match[2]}.v${match[3]}`;
      const validate = ajv.getSchema(id);
      if (!validate) throw new Error(`could not compile ${id}`);
      const publishers = Array.isArray(schema['x-ketenhub-publishers']) ? (schema['x-ketenhub-publishers'] as string[]) : [];
      const properties = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
      const locationFields = Object.entries(properties).filter(([, p]) => p['x-ketenhub-locatie'] === true).map(([name]) => name);
      const fields = { all: Object.keys(properties), required: Array.isArray(schema.required) ? (schema.required as string[]) : [] };
      const examples = Array.isArray(schema.examples) ? (schema.examples as unknown[]) : [];
      events.set(type, { type, schemaId: id, publishers, locationFields, freeText: freeTextPaths(schema, defs), fields, examples, validate });
    }
    const envelope = ajv.getSchema(ENVELOPE_SCHEMA_ID);
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

  validateEnvelope(value: unknown): SchemaError[] {
    return this.envelope(value) ? [] : toSchemaErrors(this.envelope.errors);
  }

  /** Validates `data` against its type's schema; pointers are relative to the whole event (/data/...). */
  validateData(type: string, data: unknown): SchemaError[] {
    const contract = this.events.get(type);
    if (!contract) return [{ pointer: '/type', keyword: 'ketenhub-known-type', message: `unknown event type or version '${type}'` }];
    return contract.validate(data) ? [] : toSchemaErrors(contract.validate.errors, '/data');
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
