import fc from 'fast-check';
import { decide, factsOf } from './decision-table';
import { foldFamily } from './family-state';
import { ev, shippedTable } from './regie.fixtures';
import { DEFAULT_RULE_SETTINGS, deadlines, isEvaluationWithoutRegisseur, isRegieGap } from './rules';
import { isWorkingDay, nextWorkingDay } from './working-days';

const standaard = shippedTable('standaard');

describe('rules around the table', () => {
  it('regie gap: a residential placement in the voluntary framework with no regisseur of record', () => {
    const state = foldFamily([ev('toegang.verblijf-gestart', '2026-03-02T09:00:00Z', { soort: 'REGULIER', aanbieder: 'verblijf-a' })]);
    expect(isRegieGap(state, decide(standaard, factsOf(state)))).toBe(true);
  });

  it('no regie gap once a row names a regisseur, nor under a court measure', () => {
    const placed = ev('toegang.verblijf-gestart', '2026-03-02T09:00:00Z', { soort: 'REGULIER', aanbieder: 'verblijf-a' });
    const withRequest = foldFamily([placed, ev('toegang.hulpvraag-geregistreerd', '2026-03-01T09:00:00Z', { gemeente: 'GM0034', toegangsroute: 'GEZIN_ZELF' })]);
    expect(isRegieGap(withRequest, decide(standaard, factsOf(withRequest)))).toBe(false);
    const forced = foldFamily([placed, ev('kinderrechter.maatregel-opgelegd', '2026-03-03T09:00:00Z', { maatregel: 'OTS', gi: 'gi-a' })]);
    expect(isRegieGap(forced, { ...decide(standaard, factsOf(forced)), regisseur: null })).toBe(false);
  });

  it('crisis placement: start agreements by the end of the next working day (public holidays included)', () => {
    // Thursday 2 April 2026; Friday 3 April is no public holiday, Easter Monday 6 April is.
    expect(nextWorkingDay('2026-04-02T10:00:00Z')).toBe('2026-04-03');
    expect(nextWorkingDay('2026-04-03T10:00:00Z')).toBe('2026-04-07');
    expect(isWorkingDay('2026-12-25')).toBe(false);
    const state = foldFamily([ev('toegang.verblijf-gestart', '2026-04-03T10:00:00Z', { soort: 'CRISIS', aanbieder: 'verblijf-a' })]);
    const start = deadlines(state).find((d) => d.kind === 'START_AFSPRAKEN');
    expect(start?.dueAt).toBe('2026-04-07T21:59:59.999Z');
  });

  it('crisis placement: evaluation with the perspective within 14 days, announced before, and gone once held', () => {
    const placed = ev('toegang.verblijf-gestart', '2026-04-03T10:00:00Z', { soort: 'CRISIS', aanbieder: 'verblijf-a' });
    const evaluation = deadlines(foldFamily([placed])).find((d) => d.kind === 'EVALUATIE_PERSPECTIEF');
    expect(evaluation).toMatchObject({ dueAt: '2026-04-17T10:00:00.000Z', warnAt: '2026-04-15T10:00:00.000Z' });
    const held = foldFamily([placed, ev('keten.evaluatie-gehouden', '2026-04-10T10:00:00Z', { regisseurAanwezig: true })]);
    expect(deadlines(held).some((d) => d.kind === 'EVALUATIE_PERSPECTIEF')).toBe(false);
  });

  it('a regular placement sets no crisis deadlines', () => {
    const state = foldFamily([ev('toegang.verblijf-gestart', '2026-04-03T10:00:00Z', { soort: 'REGULIER', aanbieder: 'verblijf-a' })]);
    expect(deadlines(state).map((d) => d.kind)).not.toEqual(expect.arrayContaining(['START_AFSPRAKEN']));
  });

  it('18+: a signal the configured number of days before the 18th birthday', () => {
    const state = foldFamily([ev('toegang.hulpvraag-geregistreerd', '2026-03-01T09:00:00Z', {
      gemeente: 'GM0034', toegangsroute: 'GEZIN_ZELF', kinderen: [{ persoon: { persoonId: 'p-1' }, geboortedatum: '2009-06-30' }],
    })]);
    const signal = deadlines(state, { ...DEFAULT_RULE_SETTINGS, achttienPlusVoorloopDagen: 30 }).find((d) => d.kind === 'ACHTTIEN_PLUS');
    expect(signal).toEqual({ kind: 'ACHTTIEN_PLUS', key: '18:p-1', dueAt: '2027-05-31T00:00:00.000Z', personId: 'p-1' });
  });

  it('18+: no handover deadline where an all-ages professional holds regie (handreiking, taken perspectiefregisseur)', () => {
    const state = foldFamily([ev('toegang.hulpvraag-geregistreerd', '2026-03-01T09:00:00Z', {
      gemeente: 'GM0034', toegangsroute: 'GEZIN_ZELF',
      kinderen: [{ persoon: { persoonId: 'p-1' }, geboortedatum: '2009-06-30' }, { persoon: { persoonId: 'p-2' }, geboortedatum: '2012-01-15' }],
    })]);
    const allAges = deadlines(state, DEFAULT_RULE_SETTINGS, { integraleFunctionarisAlleLeeftijden: true });
    expect(allAges.filter((d) => d.kind === 'ACHTTIEN_PLUS')).toEqual([]);
    // Only the 18+ handover falls away: the other rules still hold for such a municipality.
    const placed = foldFamily([ev('toegang.hulpvraag-geregistreerd', '2026-03-01T09:00:00Z', {
      gemeente: 'GM0034', toegangsroute: 'GEZIN_ZELF', kinderen: [{ persoon: { persoonId: 'p-1' }, geboortedatum: '2009-06-30' }],
    }), ev('toegang.verblijf-gestart', '2026-04-03T10:00:00Z', { soort: 'CRISIS', aanbieder: 'verblijf-a' })]);
    expect(deadlines(placed, DEFAULT_RULE_SETTINGS, { integraleFunctionarisAlleLeeftijden: true }).map((d) => d.kind))
      .toEqual(expect.arrayContaining(['START_AFSPRAKEN', 'EVALUATIE_PERSPECTIEF', 'STAGNATIE']));
  });

  it('18+: a handover deadline per youth where the municipality has no all-ages professional (the default)', () => {
    const state = foldFamily([ev('toegang.hulpvraag-geregistreerd', '2026-03-01T09:00:00Z', {
      gemeente: 'GM0034', toegangsroute: 'GEZIN_ZELF',
      kinderen: [{ persoon: { persoonId: 'p-1' }, geboortedatum: '2009-06-30' }, { persoon: { persoonId: 'p-2' }, geboortedatum: '2012-01-15' }],
    })]);
    const keys = (choice?: { integraleFunctionarisAlleLeeftijden: boolean }) =>
      deadlines(state, DEFAULT_RULE_SETTINGS, choice).filter((d) => d.kind === 'ACHTTIEN_PLUS').map((d) => d.key);
    expect(keys()).toEqual(['18:p-1', '18:p-2']);
    expect(keys({ integraleFunctionarisAlleLeeftijden: false })).toEqual(['18:p-1', '18:p-2']);
  });

  it('18+: switching the all-ages choice on drops the handover timer, switching it off gives it back (timer sync cancels what is no longer asked)', () => {
    const state = foldFamily([ev('toegang.hulpvraag-geregistreerd', '2026-03-01T09:00:00Z', {
      gemeente: 'GM0034', toegangsroute: 'GEZIN_ZELF', kinderen: [{ persoon: { persoonId: 'p-1' }, geboortedatum: '2009-06-30' }],
    })]);
    const wanted = (on: boolean) => deadlines(state, DEFAULT_RULE_SETTINGS, { integraleFunctionarisAlleLeeftijden: on }).map((d) => d.key);
    const before = wanted(false);
    const after = wanted(true);
    // What the timer sync cancels: the keys wanted before and no longer wanted now.
    expect(before.filter((k) => !after.includes(k))).toEqual(['18:p-1']);
    expect(after.filter((k) => !before.includes(k))).toEqual([]);
    expect(wanted(false)).toEqual(before);
  });

  it('an evaluation by a residential provider without the regisseur is signalled', () => {
    expect(isEvaluationWithoutRegisseur('nl.ketenhub.keten.evaluatie-gehouden.v1', { regisseurAanwezig: false }, 'AANBIEDER')).toBe(true);
    expect(isEvaluationWithoutRegisseur('nl.ketenhub.keten.evaluatie-gehouden.v1', { regisseurAanwezig: true }, 'AANBIEDER')).toBe(false);
    expect(isEvaluationWithoutRegisseur('nl.ketenhub.keten.evaluatie-gehouden.v1', { regisseurAanwezig: false }, 'LOKALE_TOEGANG')).toBe(false);
  });

  it('stagnation: no evaluation or plan change for the configured period while help runs; a plan change moves it', () => {
    const placed = ev('toegang.verblijf-gestart', '2026-01-01T10:00:00Z', { soort: 'REGULIER', aanbieder: 'verblijf-a' });
    const first = deadlines(foldFamily([placed])).find((d) => d.kind === 'STAGNATIE');
    expect(first?.dueAt).toBe('2026-04-01T10:00:00.000Z');
    const planned = foldFamily([placed, ev('keten.perspectiefplan-vastgesteld', '2026-02-01T10:00:00Z', { perspectief: 'THUIS' })]);
    const moved = deadlines(planned).find((d) => d.kind === 'STAGNATIE');
    expect(moved?.dueAt).toBe('2026-05-02T10:00:00.000Z');
    expect(moved?.key).not.toBe(first?.key);
  });

  it('perspective watch: THUIS in residential care without ambulant help at home', () => {
    const events = [
      ev('toegang.hulpvraag-geregistreerd', '2026-01-01T09:00:00Z', { gemeente: 'GM0034', toegangsroute: 'GEZIN_ZELF', perspectief: 'THUIS' }),
      ev('toegang.verblijf-gestart', '2026-01-05T10:00:00Z', { soort: 'REGULIER', aanbieder: 'verblijf-a' }),
    ];
    expect(deadlines(foldFamily(events)).find((d) => d.kind === 'PERSPECTIEF_THUIS_ZONDER_AMBULANTE_HULP')?.dueAt).toBe('2026-02-16T10:00:00.000Z');
    const helped = foldFamily([...events, ev('toegang.ambulante-hulp-gestart', '2026-01-20T10:00:00Z', { aanbieder: 'ambulant-a' })]);
    expect(deadlines(helped).some((d) => d.kind === 'PERSPECTIEF_THUIS_ZONDER_AMBULANTE_HULP')).toBe(false);
  });
});

