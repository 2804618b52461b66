/**
 * docs/EVENTS.md, generated from schemas/events: every event type with who may publish it, what
 * it means and its fields. `npm run docs:events` writes it; a unit test fails when it is stale.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SCHEMA_ROOT, eventTypeOfFile, listSchemaFiles } from './schema-files';

interface Schema {
  title?: string;
  description?: string;
  required?: string[];
  properties?: Record<string, { description?: string }>;
  'x-ketenhub-publishers'?: string[];
}

export const EVENTS_DOC = path.resolve(SCHEMA_ROOT, '..', 'docs', 'EVENTS.md');

export function renderEventDocs(): string {
  const lines = [
    '# Event types',
    '',
    'Generated from `schemas/events` by `npm run docs:events`; do not edit by hand. Every event is a CloudEvents 1.0',
    'event in structured mode (see [MESSAGES.md](MESSAGES.md)); `data` is closed: fields not listed are refused.',
    'Fields in **bold** are required. Location data (withheld while a family has a confidential address) is marked 📍.',
    '',
  ];
  let domain = '';
  for (const file of listSchemaFiles(path.join(SCHEMA_ROOT, 'events'))) {
    const type = eventTypeOfFile(file);
    if (!type) continue;
    const schema = JSON.parse(fs.readFileSync(file, 'utf8')) as Schema;
    const thisDomain = type.split('.')[2];
    if (thisDomain !== domain) {
      domain = thisDomain;
      lines.push(`## ${domain}`, '');
    }
    const required = new Set(schema.required ?? []);
    const fields = Object.entries(schema.properties ?? {}).map(([name, p]) => {
      const label = required.has(name) ? `**${name}**` : name;
      return (p as Record<string, unknown>)['x-ketenhub-locatie'] === true ? `${label} 📍` : label;
    });
    lines.push(`### \`${type}\``, '', schema.description ?? '', '');
    lines.push(`- published by: ${(schema['x-ketenhub-publishers'] ?? []).join(', ') || '(nobody)'}`);
    lines.push(`- fields: ${fields.join(', ')}`);
    lines.push(`- schema: [${path.relative(path.dirname(EVENTS_DOC), file)}](${path.relative(path.dirname(EVENTS_DOC), file)})`, '');
  }
  return lines.join('\n');
}

if (require.main === module) {
  fs.writeFileSync(EVENTS_DOC, renderEventDocs());
  process.stdout.write(`wrote ${path.relative(process.cwd(), EVENTS_DOC)}\n`);
}
