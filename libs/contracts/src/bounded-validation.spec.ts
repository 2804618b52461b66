import { Contracts, FULL_CHECK_MAX_VALUES, hasMoreValuesThan } from './contracts';
import { decodeCloudEvent } from './decode';
import { capErrors, MAX_ERROR_TEXT_LENGTH, MAX_LISTED_ERRORS, MAX_POINTER_LENGTH } from './schema-error';

const contracts = Contracts.load();
const MELDING = 'nl.ketenhub.veiligthuis.melding-ontvangen.v1';
const source = 'urn:ketenhub:partner:veilig-thuis-flevoland';
const envelope = (data: unknown, extra: Record<string, unknown> = {}) => ({
  specversion: '1.0', id: 'amp-1', source, type: MELDING, time: '2026-11-23T09:00:00Z', data, ...extra,
});
const decode = (value: unknown, maxBytes = 1024 * 1024) => decodeCloudEvent(Buffer.from(JSON.stringify(value)), contracts, { maxBytes, expectedSource: source });

/** Milliseconds one call takes. */
function timed<T>(work: () => T): { result: T; ms: number } {
  const started = process.hrtime.bigint();
  const result = work();
  return { result, ms: Number(process.hrtime.bigint() - started) / 1e6 };
}

describe('bounded validation of partner input', () => {
  it('the 60,000-number kinderen of the issue: refused at once with its first error and a note, not 180,003 errors in 33 s', () => {
    const { result, ms } = timed(() => contracts.checkData(MELDING, { kinderen: Array.from({ length: 60_000 }, (_, i) => i), melder: {} }));
    expect(result.complete).toBe(false);
    expect(result.errors).toEqual([
      expect.objectContaining({ pointer: '/data/kinderen', keyword: 'maxItems' }),
      expect.objectContaining({ pointer: '', keyword: 'ketenhub-max-errors' }),
    ]);
    expect(JSON.stringify(result).length).toBeLessThan(1_000);
    expect(ms).toBeLessThan(1_000);
  });

  it('a small message with many errors lists the first twenty and counts the rest', () => {
    const kinderen = Array.from({ length: 300 }, (_, i) => i);
    const result = contracts.checkData(MELDING, { kinderen, melder: {} });
    expect(result.complete).toBe(true);
    expect(result.errors).toHaveLength(MAX_LISTED_ERRORS);
    // 300 numbers: type, type and oneOf each, maxItems once, and what melder lacks.
    const all = result.errors.length + result.omitted;
    expect(all).toBeGreaterThan(900);
    expect(result.errors[0]).toMatchObject({ pointer: '/data/kinderen', keyword: 'maxItems' });
  });

  it('lists every error of a message with few (nothing is cut that need not be)', () => {
    const result = contracts.checkData(MELDING, { kinderen: [1], melder: {} });
    expect(result.omitted).toBe(0);
    expect(result.complete).toBe(true);
    expect(result.errors.length).toBeGreaterThanOrEqual(3);
    expect(result.errors.length).toBeLessThan(MAX_LISTED_ERRORS);
  });

  it('a valid message costs only the first-error pass and has no errors', () => {
    const [example] = contracts.examplesOf(MELDING);
    expect(contracts.checkData(MELDING, example)).toEqual({ errors: [], omitted: 0, complete: true });
  });

  it('many unknown properties: bounded list, and a 100,000-character property name is not echoed whole', () => {
    const many = Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`x${i}`, i]));
    const { result, ms } = timed(() => decode(envelope({ kinderen: [{ bsn: '111222333' }], melder: {}, ...many })));
    expect(result).toMatchObject({ ok: false, reason: 'SCHEMAFOUT', complete: false });
    expect(ms).toBeLessThan(2_000);
    const long = 'k'.repeat(100_000);
    const named = decode(envelope({}, { [long]: 1 }));
    expect(named.ok).toBe(false);
    const text = JSON.stringify(named);
    expect(text.length).toBeLessThan(5_000);
    expect(text).not.toContain('k'.repeat(MAX_POINTER_LENGTH + 1));
    if (!named.ok) for (const e of named.errors) expect(e.pointer.length).toBeLessThanOrEqual(MAX_POINTER_LENGTH);
  });

  it('long arrays of the wrong type anywhere in the envelope stay bounded (an envelope of 100,000 values)', () => {
    const { result, ms } = timed(() => decode({ specversion: Array.from({ length: 100_000 }, () => 'x'), id: [], data: 1 }));
    expect(result).toMatchObject({ ok: false, reason: 'ONGELDIGE_ENVELOP' });
    if (!result.ok) expect(result.errors.length).toBeLessThanOrEqual(MAX_LISTED_ERRORS);
    expect(ms).toBeLessThan(2_000);
  });

  it('deep but valid JSON nesting (10,000 levels) is refused by its first error, without recursion', () => {
    const deep = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    const bytes = Buffer.from(JSON.stringify(envelope({ kinderen: [{ bsn: '111222333' }], melder: {} })).replace('"melder":{}', `"melder":{},"diep":${deep}`));
    const result = decodeCloudEvent(bytes, contracts, { maxBytes: 1024 * 1024, expectedSource: source });
    expect(result).toMatchObject({ ok: false, reason: 'SCHEMAFOUT' });
    if (!result.ok) expect(result.errors.length).toBeLessThanOrEqual(MAX_LISTED_ERRORS);
  });

  it('every refusal of the decoder has at most twenty errors of bounded length, with a count of the rest', () => {
    for (const bad of [null, Buffer.from('{'), Buffer.from([0xff])]) {
      const result = decodeCloudEvent(bad, contracts, { maxBytes: 1024, expectedSource: source });
      expect(result).toMatchObject({ ok: false, omitted: 0, complete: true });
    }
  });

  it('capErrors cuts the list and each text, never through a surrogate pair', () => {
    const errors = Array.from({ length: 25 }, (_, i) => ({ pointer: `/${'😀'.repeat(400)}`, keyword: 'type', message: `m${i}${'x'.repeat(1000)}` }));
    const capped = capErrors(errors);
    expect(capped.errors).toHaveLength(MAX_LISTED_ERRORS);
    expect(capped.omitted).toBe(5);
    for (const e of capped.errors) {
      expect(e.pointer.length).toBeLessThanOrEqual(MAX_POINTER_LENGTH);
      expect(e.message.length).toBeLessThanOrEqual(MAX_ERROR_TEXT_LENGTH);
      expect(e.pointer.endsWith('…')).toBe(true);
      expect(e.pointer).not.toMatch(/[\uD800-\uDBFF]…$/);
    }
  });

  it('hasMoreValuesThan counts every value and stops once past the limit', () => {
    expect(hasMoreValuesThan({ a: [1, 2, { b: 'c' }] }, 6)).toBe(false);
    expect(hasMoreValuesThan({ a: [1, 2, { b: 'c' }] }, 5)).toBe(true);
    expect(hasMoreValuesThan(Array.from({ length: FULL_CHECK_MAX_VALUES }), FULL_CHECK_MAX_VALUES)).toBe(true);
    expect(hasMoreValuesThan(Array.from({ length: FULL_CHECK_MAX_VALUES - 1 }), FULL_CHECK_MAX_VALUES)).toBe(false);
  });
});
