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
});
