/**
 * Where an event's `data` holds free text: every string whose schema is the common VrijeTekst
 * definition. A path is the property names from `data` down, with '*' for any item of an array
 * (['veiligheidsdoelen', '*', 'doel']). The hub masks BSNs typed into these (maskFreeText in
 * @ketenhub/privacy); docs/EVENTS.md lists them.
 */
export type FreeTextPath = readonly string[];

const FREE_TEXT_REF = /#\/\$defs\/VrijeTekst$/;
const DEFS_REF = /common\/defs\.v1\.schema\.json#\/\$defs\/([A-Za-z0-9]+)$/;

type SchemaNode = Record<string, unknown>;

/**
 * The free-text paths of an event schema. `defs` are the common definitions, so a reference to
 * one that itself holds free text is followed (each at most once per path, so a recursive
 * definition cannot loop).
 */
export function freeTextPaths(schema: SchemaNode, defs: Record<string, SchemaNode> = {}): FreeTextPath[] {
  const found: string[][] = [];
  const walk = (node: unknown, at: string[], followed: ReadonlySet<string>): void => {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return;
    const n = node as SchemaNode;
    if (typeof n.$ref === 'string') {
      if (FREE_TEXT_REF.test(n.$ref)) {
        found.push(at);
        return;
      }
      const name = DEFS_REF.exec(n.$ref)?.[1];
      if (name !== undefined && defs[name] && !followed.has(name)) walk(defs[name], at, new Set([...followed, name]));
    }
    if (typeof n.properties === 'object' && n.properties !== null) {
      for (const [key, value] of Object.entries(n.properties as SchemaNode)) walk(value, [...at, key], followed);
    }
    if (n.items !== undefined) walk(n.items, [...at, '*'], followed);
    for (const keyword of ['oneOf', 'anyOf', 'allOf']) {
      if (Array.isArray(n[keyword])) for (const branch of n[keyword] as unknown[]) walk(branch, at, followed);
    }
  };
  walk(schema, [], new Set());
  const unique = new Map(found.map((p) => [p.join('\u0000'), p]));
  return [...unique.values()];
}

/** A path as docs show it: veiligheidsdoelen[].doel. */
export function freeTextLabel(path: FreeTextPath): string {
  return path.reduce((out, part) => (part === '*' ? `${out}[]` : out === '' ? part : `${out}.${part}`), '');
}