describe('arrival order does not matter', () => {
  const story = [
    ev('toegang.hulpvraag-geregistreerd', '2026-01-01T09:00:00Z', { gemeente: 'GM0034', toegangsroute: 'VERWEZEN_HUISARTS', perspectief: 'THUIS' }),
    ev('veiligthuis.melding-ontvangen', '2026-01-03T09:00:00Z', { melder: 'POLITIE' }, 'vt'),
    ev('veiligthuis.onderzoek-gestart', '2026-01-04T09:00:00Z', {}, 'vt'),
    ev('toegang.verblijf-gestart', '2026-01-05T10:00:00Z', { soort: 'CRISIS', aanbieder: 'verblijf-a' }, 'toegang'),
    ev('keten.veiligheidskaart-bijdrage', '2026-01-06T10:00:00Z', { zorgen: ['a'] }, 'vt'),
    ev('kinderrechter.maatregel-opgelegd', '2026-01-10T09:00:00Z', { maatregel: 'OTS', gi: 'gi-a' }, 'rechter'),
    ev('keten.veiligheidskaart-bijdrage', '2026-01-11T10:00:00Z', { krachten: ['b'] }, 'gi-a'),
    ev('keten.perspectiefplan-vastgesteld', '2026-01-12T10:00:00Z', { perspectief: 'THUIS' }, 'gi-a'),
    ev('veiligthuis.overgedragen-aan-hulp', '2026-01-13T09:00:00Z', { aan: 'gi-a' }, 'vt'),
    ev('kinderrechter.maatregel-beeindigd', '2026-06-10T09:00:00Z', { maatregel: 'OTS' }, 'rechter'),
    ev('keten.evaluatie-gehouden', '2026-06-11T09:00:00Z', { regisseurAanwezig: true }, 'verblijf-a'),
    ev('toegang.ambulante-hulp-gestart', '2026-06-12T09:00:00Z', { aanbieder: 'ambulant-a' }, 'toegang'),
    ev('toegang.verblijf-beeindigd', '2026-06-20T09:00:00Z', { aanbieder: 'verblijf-a' }, 'toegang'),
  ];

  it('gives the same state, decision and deadlines for every shuffle of the same events', () => {
    const expected = foldFamily(story);
    const expectedDecision = decide(standaard, factsOf(expected));
    fc.assert(fc.property(fc.shuffledSubarray(story, { minLength: story.length, maxLength: story.length }), (shuffled) => {
      const state = foldFamily(shuffled);
      expect(state).toEqual(expected);
      expect(decide(standaard, factsOf(state))).toEqual(expectedDecision);
      expect(deadlines(state)).toEqual(deadlines(expected));
    }), { numRuns: 300 });
    expect(expectedDecision).toMatchObject({ row: 'HULPVRAAG', regisseur: 'LOKALE_TOEGANG' });
  });
});
