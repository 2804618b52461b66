import type { DossierOvergedragenV1, PerspectiefplanVastgesteldV1, VeiligheidskaartBijdrageV1 } from '@ketenhub/contracts';
import { kaderOf, type FamilyState, type PartnerRole } from '@ketenhub/domain';

export type HandoverPackage = DossierOvergedragenV1['overdracht'];
export interface Holder {
  rol: PartnerRole;
  organisatie?: string;
}

export function holder(role: PartnerRole | null, organisation: string | null): Holder | undefined {
  if (role === null) return undefined;
  return organisation ? { rol: role, organisatie: organisation } : { rol: role };
}

/**
 * What a new regisseur or a newly involved partner receives in one message: the current
 * veiligheidskaart (every contribution, attributed), the current perspectiefplan, and the history,
 * so nobody asks the family for its story again.
 */
export function handoverPackage(state: FamilyState, regisseur: Holder | undefined, veiligheid: Holder | undefined): HandoverPackage {
  return {
    ...(regisseur ? { regisseur } : {}),
    ...(veiligheid ? { veiligheid } : {}),
    ...(state.perspective ? { perspectief: state.perspective } : {}),
    kader: kaderOf(state),
    veiligheidskaart: {
      versie: state.kaart.length,
      bijdragen: state.kaart.map((c) => ({ bron: c.source, tijd: c.time, eventId: c.eventId, bijdrage: validated<VeiligheidskaartBijdrageV1>(c.data) })),
    },
    ...(state.plan
      ? { perspectiefplan: { versie: state.planVersion, bron: state.plan.source, tijd: state.plan.time, plan: validated<PerspectiefplanVastgesteldV1>(state.plan.data) } }
      : {}),
    geschiedenis: state.history.map((h) => ({ tijd: h.time, type: h.type, bron: h.source })),
  };
}

/** An inbox payload was checked against its type's schema when it came in: inside, trust the type. */
function validated<T>(data: Record<string, unknown>): T {
  return data as unknown as T;
}
