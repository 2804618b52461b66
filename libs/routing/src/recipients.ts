import type { Partner, Region, Route } from './region';

export interface Recipient {
  partnerId: string;
  routeId: string;
  legalBasis: string;
  purpose: string;
  /** Only these fields of data (absent: all). */
  fields?: readonly string[];
  /** A pointer-only notice instead of the content. */
  pointerOnly?: boolean;
}

export interface RoutingFacts {
  eventType: string;
  senderId: string;
  /** CBS code of the family's municipality, when known. */
  municipality?: string;
  /** Partners already involved with the family (the sender included or not). */
  involved: readonly string[];
  /** The family's legal framework and perspective, for routes with conditions (`when`). */
  kader?: string;
  perspectief?: string | null;
  /** For the hub's own events: the holders of record and newly involved partners. */
  relations?: Partial<Record<'REGISSEUR' | 'VEILIGHEID' | 'VORIGE_REGISSEUR' | 'NIEUW_BETROKKEN', readonly string[]>>;
}

/**
 * Who receives an event: every route that names its type, every partner its selectors pick,
 * never the sender, each partner once (the first matching route wins, so the rule and basis
 * recorded for the disclosure are deterministic).
 */
export function resolveRecipients(region: Region, facts: RoutingFacts): Recipient[] {
  const out = new Map<string, Recipient>();
  for (const route of region.config.routes) {
    if (!route.events.includes(facts.eventType) || !conditionsHold(route, facts)) continue;
    for (const partner of selectPartners(region, route, facts)) {
      if ((partner.id === facts.senderId && !route.to.some((t) => 'relation' in t && t.relation === 'NIEUW_BETROKKEN')) || out.has(partner.id)) continue;
      out.set(partner.id, {
        partnerId: partner.id, routeId: route.id, legalBasis: route.legalBasis, purpose: route.purpose,
        ...(route.fields ? { fields: route.fields } : {}), ...(route.pointerOnly ? { pointerOnly: true } : {}),
      });
    }
  }
  return [...out.values()];
}

/** A route's `when`: every condition given must hold; an unknown fact holds none. */
function conditionsHold(route: Route, facts: RoutingFacts): boolean {
  const when = route.when;
  if (!when) return true;
  if (when.kader && (facts.kader === undefined || !(when.kader as readonly string[]).includes(facts.kader))) return false;
  if (when.perspectief && (!facts.perspectief || !(when.perspectief as readonly string[]).includes(facts.perspectief))) return false;
  return true;
}

function serves(partner: Partner, municipality: string | undefined): boolean {
  return !partner.municipalities || (municipality !== undefined && partner.municipalities.includes(municipality));
}

function selectPartners(region: Region, route: Route, facts: RoutingFacts): Partner[] {
  const picked: Partner[] = [];
  for (const selector of route.to) {
    if ('role' in selector) {
      picked.push(...region.config.partners.filter((p) => p.role === selector.role && serves(p, facts.municipality)));
    } else if (selector.relation === 'INVOLVED') {
      picked.push(...facts.involved.map((id) => region.partner(id)).filter((p): p is Partner => p !== undefined));
    } else if (selector.relation !== 'LOCAL_ACCESS') {
      picked.push(...(facts.relations?.[selector.relation] ?? []).map((id) => region.partner(id)).filter((p): p is Partner => p !== undefined));
    } else {
      const municipality = region.config.municipalities.find((m) => m.code === facts.municipality);
      const access = municipality ? region.partner(municipality.localAccess) : undefined;
      if (access) picked.push(access);
    }
  }
  return picked;
}
