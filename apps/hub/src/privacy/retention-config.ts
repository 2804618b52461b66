import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import type { Contracts, RetentionConfigV1 } from '@ketenhub/contracts';
import type { RetentionInterval } from '@ketenhub/persistence';
import { readYamlText, RegionConfigError } from '@ketenhub/routing';

/** The categories the retention job knows; the schema requires a period for each, so none is kept forever by omission. */
export const RETENTION_CATEGORIES = ['gezinsdossier', 'verzonden-berichten', 'afwijzingen'] as const;
export type RetentionCategory = (typeof RETENTION_CATEGORIES)[number];

/** An ISO 8601 period, kept as calendar parts so "P1Y" is a year in PostgreSQL's calendar, not 365 days. */
export interface RetentionPeriod extends RetentionInterval {
  iso: string;
}

export interface RetentionRule {
  category: RetentionCategory;
  period: RetentionPeriod;
  description: string;
}

export interface RetentionConfig {
  file: string;
  /** Content hash of the file: recorded with every removal, as region.version is with every disclosure. */
  version: string;
  /** In the order of RETENTION_CATEGORIES. */
  rules: RetentionRule[];
}

export class RetentionConfigError extends Error {
  constructor(readonly file: string, readonly problems: string[]) {
    super(`${file} is not a valid retention configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'RetentionConfigError';
  }
}

export const RETENTION_SCHEMA = 'https://schemas.ketenhub.nl/config/retention.v1.schema.json';

// The same subset as the schema's pattern: years, months, weeks, days, in that order. Time parts
// (PT…) are left out on purpose: no bewaartermijn is counted in hours.
const PERIOD = /^P(?=[0-9])(?:([0-9]+)Y)?(?:([0-9]+)M)?(?:([0-9]+)W)?(?:([0-9]+)D)?$/;
const MAX_PART = 10_000;

/** Parses P<n>Y, P<n>M, P<n>W, P<n>D and their combinations (P1Y6M); throws with a sentence an information manager can act on. */
export function parsePeriod(text: string): RetentionPeriod {
  const match = PERIOD.exec(text);
  if (!match) {
    throw new Error(`'${text}' is not an ISO 8601 period: write P<n>Y, P<n>M, P<n>W or P<n>D, combined in that order (e.g. P20Y, P1Y6M, P90D)`);
  }
  const [years, months, weeks, days] = match.slice(1).map((part) => (part === undefined ? 0 : Number(part)));
  if ([years, months, weeks, days].some((n) => n > MAX_PART)) throw new Error(`'${text}' is too long a period (at most ${MAX_PART} of each unit)`);
  // A zero period would remove data the moment it is written: certainly a typo, never a bewaartermijn.
  if (years + months + weeks + days === 0) throw new Error(`'${text}' is a period of zero: it would remove data as soon as it is written`);
  return { iso: text, years, months, weeks, days };
}

/** Reads config/retention.yaml (or the file RETENTION_FILE names) and names every problem by file, line and JSON path. */
export function loadRetentionConfig(file: string, contracts: Contracts): RetentionConfig {
  if (!fs.existsSync(file)) throw new RetentionConfigError(file, ['file not found']);
  const text = fs.readFileSync(file, 'utf8');
  const { value, where } = readYaml(text, file);
  const schemaProblems = contracts.validateAgainst(RETENTION_SCHEMA, value).map((e) => {
    // The pattern's own message is a regular expression; the parser says the same in words.
    const period = e.keyword === 'pattern' ? periodAt(value, e.pointer) : undefined;
    return `${where(e.pointer)}: ${period !== undefined ? periodProblem(period) : `${e.message} (${e.keyword})`}`;
  });
  if (schemaProblems.length > 0) throw new RetentionConfigError(file, schemaProblems);
  const config = value as RetentionConfigV1;
  const problems: string[] = [];
  const rules = RETENTION_CATEGORIES.map((category): RetentionRule | undefined => {
    const { period, description } = config.categories[category];
    try {
      return { category, period: parsePeriod(period), description };
    } catch (error) {
      problems.push(`${where(`/categories/${category}/period`)}: ${(error as Error).message}`);
      return undefined;
    }
  });
  if (problems.length > 0) throw new RetentionConfigError(file, problems);
  return {
    file,
    version: createHash('sha256').update(text).digest('hex').slice(0, 12),
    rules: rules.filter((r): r is RetentionRule => r !== undefined),
  };
}

/** The region's YAML reader (line numbers for JSON pointers); its syntax errors are re-labelled as this file's. */
function readYaml(text: string, file: string): ReturnType<typeof readYamlText> {
  try {
    return readYamlText(text, file);
  } catch (error) {
    if (error instanceof RegionConfigError) throw new RetentionConfigError(file, error.problems);
    throw error;
  }
}

function periodAt(value: unknown, pointer: string): string | undefined {
  const match = /^\/categories\/([^/]+)\/period$/.exec(pointer);
  if (!match) return undefined;
  const categories = (value as { categories?: Record<string, { period?: unknown } | undefined> }).categories;
  const period = categories?.[match[1]]?.period;
  return typeof period === 'string' ? period : undefined;
}

function periodProblem(text: string): string {
  try {
    parsePeriod(text);
    return `'${text}' is not an accepted period`;
  } catch (error) {
    return (error as Error).message;
  }
}
