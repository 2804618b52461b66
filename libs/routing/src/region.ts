import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LineCounter, parseDocument, isNode } from 'yaml';
import type { Contracts, RegionConfigV1 } from '@ketenhub/contracts';
import { DEFAULT_LOCAL_CHOICES, DEFAULT_RULE_SETTINGS, type LocalChoices, type RegieTable, type RuleSettings } from '@ketenhub/domain';
import { repoRoot } from '@ketenhub/config';

export type RegionConfig = RegionConfigV1;
export type Partner = RegionConfig['partners'][number];
export type Route = RegionConfig['routes'][number];

export interface Region {
  config: RegionConfig;
  /** Content hash of region.yaml: recorded with every decision and disclosure. */
  version: string;
  file: string;
  /** The region.yaml text this region was read from. */
  text: string;
  partner(id: string): Partner | undefined;
  regieTable: RegieTable;
  ruleSettings: RuleSettings;
  localChoices(municipality: string | null): LocalChoices;
}

export class RegionConfigError extends Error {
  constructor(readonly file: string, readonly problems: string[]) {
    super(`${file} is not a valid region configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'RegionConfigError';
  }
}

const REGION_SCHEMA = 'https://schemas.ketenhub.nl/config/region.v1.schema.json';
const TABLE_SCHEMA = 'https://schemas.ketenhub.nl/config/regie-table.v1.schema.json';

/** Reads config/regie/<name>.yaml and checks it against its schema. */
export function loadRegieTable(name: string, contracts: Contracts): RegieTable {
  const file = path.join(repoRoot(), 'config', 'regie', `${name}.yaml`);
  if (!fs.existsSync(file)) throw new RegionConfigError(file, [`no regie table '${name}' (expected ${file})`]);
  const { value, where } = readYaml(file);
  const errors = contracts.validateAgainst(TABLE_SCHEMA, value);
  if (errors.length > 0) throw new RegionConfigError(file, errors.map((e) => `${where(e.pointer)}: ${e.message} (${e.keyword})`));
  const table = value as RegieTable;
  const ids = new Set<string>();
  const problems: string[] = [];
  table.rows.forEach((row, i) => {
    if (ids.has(row.id)) problems.push(`${where(`/rows/${i}/id`)}: row id '${row.id}' is used twice`);
    ids.add(row.id);
  });
  if (problems.length > 0) throw new RegionConfigError(file, problems);
  return table;
}

function readYaml(file: string): { value: unknown; where: (pointer: string) => string } {
  return readYamlText(fs.readFileSync(file, 'utf8'), file);
}

/** Parses YAML and gives a function that turns a JSON pointer into "line N, /pointer" for error messages. */
export function readYamlText(text: string, file: string): { value: unknown; where: (pointer: string) => string } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new RegionConfigError(file, doc.errors.map((e) => `line ${e.linePos?.[0].line ?? '?'}: ${e.message.split('\n')[0]}`));
  }
  const where = (pointer: string): string => {
    const segments = pointer.split('/').slice(1).map((s) => (/^[0-9]+$/.test(s) ? Number(s) : s.replace(/~1/g, '/').replace(/~0/g, '~')));
    for (let n = segments.length; n >= 0; n--) {
      const node = doc.getIn(segments.slice(0, n), true);
      if (isNode(node) && node.range) return `line ${lineCounter.linePos(node.range[0]).line}, ${pointer || '/'}`;
    }
    return pointer || '/';
  };
  return { value: toValue(doc, file), where };
}

/** At most this many alias expansions per document: a region file needs a handful, an alias bomb millions. */
export const MAX_YAML_ALIASES = 100;

function toValue(doc: ReturnType<typeof parseDocument>, file: string): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (error) {
    // yaml throws a ReferenceError when aliases expand beyond maxAliasCount (a "billion laughs" document).
    if (error instanceof ReferenceError && /^Excessive alias count/.test(error.message)) {
      throw new RegionConfigError(file, [`the YAML's aliases (*name) expand to more than ${MAX_YAML_ALIASES} copies, as an alias bomb does: write the values out, or use fewer aliases`]);
    }
    if (error instanceof ReferenceError && /alias/i.test(error.message)) throw new RegionConfigError(file, [error.message]);
    throw error;
  }
}

/** Reads <dir>/region.yaml, checks it against its schema and its cross-references, and names every problem by file, line and path. */
export function loadRegion(dir: string, contracts: Contracts): Region {
  const file = path.join(dir, 'region.yaml');
  if (!fs.existsSync(file)) throw new RegionConfigError(file, ['file not found']);
  return parseRegion(fs.readFileSync(file, 'utf8'), file, contracts);
}

/**
 * A region from the text of its region.yaml (`file` only names it in errors). The regie table
 * comes from config/regie/ by the name the region gives, unless the caller passes the table
 * that was stored with an earlier version.
 */
