import type { DossierOvergedragenV1, PerspectiefplanVastgesteldV1, VeiligheidskaartBijdrageV1 } from '@ketenhub/contracts';
import { kaderOf, type FamilyState, type PartnerRole } from '@ketenhub/domain';

export type HandoverPackage = DossierOvergedragenV1['overdracht'];
export type Holder = NonNullable<HandoverPackage['regisseur']>;
type Kaart = HandoverPackage['veiligheidskaart'];
type Summary = NonNullable<Kaart['samenvatting']>;

/** A holder of record, with the contact person its organisation named for that responsibility. */
export function holder(role: PartnerRole | null, organisation: string | null, state?: FamilyState, responsibility: 'REGIE' | 'VEILIGHEID' = 'REGIE'): Holder | undefined {
  if (role === null) return undefined;
  const contact = state?.contacts.find((c) => c.organisation === organisation && c.for === responsibility);
  return {
    rol: role,
    ...(organisation ? { organisatie: organisation } : {}),
    ...(contact ? { contactpersoon: { naam: contact.naam, ...(contact.functie ? { functie: contact.functie } : {}), ...(contact.telefoon ? { telefoon: contact.telefoon } : {}), ...(contact.email ? { email: contact.email } : {}) } } : {}),
  };
}

const LISTS = ['zorgen', 'gevaarsuitspraken', 'krachten', 'bestaandeVeiligheid', 'stappenGezet', 'watWordtGeprobeerd', 'watWerktNiet', 'meningsverschillen'] as const;

/**
 * The current veiligheidskaart, derived from its contributions in happened-order: every statement
 * kept with who said it and when (disagreements included), the latest score of each scorer, and
 * the family's latest own view.
 */
export function summariseKaart(contributions: FamilyState['kaart']): Summary {
  const summary: Required<Pick<Summary, (typeof LISTS)[number]>> & Summary = { zorgen: [], gevaarsuitspraken: [], krachten: [], bestaandeVeiligheid: [], stappenGezet: [], watWordtGeprobeerd: [], watWerktNiet: [], meningsverschillen: [], veiligheidsdoelen: [], schaalscores: [] };
  const scores = new Map<string, Summary['schaalscores'][number]>();
  for (const c of contributions) {
    const data = validated<VeiligheidskaartBijdrageV1>(c.data);
    const said = { bron: c.source, tijd: c.time };
    for (const list of LISTS) for (const tekst of data[list] ?? []) summary[list].push({ ...said, tekst });
    for (const doel of data.veiligheidsdoelen ?? []) summary.veiligheidsdoelen.push({ ...said, ...doel });
    for (const score of data.schaalscores ?? []) scores.set(score.scorer, { ...said, ...score });
    if (data.visieGezin) summary.visieGezin = { ...said, tekst: data.visieGezin };
  }
  summary.schaalscores = [...scores.values()];
  return summary;
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
      samenvatting: summariseKaart(state.kaart),
      bijdragen: state.kaart.map((c) => ({ bron: c.source, tijd: c.time, eventId: c.eventId, bijdrage: validated<VeiligheidskaartBijdrageV1>(c.data) })),
    },
    ...(state.plan
      ? { perspectiefplan: { versie: state.planVersion, bron: state.plan.source, tijd: state.plan.time, plan: validated<PerspectiefplanVastgesteldV1>(state.plan.data) } }
      : {}),
    evaluaties: state.evaluations.map((e) => ({
      bron: e.source, tijd: e.time, soort: e.kind, ...(e.date ? { datum: e.date } : {}),
      ...(e.regisseurPresent !== undefined ? { regisseurAanwezig: e.regisseurPresent } : {}),
      ...(e.perspectiveDiscussed !== undefined ? { perspectiefBesproken: e.perspectiveDiscussed } : {}),
    })),
    geschiedenis: state.history.map((h) => ({ tijd: h.time, type: h.type, bron: h.source })),
  };
}

/** An inbox payload was checked against its type's schema when it came in: inside, trust the type. */
function validated<T>(data: Record<string, unknown>): T {
  return data as unknown as T;
}
