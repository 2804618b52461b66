import type { FamilyState } from '../regie/family-state';

/**
 * The relations that carry authority to be involved with a family (docs/REGIE.md, "Who is
 * involved, and by which relation"). Naming a person in an event never makes a partner involved:
 * only one of these does.
 */
export const INVOLVEMENT_RELATIONS = [
  /** The local access (or the municipality itself) of the family's municipality. */
  'LOKALE_TOEGANG',
  /** Veilig Thuis through a report (melding). */
  'MELDING',
  /** The Raad voor de Kinderbescherming through a request for investigation. */
  'VERZOEK_ONDERZOEK',
  /** The juvenile court through its verdict. */
  'UITSPRAAK',
  /** The GI the court charged with a measure (OTS, voogdij). */
  'MAATREGEL',
  /** The GI that starts the preventive framework on the report of an involved local access, VT or RvdK. */
  'PREVENTIEF_KADER',
  /** A provider named in the municipality's beschikking. */
  'BESCHIKKING',
  /** A provider named in a placement or start of help by local access, the GI of the measure, or the regisseur. */
  'PLAATSING',
  /** The partner Veilig Thuis hands the family over to. */
  'OVERDRACHT_VT',
  /** A partner the family's regisseur of record lets in (keten.betrokkene-toegelaten). */
  'TOEGELATEN_DOOR_REGISSEUR',
  // Issue 22 adds 'VERWIJZING_ARTS': a provider that starts help on a referral by a GP, medical
  // specialist or youth doctor (Jeugdwet art. 2.6 lid 1 sub g), which needs no municipality.
] as const;
export type InvolvementRelation = (typeof INVOLVEMENT_RELATIONS)[number];

/** The legal basis of each relation, as the audit trail names it. */
export const INVOLVEMENT_BASIS: Record<InvolvementRelation, string> = {
  LOKALE_TOEGANG: 'JEUGDWET_2_3',
  MELDING: 'WMO_2015_4_1_1',
  VERZOEK_ONDERZOEK: 'BW_1_240',
  UITSPRAAK: 'BW_1_255',
  MAATREGEL: 'BW_1_255',
  PREVENTIEF_KADER: 'JEUGDWET_2_4',
  BESCHIKKING: 'BESCHIKKING',
  PLAATSING: 'BESCHIKKING',
  OVERDRACHT_VT: 'WMO_2015_4_1_1',
  TOEGELATEN_DOOR_REGISSEUR: 'JEUGDWET_7_4_0',
};

export interface InvolvementPartner {
  id: string;
  role: string;
  /** CBS codes of the municipalities it serves (local access, municipality). */
  municipalities?: readonly string[];
}

export interface InvolvementFacts {
  event: { id: string; type: string; data: Record<string, unknown> };
  sender: InvolvementPartner;
  /** The family the event's persons belong to, before this event; null when none of them is known (the event would start one). */
  family: {
    municipality: string | null;
    /** Partners involved before this event. */
    involved: readonly string[];
    /** The partner that holds regie of record, if any. */
    regisseur: string | null;
    state: FamilyState;
  } | null;
  region: {
    partner(id: string): InvolvementPartner | undefined;
    /** The local access the region names for a municipality. */
    localAccessOf(municipality: string): string | undefined;
  };
}

export interface NewInvolvement {
  partnerId: string;
  relation: InvolvementRelation;
  basis: string;
}

export type InvolvementRefusal = 'NIET_BETROKKEN' | 'NIET_REGISSEUR';

export type InvolvementDecision =
  | { kind: 'ACCEPTED'; /** Partners involved by this event for the first time (the sender or partners it names). */ involvements: NewInvolvement[] }
  | { kind: 'REFUSED'; reason: InvolvementRefusal; detail: string };

/** The event that lets the family's regisseur of record admit a partner. */
export const ADMISSION_TYPE = 'nl.ketenhub.keten.betrokkene-toegelaten.v1';

const kindOf = (type: string): string => type.replace(/^nl\.ketenhub\./, '').replace(/\.v[0-9]+$/, '');
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

function servesMunicipality(partner: InvolvementPartner, municipality: string | null, region: InvolvementFacts['region']): boolean {
  if (municipality === null) return false;
  return region.localAccessOf(municipality) === partner.id || (partner.municipalities ?? []).includes(municipality);
}

