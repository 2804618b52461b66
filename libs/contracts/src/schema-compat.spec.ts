import { breakingChanges, patternWidens } from './schema-compat';

const v1 = {
  type: 'object',
  additionalProperties: false,
  required: ['gemeente'],
  properties: {
    gemeente: { type: 'string', pattern: '^GM[0-9]{4}$' },
    uitkomst: { type: 'string', enum: ['WACHTLIJST', 'ONDERZOEK'] },
    toelichting: { type: 'string', maxLength: 4000 },
    kinderen: { type: 'array', minItems: 1, items: { type: 'string' } },
  },
};

const change = (edit: (s: any) => void): Record<string, unknown> => {
  const copy = JSON.parse(JSON.stringify(v1));
  edit(copy);
  return copy;
};

describe('schema backward compatibility', () => {
  it.each([
    ['an optional property is added', (s: any) => { s.properties.nieuw = { type: 'string' }; }],
    ['an enum value is added', (s: any) => { s.properties.uitkomst.enum.push('GEEN_VERVOLG'); }],
    ['a limit is relaxed', (s: any) => { s.properties.toelichting.maxLength = 8000; s.properties.kinderen.minItems = 0; }],
    ['a field stops being required', (s: any) => { s.required = []; }],
    ['only descriptions change', (s: any) => { s.description = 'beter uitgelegd'; s.properties.gemeente.description = 'CBS-code'; }],
  ])('allows a compatible change: %s', (_name, edit) => {
    expect(breakingChanges(v1, change(edit))).toEqual([]);
  });

  it.each([
    ['a field becomes required', (s: any) => { s.required.push('uitkomst'); }, "/: 'uitkomst' became required"],
    ['a property is removed from a closed object', (s: any) => { delete s.properties.toelichting; }, '//properties/toelichting: property removed'],
    ['an enum value is removed', (s: any) => { s.properties.uitkomst.enum = ['ONDERZOEK']; }, '/properties/uitkomst: enum no longer allows "WACHTLIJST"'],
    ['a type changes', (s: any) => { s.properties.gemeente.type = 'integer'; }, '/properties/gemeente: type narrowed'],
    ['a limit is tightened', (s: any) => { s.properties.toelichting.maxLength = 100; }, '/properties/toelichting: maxLength lowered from 4000 to 100'],
    ['a pattern changes', (s: any) => { s.properties.gemeente.pattern = '^GM[0-9]{5}$'; }, '/properties/gemeente: pattern changed'],
    ['an array item type changes', (s: any) => { s.properties.kinderen.items = { type: 'integer' }; }, '/properties/kinderen/items: type narrowed'],
    ['an unknown keyword is added', (s: any) => { s.properties.gemeente.multipleOf = 2; }, "'multipleOf' changed"],
  ])('reports a breaking change: %s', (_name, edit, expected) => {
    const problems = breakingChanges(v1, change(edit));
    expect(problems.join('\n')).toContain(expected);
  });
});

describe('patternWidens', () => {
  it('accepts an old anchored pattern kept whole as one branch of a new alternation', () => {
    expect(patternWidens('^https://', '^(https://|http://(localhost|127\\.0\\.0\\.1)(:[0-9]+)?/)')).toBe(true);
    expect(breakingChanges({ type: 'string', pattern: '^https://' }, { type: 'string', pattern: '^(https://|http://localhost/)' })).toEqual([]);
  });

  it('refuses anything it cannot prove wider', () => {
    expect(patternWidens('^https://', '^(https://x|http://)')).toBe(false);
    expect(patternWidens('^a$', '^(a|b)')).toBe(false);
    expect(patternWidens('^a', '^(a|b')).toBe(false);
    expect(patternWidens('^a', '^(b|(a))')).toBe(false);
    expect(breakingChanges({ type: 'string', pattern: '^https://' }, { type: 'string', pattern: '^http://' })).toHaveLength(1);
  });
});
