import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '@ketenhub/config';
import { findBsnLike } from '@ketenhub/domain';
import { Contracts } from './contracts';

const contracts = Contracts.load();
const types = contracts.eventTypes();
const hubTypes = types.filter((type) => contracts.publishersOf(type).includes('HUB'));

/**
 * Every event schema carries an example of its `data` (JSON Schema `examples`): it documents the
 * type in EVENTS.md's schemas and the AsyncAPI document, so it has to stay valid as schemas evolve.
 */
describe('schema examples', () => {
  it('knows every event type under schemas/events', () => {
    expect(types.length).toBeGreaterThan(40);
  });

  it.each(types)('%s has at least one example', (type) => {
    expect(contracts.examplesOf(type).length).toBeGreaterThan(0);
  });

  it.each(types)('every example of %s validates against its schema', (type) => {
    for (const example of contracts.examplesOf(type)) expect(contracts.validateData(type, example)).toEqual([]);
  });

  it.each(hubTypes)('%s names people only by persoonId: the hub never sends a BSN', (type) => {
    const text = JSON.stringify(contracts.examplesOf(type));
    expect(findBsnLike(text)).toEqual([]);
    expect(text).not.toContain('"bsn"');
  });

  it('uses only BSNs from the fictitious test range 99999xxxx', () => {
    const bsns = types.flatMap((type) => findBsnLike(JSON.stringify(contracts.examplesOf(type))));
    expect(bsns.length).toBeGreaterThan(0);
    expect(bsns.filter((bsn) => !bsn.startsWith('99999'))).toEqual([]);
  });

  it('has no examples for a type it does not know', () => {
    expect(contracts.examplesOf('nl.ketenhub.toegang.bestaat-niet.v1')).toEqual([]);
  });

  it('names only partners and municipalities that schemas/examples.json lists (so each region\'s documents can show its own)', () => {
    const listed = new Set([...contracts.exampleParties.partners.map((p) => p.id), ...contracts.exampleParties.municipalities.map((m) => m.code)]);
    const named: string[] = [];
    const collect = (value: unknown, key: string): void => {
      if (typeof value === 'string' && (PARTY_FIELDS.has(key) || /^GM[0-9]{4}$/.test(value))) named.push(value);
      else if (Array.isArray(value)) value.forEach((v) => collect(v, key));
      else if (value !== null && typeof value === 'object') Object.entries(value).forEach(([k, v]) => collect(v, k));
    };
    for (const type of types) collect(contracts.examplesOf(type), '');
    expect(named.length).toBeGreaterThan(10);
    expect([...new Set(named)].filter((x) => !listed.has(x))).toEqual([]);
  });

  it('refuses a schemas/examples.json of the wrong shape, naming the file and the field', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ketenhub-schemas-'));
    try {
      fs.cpSync(path.join(repoRoot(), 'schemas'), root, { recursive: true });
      fs.writeFileSync(path.join(root, 'examples.json'), JSON.stringify({ partners: [{ id: 'toegang-almere', name: 'Jeugdgezondheidszorg Almere' }], municipalities: [] }));
      expect(() => Contracts.load(root)).toThrow(`${path.join(root, 'examples.json')}: /partners/0/role must have required property 'role'`);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

/** The fields of event data that hold a partner id. */
const PARTY_FIELDS = new Set(['aanbieder', 'gi', 'aan', 'organisatie', 'partnerId', 'bron', 'van']);
