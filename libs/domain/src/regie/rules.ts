/**
 * The rules around the decision table, as pure functions of a family's state: the regie gap,
 * and the deadlines and watches that become timers.
 */
import { DEFAULT_LOCAL_CHOICES, type LocalChoices, type RegieDecision } from './decision-table';
import { kaderOf, type FamilyState } from './family-state';
import { addDays, endOfAmsterdamDay, nextWorkingDay } from './working-days';

export type DeadlineKind = 'START_AFSPRAKEN' | 'EVALUATIE_PERSPECTIEF' | 'ACHTTIEN_PLUS' | 'STAGNATIE' | 'PERSPECTIEF_THUIS_ZONDER_AMBULANTE_HULP';

export interface RuleSettings {
  /** Days before the 18th birthday that the handover signal goes out. */
  achttienPlusVoorloopDagen: number;
  /** Days without an evaluation or plan change, while help runs, before stagnation escalates. */
  stagnatieDagen: number;
  /** Days in residential care with perspective THUIS and no ambulant help at home before the watch fires. */
  thuisZonderAmbulanteHulpDagen: number;
  /** Days after a crisis placement by which an evaluation with the perspective must have been held. */
  crisisEvaluatieDagen: number;
  /** Days before a deadline that it is announced as approaching. */
  nadertDagen: number;
}

export const DEFAULT_RULE_SETTINGS: RuleSettings = {
  achttienPlusVoorloopDagen: 180, stagnatieDagen: 90, thuisZonderAmbulanteHulpDagen: 42, crisisEvaluatieDagen: 14, nadertDagen: 2,
};

export interface Deadline {
  kind: DeadlineKind;
  /** Stable per family: the same deadline is scheduled once, whatever the number of recomputations. */
  key: string;
  dueAt: string;
  /** When to announce it as approaching (absent: no announcement). */
  warnAt?: string;
  /** The person it is about, for ACHTTIEN_PLUS. */
  personId?: string;
}

/** Always a regisseur: a family with a residential placement in the voluntary framework and no regisseur of record. */
export function isRegieGap(state: FamilyState, decision: RegieDecision): boolean {
  return state.placements.length > 0 && kaderOf(state) === 'VRIJWILLIG' && decision.regisseur === null;
}

/** Residential providers always involve the regisseur in evaluations. */
export function isEvaluationWithoutRegisseur(eventType: string, data: Record<string, unknown>, senderRole: string): boolean {
  return /\.keten\.evaluatie-gehouden\.v[0-9]+$/.test(eventType) && senderRole === 'AANBIEDER' && data.regisseurAanwezig === false;
}

const later = (a: string | null, b: string | null): string | null => (a === null ? b : b === null ? a : Date.parse(a) >= Date.parse(b) ? a : b);
const plusDays = (moment: string, days: number): string => new Date(Date.parse(moment) + days * 86_400_000).toISOString();
const after = (moment: string | null, since: string): boolean => moment !== null && Date.parse(moment) >= Date.parse(since);

/**
 * Every deadline the family's state asks for now, under the region's settings and the local
 * choices of the family's municipality. A deadline no longer asked for is cancelled by the caller.
 */
export function deadlines(
  state: FamilyState, settings: RuleSettings = DEFAULT_RULE_SETTINGS,
  choices: Pick<LocalChoices, 'integraleFunctionarisAlleLeeftijden'> = DEFAULT_LOCAL_CHOICES,
): Deadline[] {
  const out: Deadline[] = [];
  const warn = (due: string) => plusDays(due, -settings.nadertDagen);
  for (const placement of state.placements.filter((p) => p.crisis)) {
    if (!after(state.lastEvaluationPlanned, placement.since) && !after(state.lastPlanChange, placement.since)) {
      const due = endOfAmsterdamDay(nextWorkingDay(placement.since));
      out.push({ kind: 'START_AFSPRAKEN', key: `start-afspraken:${placement.eventId}`, dueAt: due });
    }
    if (!after(state.lastEvaluation, placement.since)) {
      const due = plusDays(placement.since, settings.crisisEvaluatieDagen);
      out.push({ kind: 'EVALUATIE_PERSPECTIEF', key: `evaluatie:${placement.eventId}`, dueAt: due, warnAt: warn(due) });
    }
  }
  // "Zorgt voor een goede overdracht bij de overgang naar 18+ (is niet van toepassing als
  // perspectiefregie wordt uitgevoerd door een integraal werkende functionaris voor alle leeftijden)."
  const achttienPlus = choices.integraleFunctionarisAlleLeeftijden ? [] : Object.entries(state.birthDates);
  for (const [personId, birthDate] of achttienPlus) {
    const eighteen = addDays(`${Number(birthDate.slice(0, 4)) + 18}${birthDate.slice(4)}`, 0);
    out.push({ kind: 'ACHTTIEN_PLUS', key: `18:${personId}`, dueAt: plusDays(`${eighteen}T00:00:00.000Z`, -settings.achttienPlusVoorloopDagen), personId });
  }
  const helpSince = [...state.placements.map((p) => p.since), ...state.ambulant.map((a) => a.since)].sort()[0];
  if (helpSince) {
    const lastMove = later(later(state.lastEvaluation, state.lastPlanChange), helpSince) as string;
    const due = plusDays(lastMove, settings.stagnatieDagen);
    out.push({ kind: 'STAGNATIE', key: `stagnatie:${lastMove}`, dueAt: due, warnAt: warn(due) });
  }
  if (state.perspective === 'THUIS' && state.ambulant.length === 0) {
    for (const placement of state.placements) {
      const due = plusDays(placement.since, settings.thuisZonderAmbulanteHulpDagen);
      out.push({ kind: 'PERSPECTIEF_THUIS_ZONDER_AMBULANTE_HULP', key: `thuis:${placement.eventId}`, dueAt: due });
    }
  }
  return out;
}
