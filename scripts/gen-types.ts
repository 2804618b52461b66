/**
 * Generates TypeScript types from schemas/ into libs/contracts/src/generated/ (not committed):
 * one module per schema and an index with the typed EventMap (event type → payload).
 * Run by `npm run build`; types are never written by hand a second time.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compileFromFile } from 'json-schema-to-typescript';
import { SCHEMA_ROOT, eventTypeOfFile, listSchemaFiles } from './schema-files';

const OUT = path.resolve(SCHEMA_ROOT, '..', 'libs', 'contracts', 'src', 'generated');
const BANNER = '/* Generated from schemas/ by scripts/gen-types.ts. Do not edit: change the schema. */';

function moduleName(file: string): string {
  return path.relative(SCHEMA_ROOT, file).replace(/\.schema\.json$/, '').split(path.sep).join('.');
}

async function main(): Promise<void> {
  fs.rmSync(OUT, { recursive: true, force: true });
  fs.mkdirSync(OUT, { recursive: true });
  const index: string[] = [BANNER];
  const eventMap: string[] = [];
  const exported = new Set<string>();
  for (const file of listSchemaFiles()) {
    const schema = JSON.parse(fs.readFileSync(file, 'utf8')) as { title?: string };
    const name = moduleName(file);
    const isDefs = name.startsWith('common.');
    const ts = await compileFromFile(file, {
      cwd: path.dirname(file),
      bannerComment: BANNER,
      additionalProperties: false,
      unreachableDefinitions: isDefs,
      strictIndexSignatures: true,
      ignoreMinAndMaxItems: true,
      format: true,
    });
    fs.writeFileSync(path.join(OUT, `${name}.ts`), ts);
    // Export every named type once: a shared definition ($ref) is generated into each module that uses it.
    const names = [...ts.matchAll(/^export (?:type|interface) ([A-Za-z0-9_]+)/gm)].map((m) => m[1]).filter((n) => !exported.has(n));
    names.forEach((n) => exported.add(n));
    if (names.length > 0) index.push(`export type { ${names.join(', ')} } from './${name}';`);
    if (isDefs) continue;
    if (!schema.title) throw new Error(`${path.relative(SCHEMA_ROOT, file)}: every schema needs a title (it names the type)`);
    index.push(`import type { ${schema.title} } from './${name}';`);
    const type = eventTypeOfFile(file);
    if (type) eventMap.push(`  '${type}': ${schema.title};`);
  }
  index.push('', '/** Every event type the hub knows, with the type of its `data`. */');
  index.push('export interface EventMap {', ...eventMap, '}');
  index.push('export type EventType = keyof EventMap;', '');
  fs.writeFileSync(path.join(OUT, 'index.ts'), index.join('\n'));
  process.stdout.write(`generated ${eventMap.length} event types into ${path.relative(process.cwd(), OUT)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`gen-types: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