export function parseRegion(text: string, file: string, contracts: Contracts, storedTable?: RegieTable): Region {
  const { value, where } = readYamlText(text, file);
  const schemaErrors = contracts.validateAgainst(REGION_SCHEMA, value);
  if (schemaErrors.length > 0) {
    throw new RegionConfigError(file, schemaErrors.map((e) => `${where(e.pointer)}: ${e.message} (${e.keyword})`));
  }
  const config = value as RegionConfig;
  const problems = crossCheck(config, contracts).map(([pointer, message]) => `${where(pointer)}: ${message}`);
  if (problems.length > 0) throw new RegionConfigError(file, problems);
  const partners = new Map(config.partners.map((p) => [p.id, p]));
  const regieTable = storedTable ?? loadRegieTable(config.regieTabel ?? 'standaard', contracts);
  const municipalities = new Map(config.municipalities.map((m) => [m.code, m]));
  return {
    config,
    file,
    text,
    // The table is part of what decides: its content counts in the version too.
    version: createHash('sha256').update(text).update(JSON.stringify(regieTable)).digest('hex').slice(0, 12),
    partner: (id) => partners.get(id),
    regieTable,
    ruleSettings: { ...DEFAULT_RULE_SETTINGS, ...config.regels },
    localChoices: (code) => ({ ...DEFAULT_LOCAL_CHOICES, ...(code ? municipalities.get(code)?.lokaleKeuzes : undefined) }),
  };
}

/** What is stored for a configuration version: enough to rebuild exactly the region that decided. */
export interface RegionContent {
  regionYaml: string;
  regieTable: RegieTable;
}

export function regionContent(region: Region): RegionContent {
  return { regionYaml: region.text, regieTable: region.regieTable };
}

export function regionFromContent(content: RegionContent, label: string, contracts: Contracts): Region {
  return parseRegion(content.regionYaml, label, contracts, content.regieTable);
}

function crossCheck(config: RegionConfig, contracts: Contracts): Array<[string, string]> {
  const problems: Array<[string, string]> = [];
  const partnerIds = new Set<string>();
  config.partners.forEach((partner, i) => {
    if (partnerIds.has(partner.id)) problems.push([`/partners/${i}/id`, `partner id '${partner.id}' is used twice`]);
    partnerIds.add(partner.id);
  });
  const codes = new Set(config.municipalities.map((m) => m.code));
  config.municipalities.forEach((m, i) => {
    const access = config.partners.find((p) => p.id === m.localAccess);
    if (!access) problems.push([`/municipalities/${i}/localAccess`, `no partner with id '${m.localAccess}'`]);
    else if (access.role !== 'LOKALE_TOEGANG' && access.role !== 'GEMEENTE') {
      problems.push([`/municipalities/${i}/localAccess`, `partner '${m.localAccess}' has role ${access.role}; local access must be LOKALE_TOEGANG or GEMEENTE`]);
    }
  });
  config.partners.forEach((partner, i) => {
    (partner.municipalities ?? []).forEach((code, j) => {
      if (!codes.has(code)) problems.push([`/partners/${i}/municipalities/${j}`, `municipality ${code} is not in this region`]);
    });
  });
  const bases = new Set(config.legalBases.map((b) => b.code));
  const routeIds = new Set<string>();
  config.routes.forEach((route, i) => {
    if (routeIds.has(route.id)) problems.push([`/routes/${i}/id`, `route id '${route.id}' is used twice`]);
    routeIds.add(route.id);
    if (!bases.has(route.legalBasis)) problems.push([`/routes/${i}/legalBasis`, `legal basis '${route.legalBasis}' is not declared under legalBases`]);
    route.events.forEach((type, j) => {
      if (!contracts.knows(type)) problems.push([`/routes/${i}/events/${j}`, `unknown event type '${type}'`]);
    });
    if (route.fields && route.pointerOnly) problems.push([`/routes/${i}/pointerOnly`, 'a route sends either chosen fields or a pointer-only notice, not both']);
    if (route.fields) {
      for (const type of route.events.filter((t) => contracts.knows(t))) {
        const { all, required } = contracts.dataFieldsOf(type);
        route.fields.forEach((field, k) => {
          if (!all.includes(field)) problems.push([`/routes/${i}/fields/${k}`, `'${field}' is not a field of ${type} (its fields: ${all.join(', ')})`]);
        });
        const missing = required.filter((f) => !route.fields?.includes(f));
        if (missing.length > 0) problems.push([`/routes/${i}/fields`, `a minimised ${type} must keep its required fields to stay valid: add ${missing.join(', ')}, or use pointerOnly`]);
      }
    }
  });
  return problems;
}

/** The hub's system id in audit records (NEN 7513 "system"): one per region it serves. */
export function systemIdOf(region: Region): string {
  return `ketenhub/${region.config.region}`;
}
