/**
 * docs/EVENTS.md, generated from schemas/events: every event type with who may publish it, what
 * it means and its fields. `npm run docs:events` writes it; a unit test fails when it is stale.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { freeTextLabel, freeTextPaths } from '../libs/contracts/src/free-text';
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
    'Free text (fields of the common `VrijeTekst`, listed per type): on the way in the hub replaces every number in it that',
    'passes the BSN elfproef by `[bsn]`, also when typed in groups (`1234 56 782`, `123.456.782`), so a BSN typed into text',
    'is neither stored nor forwarded. A nine-digit number that fails the elfproef, a longer number (a phone number) and a',
    'UUID stay as typed. Name a person in a person field (`{ "bsn": … }`), never in text.',
    '',
  ];
  const defs = (JSON.parse(fs.readFileSync(path.join(SCHEMA_ROOT, 'common', 'defs.v1.schema.json'), 'utf8')) as { $defs?: Record<string, Record<string, unknown>> }).$defs ?? {};
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
    const freeText = freeTextPaths(schema as Record<string, unknown>, defs).map(freeTextLabel);
    if (freeText.length > 0) lines.push(`- free text, BSNs masked: ${freeText.join(', ')}`);
    lines.push(`- schema: [${path.relative(path.dirname(EVENTS_DOC), file)}](${path.relative(path.dirname(EVENTS_DOC), file)})`, '');
  }
  return lines.join('\n');
}

if (require.main === module) {
  fs.writeFileSync(EVENTS_DOC, renderEventDocs());
  process.stdout.write(`wrote ${path.relative(process.cwd(), EVENTS_DOC)}\n`);
}
