/**
 * A family's state, derived by folding its accepted events in the order they happened (time,
 * then id), never in the order they arrived: the same events give the same state whatever the
 * arrival order (the iJw standard forbids giving meaning to arrival order).
 */
export type Perspective = 'THUIS' | 'ZELFSTANDIG' | 'LANGDURIG_VERBLIJF';
export type Kader = 'VRIJWILLIG' | 'PREVENTIEF_JUSTITIEEL' | 'OTS' | 'VOOGDIJ';

export interface FamilyEvent {
  id: string;
  type: string;
  /** ISO time it happened. */
  time: string;
  /** Partner id of the sender. */
  source: string;
  data: Record<string, unknown>;
}

export interface Placement {
  provider: string;
  crisis: boolean;
  since: string;
  eventId: string;
}

export interface Contribution {
  source: string;
  time: string;
  eventId: string;
  data: Record<string, unknown>;
}

export interface FamilyState {
  municipality: string | null;
  entry: 'GEZIN_ZELF' | 'VERWEZEN' | null;
  perspective: Perspective | null;
  vtReporter: 'LOKALE_TOEGANG' | 'ANDER' | null;
  vtPhase: 'TRIAGE' | 'WACHTLIJST' | 'ONDERZOEK' | null;
  vtRegieAgreement: boolean;
  vtPartner: string | null;
  preventive: boolean;
  preventiveGi: string | null;
  rvdkPhase: 'VERZOEK' | 'ONDERZOEK' | 'ZONDER_MAATREGEL' | 'MAATREGEL_GEVRAAGD' | null;
  measure: 'OTS' | 'VOOGDIJ' | null;
  measureGi: string | null;
  placements: Placement[];
  ambulant: Array<{ provider: string; since: string }>;
  /** persoonId → date of birth (YYYY-MM-DD). */
  birthDates: Record<string, string>;
  lastEvaluation: string | null;
  lastEvaluationPlanned: string | null;
  lastPlanChange: string | null;
  /** Partners named in events (provider, GI, handover target) besides the senders. */
  named: string[];
  kaart: Contribution[];
  plan: Contribution | null;
  planVersion: number;
  history: Array<{ time: string; type: string; source: string }>;
  /** A confidential address (shelter): no location data is routed while true. */
  confidential: boolean;
  /** Evaluations planned, held and requested, in happened-order. */
  evaluations: Array<{ source: string; time: string; kind: 'GEPLAND' | 'GEHOUDEN' | 'EXTRA_GEVRAAGD'; date?: string; regisseurPresent?: boolean; perspectiveDiscussed?: boolean }>;
  /** The person each organisation named as contact, for regie or for safety oversight. */
  contacts: Array<{ organisation: string; for: 'REGIE' | 'VEILIGHEID'; naam: string; functie?: string; telefoon?: string; email?: string; since: string }>;
}

export function emptyState(): FamilyState {
  return {
    municipality: null, entry: null, perspective: null, vtReporter: null, vtPhase: null, vtRegieAgreement: false, vtPartner: null,
    preventive: false, preventiveGi: null, rvdkPhase: null, measure: null, measureGi: null, placements: [], ambulant: [],
    birthDates: {}, lastEvaluation: null, lastEvaluationPlanned: null, lastPlanChange: null, named: [], kaart: [], plan: null, planVersion: 0, history: [], confidential: false, contacts: [], evaluations: [],
  };
}

export function kaderOf(state: FamilyState): Kader {
  return state.measure ?? (state.preventive ? 'PREVENTIEF_JUSTITIEEL' : 'VRIJWILLIG');
}

/** Happened-order: time, then id, so ties are broken the same way on every hub. */
export function byOccurrence(a: FamilyEvent, b: FamilyEvent): number {
  const ta = Date.parse(a.time);
  const tb = Date.parse(b.time);
  if (ta !== tb) return ta - tb;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export function foldFamily(events: readonly FamilyEvent[]): FamilyState {
  return [...events].sort(byOccurrence).reduce(apply, emptyState());
}

const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);

function name(state: FamilyState, partner: string | null): string[] {
  return partner && !state.named.includes(partner) ? [...state.named, partner] : state.named;
}

