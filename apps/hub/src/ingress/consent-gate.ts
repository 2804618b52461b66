import type { EntityManager } from 'typeorm';
import { consentCovers, type ConsentRelation, type FamilyState } from '@ketenhub/domain';
import type { ConsentStore } from '@ketenhub/persistence';
import type { Recipient, Region } from '@ketenhub/routing';
import type { Rejection } from './rejection';

const GIVEN = 'nl.ketenhub.keten.toestemming-gegeven.v1';
const REVOKED = 'nl.ketenhub.keten.toestemming-ingetrokken.v1';

type PersonRef = { persoonId: string };
interface Given {
  kinderen: Array<{ persoon: PersonRef; geboortedatum: string }>;
  toestemmingId: string;
  gegevenDoor: Array<{ persoon: PersonRef; relatie: ConsentRelation }>;
  doel: string;
  aan?: string;
  vanaf: string;
  tot?: string;
}

/**
 * Consent: recorded from the chain's toestemming events, and checked, with the age rules, for
 * every recipient whose route rests on a consent basis, at the moment the hub sends.
 */
export class ConsentGate {
  constructor(private readonly region: Region, private readonly store: ConsentStore) {}

  /** Whether `apply` records or revokes consent for events of this type. */
  records(type: string): boolean {
    return type === GIVEN || type === REVOKED;
  }

  /** Records or revokes consent when the event is about consent; a rejection when it cannot be applied. */
  async apply(db: EntityManager, event: { id: string; type: string; data: unknown }, familyId: string, senderId: string): Promise<Omit<Rejection, 'eventId' | 'eventType'> | undefined> {
    if (event.type === GIVEN) {
      const d = event.data as Given;
      const children = d.kinderen.map((k) => k.persoon.persoonId);
      const problems = d.gegevenDoor.flatMap((g, i) => (g.relatie === 'JEUGDIGE' && !children.includes(g.persoon.persoonId)
        ? [{ pointer: `/data/gegevenDoor/${i}/persoon`, keyword: 'ketenhub-consent', message: 'a JEUGDIGE gives consent for itself: this person must be one of kinderen' }]
        : []));
      if (d.aan && !this.region.partner(d.aan)) problems.push({ pointer: '/data/aan', keyword: 'ketenhub-consent', message: `'${d.aan}' is not a partner of region ${this.region.config.region}` });
      if (d.tot && d.tot < d.vanaf) problems.push({ pointer: '/data/tot', keyword: 'ketenhub-consent', message: 'tot lies before vanaf' });
      if (await this.store.exists(db, familyId, senderId, d.toestemmingId)) {
        problems.push({ pointer: '/data/toestemmingId', keyword: 'ketenhub-consent', message: `consent '${d.toestemmingId}' was recorded before; a new consent needs a new toestemmingId` });
      }
      if (problems.length > 0) return { reason: 'ONGELDIGE_TOESTEMMING', errors: problems };
      await this.store.record(db, children.flatMap((subject) => d.gegevenDoor
        .filter((g) => g.relatie !== 'JEUGDIGE' || g.persoon.persoonId === subject)
        .map((g) => ({
          familyId, subjectPersonId: subject, givenByPersonId: g.persoon.persoonId, relation: g.relatie, purpose: d.doel,
          recipientPartnerId: d.aan ?? null, validFrom: d.vanaf, validUntil: d.tot ?? null, recordedBy: senderId, consentRef: d.toestemmingId, causeEventId: event.id,
        }))));
    } else if (event.type === REVOKED) {
      const ref = (event.data as { toestemmingId: string }).toestemmingId;
      const revoked = await this.store.revoke(db, familyId, senderId, ref, event.id);
      if (revoked === 0) {
        return { reason: 'ONGELDIGE_TOESTEMMING', errors: [{ pointer: '/data/toestemmingId', keyword: 'ketenhub-consent', message: `no consent '${ref}' of this family recorded by ${senderId} is in force` }] };
      }
    }
    return undefined;
  }

  /**
   * Splits recipients into those the hub may send to now and those it must not: a recipient on a
   * consent basis needs valid consent for every child the data is about (all of the family's
   * children when the data names none).
   */
  async split(db: EntityManager, familyId: string, recipients: Recipient[], data: unknown, state: FamilyState, at: string): Promise<{ allowed: Recipient[]; refused: Array<{ recipient: Recipient; reason: string }> }> {
    const onConsent = recipients.filter((r) => this.region.config.legalBases.find((b) => b.code === r.legalBasis)?.toestemming === true);
    if (onConsent.length === 0) return { allowed: recipients, refused: [] };
    const grants = await this.store.grants(db, familyId);
    const named = childrenNamed(data);
    const children = (named.length > 0 ? named : Object.keys(state.birthDates)).map((personId) => ({ personId, birthDate: state.birthDates[personId] }));
    const refused: Array<{ recipient: Recipient; reason: string }> = [];
    for (const recipient of onConsent) {
      const check = consentCovers(children, grants, recipient.partnerId, at);
      if (!check.ok) refused.push({ recipient, reason: check.reason });
    }
    return { allowed: recipients.filter((r) => !refused.some((x) => x.recipient === r)), refused };
  }
}

/** The persoonIds of `kinderen` in event data: [{ persoonId }] or [{ persoon: { persoonId } }]. */
function childrenNamed(data: unknown): string[] {
  const kinderen = typeof data === 'object' && data !== null ? (data as { kinderen?: unknown }).kinderen : undefined;
  if (!Array.isArray(kinderen)) return [];
  return kinderen.flatMap((k: unknown) => {
    const ref = (k as { persoon?: PersonRef }).persoon ?? (k as PersonRef);
    return typeof ref?.persoonId === 'string' ? [ref.persoonId] : [];
  });
}
