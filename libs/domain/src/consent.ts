import { amsterdamDate } from './regie/working-days';

export type ConsentRelation = 'JEUGDIGE' | 'OUDER' | 'VOOGD' | 'GEZAGHEBBER';

/** One recorded consent of one person for one child. */
export interface ConsentGrant {
  id: string;
  subjectPersonId: string;
  givenByPersonId: string;
  relation: ConsentRelation;
  /** Absent: any recipient a consent route names. */
  recipientPartnerId: string | null;
  validFrom: string;
  validUntil: string | null;
  revoked: boolean;
}

export type ConsentCheck = { ok: true; grants: string[] } | { ok: false; reason: string };

const AUTHORITY: readonly ConsentRelation[] = ['OUDER', 'VOOGD', 'GEZAGHEBBER'];

/** Whole years between a date of birth and a day (both YYYY-MM-DD). */
export function ageOn(birthDate: string, day: string): number {
  const [by, bm, bd] = birthDate.split('-').map(Number);
  const [y, m, d] = day.split('-').map(Number);
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}

/**
 * Who must have consented for a child of this age (WGBO art. 7:450 and Jeugdwet art. 7.3.4 as
 * the chain applies them): under 12 a person with parental authority; 12 to 15 the youth and a
 * person with parental authority; 16 and over the youth alone.
 */
export function consentersFor(age: number): { youth: boolean; authority: boolean } {
  if (age < 12) return { youth: false, authority: true };
  if (age < 16) return { youth: true, authority: true };
  return { youth: true, authority: false };
}

/**
 * Does recorded consent allow disclosing about these children to this recipient at this moment?
 * Every child must be covered by grants valid on the (Amsterdam) day of `at`, not revoked, for
 * this recipient or any, from the persons the child's age asks for.
 */
export function consentCovers(
  children: ReadonlyArray<{ personId: string; birthDate: string | undefined }>,
  grants: readonly ConsentGrant[],
  recipientPartnerId: string,
  at: string,
): ConsentCheck {
  if (children.length === 0) return { ok: false, reason: 'no child known to consent for' };
  const day = amsterdamDate(at);
  const used = new Set<string>();
  for (const child of children) {
    if (!child.birthDate) return { ok: false, reason: `the date of birth of child ${child.personId} is not known, so the age rule cannot be applied` };
    const age = ageOn(child.birthDate, day);
    const need = consentersFor(age);
    const valid = grants.filter((g) => g.subjectPersonId === child.personId && !g.revoked
      && (g.recipientPartnerId === null || g.recipientPartnerId === recipientPartnerId)
      && g.validFrom <= day && (g.validUntil === null || day <= g.validUntil));
    const youth = valid.find((g) => g.relation === 'JEUGDIGE' && g.givenByPersonId === child.personId);
    const authority = valid.find((g) => AUTHORITY.includes(g.relation));
    const missing = [need.youth && !youth ? 'the youth' : '', need.authority && !authority ? 'a parent or custodian' : ''].filter(Boolean);
    if (missing.length > 0) return { ok: false, reason: `no valid consent of ${missing.join(' and ')} for child ${child.personId} (age ${age}) to share with ${recipientPartnerId}` };
    if (need.youth && youth) used.add(youth.id);
    if (need.authority && authority) used.add(authority.id);
  }
  return { ok: true, grants: [...used].sort() };
}
