import type { EntityManager } from 'typeorm';
import type { FamilyStore } from '@ketenhub/persistence';
import { resolveRecipients, type Recipient, type Region } from '@ketenhub/routing';
import type { Requester } from '../auth/requester';
import type { FamilyView } from './read-family.use-case';

const type = (domain: string, name: string) => `nl.ketenhub.${domain}.${name}.v1`;
const KAART = type('keten', 'veiligheidskaart-bijdrage');
const PLAN = type('keten', 'perspectiefplan-vastgesteld');
const EVALUATIE = type('keten', 'evaluatie-gehouden');
const REGISSEUR_PACKAGE = type('hub', 'regisseur-toegewezen');
const NEWCOMER_PACKAGE = type('hub', 'dossier-overgedragen');

/** A family view narrowed to a requester: sections it may not see are absent. */
export type VisibleView = Omit<FamilyView, 'veiligheidskaart'> & { veiligheidskaart?: FamilyView['veiligheidskaart'] };

/**
 * What a partner may read of a family is what the region's routes would send it: a partner not
 * involved with the family sees nothing; an involved one sees who holds regie and safety (the
 * hub's promise to everyone involved), and each part of the record only when a route would
 * deliver that part to it in full (the card's contributions, the plan, the evaluations, or the
 * handover package that carries them all), and of the history the events it sent itself or a
 * route would deliver (pointer-only included: it knows the event happened).
 */
export class RouteViewFilter {
  constructor(private readonly region: Region, private readonly families: FamilyStore) {}

  async filter(db: EntityManager, view: FamilyView, requester: Requester): Promise<VisibleView | undefined> {
    if (requester.kind !== 'PARTNER') return undefined;
    const partnerId = requester.partnerId;
    if (!(await this.families.involved(db, view.familyId)).includes(partnerId)) return undefined;
    const reach = (eventType: string): Recipient | undefined => resolveRecipients(this.region, {
      eventType, senderId: '', municipality: view.gemeente ?? undefined, involved: [partnerId],
      // Not NIEUW_BETROKKEN: the handover package went to a newcomer once, when it joined; a read
      // gives what its ordinary routes give (it was "a newcomer for good" before issue 21).
      relations: {
        ...(view.regisseur?.organisatie === partnerId ? { REGISSEUR: [partnerId] } : {}),
        ...(view.veiligheid?.organisatie === partnerId ? { VEILIGHEID: [partnerId] } : {}),
      },
    }).find((r) => r.partnerId === partnerId);
    const full = (eventType: string) => {
      const r = reach(eventType);
      return r !== undefined && !r.pointerOnly && !r.fields;
    };
    const packaged = full(REGISSEUR_PACKAGE) || full(NEWCOMER_PACKAGE);
    const { veiligheidskaart, perspectiefplan, evaluaties, geschiedenis, ...always } = view;
    return {
      ...always,
      ...(packaged || full(KAART) ? { veiligheidskaart } : {}),
      ...(perspectiefplan && (packaged || full(PLAN)) ? { perspectiefplan } : {}),
      evaluaties: packaged || full(EVALUATIE) ? evaluaties : [],
      geschiedenis: geschiedenis.filter((h) => h.bron === partnerId || reach(h.type) !== undefined),
    };
  }
}
