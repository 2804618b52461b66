import { ageOn, consentCovers, type ConsentGrant } from './consent';

const child = 'c1';
const parent = 'p1';
const grant = (over: Partial<ConsentGrant>): ConsentGrant => ({
  id: `g-${Math.random()}`, subjectPersonId: child, givenByPersonId: parent, relation: 'OUDER', recipientPartnerId: null,
  validFrom: '2026-01-01', validUntil: null, revoked: false, ...over,
});
const born = (yearsBefore: number, day = '2026-11-23') => `${Number(day.slice(0, 4)) - yearsBefore}${day.slice(4)}`;
const at = '2026-11-23T10:00:00Z';
const check = (birthDate: string, grants: ConsentGrant[], recipient = 'veilig-thuis-flevoland', when = at) =>
  consentCovers([{ personId: child, birthDate }], grants, recipient, when);

describe('consent with its age rules', () => {
  it('counts whole years, the birthday itself included', () => {
    expect(ageOn('2014-11-23', '2026-11-23')).toBe(12);
    expect(ageOn('2014-11-24', '2026-11-23')).toBe(11);
  });

  it('under 12: a parent or custodian suffices; the child alone does not', () => {
    expect(check(born(11), [grant({})]).ok).toBe(true);
    const youthOnly = check(born(11), [grant({ relation: 'JEUGDIGE', givenByPersonId: child })]);
    expect(youthOnly).toEqual({ ok: false, reason: expect.stringContaining('a parent or custodian') });
  });

  it('12 to 16: both the youth and a parent or custodian', () => {
    expect(check(born(12), [grant({})])).toEqual({ ok: false, reason: expect.stringContaining('the youth') });
    expect(check(born(15), [grant({ relation: 'JEUGDIGE', givenByPersonId: child })])).toEqual({ ok: false, reason: expect.stringContaining('a parent or custodian') });
    expect(check(born(15), [grant({}), grant({ relation: 'JEUGDIGE', givenByPersonId: child })]).ok).toBe(true);
  });

  it('16 and over: the youth alone; a parent\'s consent does not stand in for it', () => {
    expect(check(born(16), [grant({ relation: 'JEUGDIGE', givenByPersonId: child })]).ok).toBe(true);
    expect(check(born(16), [grant({ relation: 'VOOGD' })]).ok).toBe(false);
  });

  it('applies the age on the day of sending: a consent given by a parent stops covering a child who turns 12', () => {
    const grants = [grant({})];
    expect(check('2014-11-24', grants, 'x', '2026-11-23T10:00:00Z').ok).toBe(true);
    expect(check('2014-11-24', grants, 'x', '2026-11-24T10:00:00Z').ok).toBe(false);
  });

  it('is not valid before its start, after its end, once revoked, or for another recipient', () => {
    expect(check(born(8), [grant({ validFrom: '2026-11-24' })]).ok).toBe(false);
    expect(check(born(8), [grant({ validUntil: '2026-11-22' })]).ok).toBe(false);
    expect(check(born(8), [grant({ validUntil: '2026-11-23' })]).ok).toBe(true);
    expect(check(born(8), [grant({ revoked: true })]).ok).toBe(false);
    expect(check(born(8), [grant({ recipientPartnerId: 'toegang-almere' })]).ok).toBe(false);
    expect(check(born(8), [grant({ recipientPartnerId: 'veilig-thuis-flevoland' })]).ok).toBe(true);
  });

  it('uses the Amsterdam calendar day: 23:30 UTC on 31 December is already 1 January', () => {
    expect(check(born(8), [grant({ validFrom: '2027-01-01' })], 'x', '2026-12-31T23:30:00Z').ok).toBe(true);
  });

  it('needs every child covered, and a known date of birth', () => {
    const two = consentCovers([{ personId: child, birthDate: born(5) }, { personId: 'c2', birthDate: born(6) }], [grant({})], 'x', at);
    expect(two).toEqual({ ok: false, reason: expect.stringContaining('child c2') });
    expect(consentCovers([{ personId: child, birthDate: undefined }], [grant({})], 'x', at)).toEqual({ ok: false, reason: expect.stringContaining('date of birth') });
  });
});