/** One event's effect on the state. Unknown types only add to the history. */
export function apply(previous: FamilyState, event: FamilyEvent): FamilyState {
  const d = event.data;
  const s: FamilyState = { ...previous, history: [...previous.history, { time: event.time, type: event.type, source: event.source }] };
  const kind = event.type.replace(/^nl\.ketenhub\./, '').replace(/\.v[0-9]+$/, '');
  const setMunicipality = () => {
    if (!s.municipality && str(d.gemeente)) s.municipality = str(d.gemeente);
  };
  const recordBirthDates = () => {
    const children = Array.isArray(d.kinderen) ? (d.kinderen as Array<{ persoon?: { persoonId?: string }; geboortedatum?: string }>) : [];
    s.birthDates = { ...s.birthDates };
    for (const child of children) {
      if (child.persoon?.persoonId && child.geboortedatum) s.birthDates[child.persoon.persoonId] = child.geboortedatum;
    }
  };
  switch (kind) {
    case 'toegang.hulpvraag-geregistreerd': {
      setMunicipality();
      if (!s.entry) s.entry = d.toegangsroute === 'GEZIN_ZELF' ? 'GEZIN_ZELF' : 'VERWEZEN';
      if (str(d.perspectief)) s.perspective = d.perspectief as Perspective;
      recordBirthDates();
      break;
    }
    case 'keten.toestemming-gegeven':
      // Consent names the children with their dates of birth: the age rules need them.
      recordBirthDates();
      break;
    case 'toegang.verblijf-gestart':
      setMunicipality();
      s.placements = [...s.placements.filter((p) => p.provider !== d.aanbieder), { provider: String(d.aanbieder), crisis: d.soort === 'CRISIS', since: event.time, eventId: event.id }];
      s.named = name(s, str(d.aanbieder));
      break;
    case 'toegang.verblijf-beeindigd':
      s.placements = s.placements.filter((p) => p.provider !== d.aanbieder);
      break;
    case 'toegang.ambulante-hulp-gestart':
      s.ambulant = [...s.ambulant.filter((a) => a.provider !== d.aanbieder), { provider: String(d.aanbieder), since: event.time }];
      s.named = name(s, str(d.aanbieder));
      break;
    case 'toegang.ambulante-hulp-beeindigd':
      s.ambulant = s.ambulant.filter((a) => a.provider !== d.aanbieder);
      break;
    case 'veiligthuis.melding-ontvangen':
      setMunicipality();
      s.vtReporter = d.melder === 'LOKALE_TOEGANG' ? 'LOKALE_TOEGANG' : 'ANDER';
      s.vtPhase = 'TRIAGE';
      s.vtRegieAgreement = false;
      s.vtPartner = event.source;
      break;
    case 'veiligthuis.triage-afgerond':
      s.vtPartner = event.source;
      s.vtPhase = d.uitkomst === 'WACHTLIJST' ? 'WACHTLIJST' : d.uitkomst === 'ONDERZOEK' ? 'ONDERZOEK' : null;
      break;
    case 'veiligthuis.wachtlijst-geplaatst':
      s.vtPhase = 'WACHTLIJST';
      s.vtPartner = event.source;
      break;
    case 'veiligthuis.onderzoek-gestart':
      s.vtPhase = 'ONDERZOEK';
      s.vtPartner = event.source;
      break;
    case 'veiligthuis.overgedragen-aan-hulp':
      s.vtPhase = null;
      s.vtRegieAgreement = false;
      s.named = name(s, str(d.aan));
      break;
    case 'rvdk.verzoek-onderzoek-ontvangen':
      setMunicipality();
      s.rvdkPhase = 'VERZOEK';
      break;
    case 'rvdk.onderzoek-gestart':
      s.rvdkPhase = 'ONDERZOEK';
      break;
    case 'rvdk.uitkomst-onderzoek':
      s.rvdkPhase = d.maatregelGevraagd === true ? 'MAATREGEL_GEVRAAGD' : 'ZONDER_MAATREGEL';
      break;
    case 'kinderrechter.maatregel-opgelegd':
      s.measure = d.maatregel === 'VOOGDIJ' ? 'VOOGDIJ' : 'OTS';
      s.measureGi = str(d.gi);
      s.rvdkPhase = null;
      s.named = name(s, str(d.gi));
      break;
    case 'kinderrechter.geen-maatregel':
      s.rvdkPhase = 'ZONDER_MAATREGEL';
      break;
    case 'kinderrechter.maatregel-beeindigd':
      s.measure = null;
      s.measureGi = null;
      break;
    case 'gi.preventief-kader-gestart':
      s.preventive = true;
      s.preventiveGi = event.source;
      break;
    case 'gi.preventief-kader-beeindigd':
      s.preventive = false;
      s.preventiveGi = null;
      break;
    case 'keten.toekomstperspectief-vastgesteld':
      s.perspective = d.perspectief as Perspective;
      s.lastPlanChange = event.time;
      break;
    case 'keten.evaluatie-gepland':
      s.lastEvaluationPlanned = event.time;
      s.evaluations = [...s.evaluations, { source: event.source, time: event.time, kind: 'GEPLAND', ...(str(d.datum) ? { date: String(d.datum) } : {}) }];
      break;
    case 'keten.evaluatie-gehouden':
      s.lastEvaluation = event.time;
      s.evaluations = [...s.evaluations, {
        source: event.source, time: event.time, kind: 'GEHOUDEN',
        ...(typeof d.regisseurAanwezig === 'boolean' ? { regisseurPresent: d.regisseurAanwezig } : {}),
        ...(typeof d.perspectiefBesproken === 'boolean' ? { perspectiveDiscussed: d.perspectiefBesproken } : {}),
      }];
      break;
    case 'keten.extra-evaluatie-gevraagd':
      s.evaluations = [...s.evaluations, { source: event.source, time: event.time, kind: 'EXTRA_GEVRAAGD' }];
      break;
    case 'keten.afspraak-vastgelegd':
      if (d.soort === 'VT_DRAAGT_REGIE_OVER') s.vtRegieAgreement = true;
      break;
    case 'keten.veiligheidskaart-bijdrage':
      s.kaart = [...s.kaart, { source: event.source, time: event.time, eventId: event.id, data: d }];
      break;
    case 'keten.perspectiefplan-vastgesteld':
      s.plan = { source: event.source, time: event.time, eventId: event.id, data: d };
      s.planVersion += 1;
      s.perspective = d.perspectief as Perspective;
      s.lastPlanChange = event.time;
      break;
    case 'keten.geheim-adres-gemarkeerd':
      s.confidential = true;
      break;
    case 'keten.geheim-adres-opgeheven':
      s.confidential = false;
      break;
    case 'keten.contactpersoon-benoemd': {
      const role = d.voor === 'VEILIGHEID' ? 'VEILIGHEID' : 'REGIE';
      const contact = {
        organisation: event.source, for: role, naam: String(d.naam), since: event.time,
        ...(str(d.functie) ? { functie: String(d.functie) } : {}), ...(str(d.telefoon) ? { telefoon: String(d.telefoon) } : {}), ...(str(d.email) ? { email: String(d.email) } : {}),
      } as const;
      s.contacts = [...s.contacts.filter((c) => !(c.organisation === event.source && c.for === role)), contact];
      break;
    }
    default:
      break;
  }
  return s;
}
