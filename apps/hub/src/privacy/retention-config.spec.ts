import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Contracts } from '@ketenhub/contracts';
import { repoRoot } from '@ketenhub/config';
import { loadRetentionConfig, parsePeriod, RETENTION_CATEGORIES, RetentionConfigError } from './retention-config';

const contracts = Contracts.load();
const shippedFile = path.join(repoRoot(), 'config', 'retention.yaml');
const shippedText = fs.readFileSync(shippedFile, 'utf8');

function brokenCopy(edit: (text: string) => string): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'retention-')), 'retention.yaml');
  const text = edit(shippedText);
  if (text === shippedText) throw new Error('the edit changed nothing: the test would prove nothing');
  fs.writeFileSync(file, text);
  return file;
}

function problemsOf(file: string): string {
  try {
    loadRetentionConfig(file, contracts);
  } catch (error) {
    if (error instanceof RetentionConfigError) return error.message;
    throw error;
  }
  throw new Error('expected the retention configuration to be refused');
}

const lineOf = (needle: string): number => shippedText.split('\n').findIndex((l) => l.includes(needle)) + 1;

describe('parsePeriod', () => {
  it.each([
    ['P20Y', { years: 20, months: 0, weeks: 0, days: 0 }],
    ['P90D', { years: 0, months: 0, weeks: 0, days: 90 }],
    ['P6M', { years: 0, months: 6, weeks: 0, days: 0 }],
    ['P2W', { years: 0, months: 0, weeks: 2, days: 0 }],
    ['P1Y6M2W3D', { years: 1, months: 6, weeks: 2, days: 3 }],
  ])('reads %s as calendar parts', (text, parts) => {
    expect(parsePeriod(text)).toEqual({ iso: text, ...parts });
  });

  it.each([
    ['20 jaar', 'is not an ISO 8601 period'],
    ['P', 'is not an ISO 8601 period'],
    ['P20', 'is not an ISO 8601 period'],
    ['P6M1Y', 'is not an ISO 8601 period'],
    ['PT12H', 'is not an ISO 8601 period'],
    ['p20y', 'is not an ISO 8601 period'],
    ['P0D', 'a period of zero'],
    ['P0Y0M', 'a period of zero'],
    ['P20000Y', 'too long'],
  ])('refuses %s', (text, expected) => {
    expect(() => parsePeriod(text)).toThrow(expected);
  });
});

describe('config/retention.yaml', () => {
  it('loads the shipped file: twenty years for a family record (Jeugdwet 7.3.8), thirty days for sent messages, a year for rejections', () => {
    const config = loadRetentionConfig(shippedFile, contracts);
    expect(config.rules.map((r) => [r.category, r.period.iso])).toEqual([['gezinsdossier', 'P20Y'], ['verzonden-berichten', 'P30D'], ['afwijzingen', 'P1Y']]);
    expect(config.rules.map((r) => r.category)).toEqual([...RETENTION_CATEGORIES]);
    expect(config.rules.every((r) => r.description.length > 0)).toBe(true);
    expect(config.version).toMatch(/^[0-9a-f]{12}$/);
  });

  it('names the file, the line and the path of a period that is no ISO 8601 duration', () => {
    const message = problemsOf(brokenCopy((t) => t.replace('period: P30D', 'period: 30 dagen')));
    expect(message).toContain('retention.yaml is not a valid retention configuration');
    expect(message).toContain(`line ${lineOf('period: P30D')}, /categories/verzonden-berichten/period: '30 dagen' is not an ISO 8601 period`);
  });

  it('names the line and path of a zero period (valid ISO, but it would remove everything at once)', () => {
    const message = problemsOf(brokenCopy((t) => t.replace('period: P20Y', 'period: P0Y')));
    expect(message).toContain(`line ${lineOf('period: P20Y')}, /categories/gezinsdossier/period: 'P0Y' is a period of zero`);
  });

  it('refuses an unknown category and says where it is', () => {
    const message = problemsOf(brokenCopy((t) => `${t}  logboek:\n    period: P1Y\n    description: alles\n`));
    // The key lands on the old file's last (empty) line; the problem is reported at its value, the line after.
    const line = shippedText.split('\n').length + 1;
    expect(message).toContain(`line ${line}, /categories/logboek: must NOT have additional properties (additionalProperties)`);
  });

  it('refuses a file that leaves a category out: no data is kept forever by omission', () => {
    const message = problemsOf(brokenCopy((t) => t.replace(/ {2}afwijzingen:[\s\S]*$/, '')));
    expect(message).toContain("/categories/afwijzingen: must have required property 'afwijzingen' (required)");
  });

  it('refuses a category without its one-line description', () => {
    const message = problemsOf(brokenCopy((t) => t.replace(/ {4}description: registraties[^\n]*\n/, '')));
    expect(message).toContain("/categories/afwijzingen/description: must have required property 'description'");
  });

  it('names the line of broken YAML, as a retention error', () => {
    const message = problemsOf(brokenCopy((t) => t.replace('categories:', 'categories: [oops')));
    expect(message).toContain('is not a valid retention configuration');
    expect(message).toMatch(/line [0-9]+/);
  });

  it('says so when the file is missing', () => {
    expect(problemsOf(path.join(os.tmpdir(), 'bestaat-niet', 'retention.yaml'))).toContain('file not found');
  });
});
