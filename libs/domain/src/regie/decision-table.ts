import type { RegieOutcome, RegieTableV1 } from '@ketenhub/contracts';
import type { PartnerRole } from '../roles';
import type { FamilyState } from './family-state';

export type RegieTable = RegieTableV1;

/** The facts a table row can test, read from a family's state. */
export interface RegieFacts {
  entry: FamilyState['entry'];
  perspective: FamilyState['perspective'];
  vtReporter: FamilyState['vtReporter'];
  vtPhase: FamilyState['vtPhase'];
  vtRegieAgreement: boolean;
  preventive: boolean;
  rvdkPhase: FamilyState['rvdkPhase'];
  measure: FamilyState['measure'];
}

/** A municipality's local choices (region.yaml, municipalities[].lokaleKeuzes). */
export interface LocalChoices {
  regieLangdurigVerblijf: PartnerRole;
  preventiefKaderIngekocht: boolean;
  /** Perspectiefregie is held by an integrally working professional for all ages: no 18+ handover (docs/REGIE.md). */
  integraleFunctionarisAlleLeeftijden: boolean;
}

export const DEFAULT_LOCAL_CHOICES: LocalChoices = {
  regieLangdurigVerblijf: 'LOKALE_TOEGANG', preventiefKaderIngekocht: false, integraleFunctionarisAlleLeeftijden: false,
};

export interface RegieDecision {
  regisseur: PartnerRole | null;
  veiligheid: PartnerRole | null;
  /** Which row of which table version decided; null when no row applies. */
  row: string | null;
  table: string;
  tableVersion: string;
}

export function factsOf(state: FamilyState): RegieFacts {
  return {
    entry: state.entry, perspective: state.perspective, vtReporter: state.vtReporter, vtPhase: state.vtPhase,
    vtRegieAgreement: state.vtRegieAgreement, preventive: state.preventive, rvdkPhase: state.rvdkPhase, measure: state.measure,
  };
}

export function decide(table: RegieTable, facts: RegieFacts, choices: LocalChoices = DEFAULT_LOCAL_CHOICES): RegieDecision {
  for (const row of table.rows) {
    const holds = Object.entries(row.when).every(([fact, allowed]) => (allowed as unknown[]).includes(facts[fact as keyof RegieFacts] ?? null));
    if (!holds) continue;
    const regisseur = outcome(row.regisseur, choices, null);
    return { regisseur, veiligheid: outcome(row.veiligheid, choices, regisseur), row: row.id, table: table.table, tableVersion: table.version };
  }
  return { regisseur: null, veiligheid: null, row: null, table: table.table, tableVersion: table.version };
}

function outcome(rule: RegieOutcome, choices: LocalChoices, regisseur: PartnerRole | null): PartnerRole | null {
  if ('role' in rule) return rule.role;
  if ('sameAsRegisseur' in rule) return regisseur;
  const value = choices[rule.localChoice];
  if (rule.values) return (rule.values[String(value)] as PartnerRole | undefined) ?? null;
  return typeof value === 'string' ? value : null;
}
