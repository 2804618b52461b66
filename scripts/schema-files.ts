/** Where the schemas live and how an event schema's file maps to its CloudEvents type. */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const SCHEMA_ROOT = path.resolve(__dirname, '..', ...(path.basename(path.resolve(__dirname, '..')) === 'dist' ? ['..'] : []), 'schemas');

export function listSchemaFiles(dir = SCHEMA_ROOT): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listSchemaFiles(full));
    else if (entry.name.endsWith('.schema.json')) out.push(full);
  }
  return out.sort();
}

/** schemas/events/toegang/hulpvraag-geregistreerd.v1.schema.json → nl.ketenhub.toegang.hulpvraag-geregistreerd.v1 */
export function eventTypeOfFile(file: string): string | undefined {
  const rel = path.relative(path.join(SCHEMA_ROOT, 'events'), file);
  const match = /^([a-z0-9-]+)\/([a-z0-9-]+)\.v([1-9][0-9]*)\.schema\.json$/.exec(rel.split(path.sep).join('/'));
  return match ? `nl.ketenhub.${match[1]}.${match[2]}.v${match[3]}` : undefined;
}
