/**
 * Backward compatibility between two versions of a closed JSON Schema: the new one must accept
 * every document the old one accepted, so a consumer on the new schema still reads what was
 * produced under the old. Deliberately conservative: a change it cannot prove safe is reported.
 */
type Schema = Record<string, unknown>;

const ANNOTATIONS = new Set(['title', 'description', 'examples', '$comment', 'default', 'deprecated', 'readOnly', 'writeOnly', '$schema', '$id']);
const HANDLED = new Set(['type', 'enum', 'const', 'required', 'properties', 'additionalProperties', 'items', 'oneOf', 'anyOf', '$defs',
  'minLength', 'maxLength', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minItems', 'maxItems', 'pattern', 'format', '$ref']);

const isSchema = (value: unknown): value is Schema => typeof value === 'object' && value !== null && !Array.isArray(value);
const types = (schema: Schema): string[] | undefined =>
  schema.type === undefined ? undefined : Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

export function breakingChanges(oldSchema: unknown, newSchema: unknown, at = ''): string[] {
  if (same(oldSchema, newSchema)) return [];
  if (newSchema === true || (isSchema(newSchema) && Object.keys(newSchema).every((k) => ANNOTATIONS.has(k)))) return [];
  if (!isSchema(oldSchema) || !isSchema(newSchema)) return [`${at || '/'}: schema changed from ${JSON.stringify(oldSchema)} to ${JSON.stringify(newSchema)}`];
  const out: string[] = [];
  const here = at || '/';

  const oldTypes = types(oldSchema);
  const newTypes = types(newSchema);
  if (newTypes && (!oldTypes || oldTypes.some((t) => !newTypes.includes(t) && !(t === 'integer' && newTypes.includes('number'))))) {
    out.push(`${here}: type narrowed from ${JSON.stringify(oldTypes ?? 'any')} to ${JSON.stringify(newTypes)}`);
  }
  if (newSchema.enum !== undefined) {
    const oldEnum = oldSchema.enum as unknown[] | undefined;
    const removed = oldEnum ? oldEnum.filter((v) => !(newSchema.enum as unknown[]).some((n) => same(n, v))) : ['(any value)'];
    if (removed.length > 0) out.push(`${here}: enum no longer allows ${removed.map((v) => JSON.stringify(v)).join(', ')}`);
  }
  if (newSchema.const !== undefined && !same(oldSchema.const, newSchema.const)) out.push(`${here}: const changed to ${JSON.stringify(newSchema.const)}`);

  const oldRequired = new Set((oldSchema.required as string[] | undefined) ?? []);
  for (const name of (newSchema.required as string[] | undefined) ?? []) {
    if (!oldRequired.has(name)) out.push(`${here}: '${name}' became required`);
  }

  const oldProps = (oldSchema.properties as Record<string, unknown> | undefined) ?? {};
  const newProps = (newSchema.properties as Record<string, unknown> | undefined) ?? {};
  const oldClosed = oldSchema.additionalProperties === false;
  const newClosed = newSchema.additionalProperties === false;
  if (newClosed && !oldClosed) out.push(`${here}: additionalProperties became false`);
  for (const [name, schema] of Object.entries(oldProps)) {
    if (!(name in newProps)) {
      if (newClosed) out.push(`${here}/properties/${name}: property removed (documents that have it would now be refused)`);
      continue;
    }
    out.push(...breakingChanges(schema, newProps[name], `${at}/properties/${name}`));
  }
  if (!oldClosed) {
    for (const name of Object.keys(newProps)) {
      if (!(name in oldProps)) out.push(`${here}/properties/${name}: new constraint on a property the old schema left open`);
    }
  }
  if (isSchema(oldSchema.additionalProperties) || isSchema(newSchema.additionalProperties)) {
    out.push(...breakingChanges(oldSchema.additionalProperties ?? true, newSchema.additionalProperties ?? true, `${at}/additionalProperties`));
  }

  for (const key of ['minLength', 'minimum', 'exclusiveMinimum', 'minItems'] as const) {
    const o = oldSchema[key] as number | undefined;
    const n = newSchema[key] as number | undefined;
    if (n !== undefined && (o === undefined || n > o)) out.push(`${here}: ${key} raised from ${o ?? 'none'} to ${n}`);
  }
  for (const key of ['maxLength', 'maximum', 'exclusiveMaximum', 'maxItems'] as const) {
    const o = oldSchema[key] as number | undefined;
    const n = newSchema[key] as number | undefined;
    if (n !== undefined && (o === undefined || n < o)) out.push(`${here}: ${key} lowered from ${o ?? 'none'} to ${n}`);
  }
  for (const key of ['pattern', 'format', '$ref'] as const) {
    if (key === 'pattern' && typeof oldSchema.pattern === 'string' && typeof newSchema.pattern === 'string' && patternWidens(oldSchema.pattern, newSchema.pattern)) continue;
    if (newSchema[key] !== undefined && !same(oldSchema[key], newSchema[key])) {
      out.push(`${here}: ${key} changed from ${JSON.stringify(oldSchema[key] ?? null)} to ${JSON.stringify(newSchema[key])}`);
    }
  }
  if (oldSchema.items !== undefined || newSchema.items !== undefined) out.push(...breakingChanges(oldSchema.items ?? true, newSchema.items ?? true, `${at}/items`));

  for (const key of ['oneOf', 'anyOf'] as const) {
    const o = (oldSchema[key] as unknown[] | undefined) ?? [];
    const n = newSchema[key] as unknown[] | undefined;
    if (n === undefined) continue;
    if (o.length === 0) out.push(`${here}: ${key} added`);
    o.forEach((branch, i) => {
      if (i >= n.length) out.push(`${here}/${key}/${i}: alternative removed`);
      else out.push(...breakingChanges(branch, n[i], `${at}/${key}/${i}`));
    });
  }

  const oldDefs = (oldSchema.$defs as Record<string, unknown> | undefined) ?? {};
  const newDefs = (newSchema.$defs as Record<string, unknown> | undefined) ?? {};
  for (const [name, schema] of Object.entries(oldDefs)) {
    if (!(name in newDefs)) out.push(`${here}/$defs/${name}: definition removed (other schemas may refer to it)`);
    else out.push(...breakingChanges(schema, newDefs[name], `${at}/$defs/${name}`));
  }

  for (const key of new Set([...Object.keys(oldSchema), ...Object.keys(newSchema)])) {
    if (ANNOTATIONS.has(key) || HANDLED.has(key) || key.startsWith('x-')) continue;
    if (!same(oldSchema[key], newSchema[key])) out.push(`${here}: '${key}' changed (not provably compatible)`);
  }
  return out;
}

/**
 * The one pattern change this check can prove safe: the old pattern `^X` became `^(X|Y|…)`, an
 * alternation that still has X as a whole branch, so everything X matched still matches.
 */
export function patternWidens(oldPattern: string, newPattern: string): boolean {
  if (!oldPattern.startsWith('^') || !newPattern.startsWith('^(') || !newPattern.endsWith(')')) return false;
  const body = newPattern.slice(2, -1);
  const branches: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '(') depth++;
    else if (c === ')' && --depth < 0) return false;
    else if (c === '|' && depth === 0) {
      branches.push(body.slice(start, i));
      start = i + 1;
    }
  }
  if (depth !== 0) return false;
  branches.push(body.slice(start));
  return branches.includes(oldPattern.slice(1));
}