/** The relation the sender itself gets from this event, when it carries authority whatever the sender's involvement. */
function senderRelation(facts: InvolvementFacts): InvolvementRelation | undefined {
  const { event, sender, family, region } = facts;
  const kind = kindOf(event.type);
  switch (sender.role) {
    case 'LOKALE_TOEGANG':
    case 'GEMEENTE': {
      // The municipality the event itself names (a request for help, a placement) counts the same
      // whether the person is known or not, so the answer reveals nothing about the hub's records.
      const municipality = str(event.data.gemeente) ?? family?.municipality ?? null;
      return servesMunicipality(sender, municipality, region) ? 'LOKALE_TOEGANG' : undefined;
    }
    case 'VEILIG_THUIS':
      return kind === 'veiligthuis.melding-ontvangen' ? 'MELDING' : undefined;
    case 'RVDK':
      return kind === 'rvdk.verzoek-onderzoek-ontvangen' ? 'VERZOEK_ONDERZOEK' : undefined;
    case 'KINDERRECHTER':
      return kind.startsWith('kinderrechter.') ? 'UITSPRAAK' : undefined;
    case 'GI': {
      if (kind !== 'gi.preventief-kader-gestart' || !family) return undefined;
      const reporterRole = str(event.data.aangemeldDoor);
      const reported = reporterRole !== undefined && family.involved.some((id) => region.partner(id)?.role === reporterRole);
      return reported ? 'PREVENTIEF_KADER' : undefined;
    }
    default:
      return undefined;
  }
}

/** Partners the event names with authority: the GI of a measure, the provider of a beschikking or placement, the one VT hands over to, the one the regisseur admits. */
function namedRelations(facts: InvolvementFacts): Array<{ partnerId: string; relation: InvolvementRelation; role: string }> {
  const { event, sender, family } = facts;
  const d = event.data;
  const kind = kindOf(event.type);
  const byMunicipality = sender.role === 'LOKALE_TOEGANG' || sender.role === 'GEMEENTE';
  const isRegisseur = family?.regisseur === sender.id;
  const isMeasureGi = family?.state.measureGi === sender.id;
  const named = (field: string, relation: InvolvementRelation, role: string) => {
    const id = str(d[field]);
    return id ? [{ partnerId: id, relation, role }] : [];
  };
  switch (kind) {
    case 'kinderrechter.maatregel-opgelegd':
      return named('gi', 'MAATREGEL', 'GI');
    case 'toegang.beschikking-afgegeven':
      return byMunicipality ? named('aanbieder', 'BESCHIKKING', 'AANBIEDER') : [];
    case 'toegang.verblijf-gestart':
    case 'toegang.ambulante-hulp-gestart':
      return byMunicipality || isMeasureGi || isRegisseur ? named('aanbieder', 'PLAATSING', 'AANBIEDER') : [];
    case 'veiligthuis.overgedragen-aan-hulp':
      return named('aan', 'OVERDRACHT_VT', '*');
    case 'keten.betrokkene-toegelaten':
      return isRegisseur ? named('partner', 'TOEGELATEN_DOOR_REGISSEUR', '*') : [];
    default:
      return [];
  }
}

/**
 * Who becomes involved with a family through an event, and by which relation; or why the event is
 * refused. Pure: the caller gives the family as it stood before the event (null for persons the
 * hub does not know) and writes what this decides.
 *
 * - A sender already involved may send what its role may publish; the partners the event names
 *   with authority (see namedRelations) become involved.
 * - A sender not involved needs a relation the event itself carries (see senderRelation): local
 *   access of the municipality, VT's report, the Raad's request, the court's verdict, the GI's
 *   preventive framework on an involved partner's report. Otherwise: NIET_BETROKKEN, the same
 *   for a known person as for an unknown one.
 * - keten.betrokkene-toegelaten only from the family's regisseur of record.
 */
export function decideInvolvement(facts: InvolvementFacts): InvolvementDecision {
  const { event, sender, family, region } = facts;
  const involved = family?.involved ?? [];
  const alreadyInvolved = involved.includes(sender.id);
  const own = alreadyInvolved ? undefined : senderRelation(facts);
  if (!alreadyInvolved && own === undefined) {
    return { kind: 'REFUSED', reason: 'NIET_BETROKKEN', detail: `${sender.id} (${sender.role}) has no relation with authority that lets it send ${event.type} about these persons` };
  }
  if (event.type === ADMISSION_TYPE && family?.regisseur !== sender.id) {
    return { kind: 'REFUSED', reason: 'NIET_REGISSEUR', detail: `only the family's regisseur of record may admit a partner; ${sender.id} is not` };
  }
  const out: NewInvolvement[] = [];
  const add = (partnerId: string, relation: InvolvementRelation) => {
    if (involved.includes(partnerId) || out.some((i) => i.partnerId === partnerId)) return;
    out.push({ partnerId, relation, basis: INVOLVEMENT_BASIS[relation] });
  };
  if (own) add(sender.id, own);
  for (const n of namedRelations(facts)) {
    const partner = region.partner(n.partnerId);
    if (partner && (n.role === '*' || partner.role === n.role)) add(partner.id, n.relation);
  }
  return { kind: 'ACCEPTED', involvements: out };
}
