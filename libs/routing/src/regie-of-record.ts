import {
  deadlines, decide, factsOf, isRegieGap, organisationFor,
  type Deadline, type FamilyState, type PartnerRole, type RegieDecision, type RegionDirectory,
} from '@ketenhub/domain';
import type { Region } from './region';

/** The region as the regie engine sees it: each municipality's local access, and which partners have a role there. */
export function regionDirectory(region: Region): RegionDirectory {
  const { config } = region;
  return {
    localAccessOf: (code) => config.municipalities.find((m) => m.code === code)?.localAccess ?? null,
    partnersWithRole: (role, code) => config.partners
      .filter((p) => p.role === role && (!p.municipalities || (code !== null && p.municipalities.includes(code))))
      .map((p) => p.id),
  };
}

export interface RegieHolder {
  role: PartnerRole | null;
  /** The organisation that holds the role for this family; null when the region names none. */
  organisation: string | null;
}

export interface RegieOfRecord {
  decision: RegieDecision;
  regisseur: RegieHolder;
  veiligheid: RegieHolder;
  /** A residential placement in the voluntary framework without regisseur (docs/REGIE.md, "always a regisseur"). */
  regieGap: boolean;
}

/**
 * What a region decides for a family's state: the row of its table with the municipality's
 * local choices, and the organisation that holds each role. The hub's family record and the
 * configuration replay both decide through this, so they cannot drift apart.
 */
export function regieOfRecord(region: Region, state: FamilyState): RegieOfRecord {
  const decision = decide(region.regieTable, factsOf(state), region.localChoices(state.municipality));
  const directory = regionDirectory(region);
  return {
    decision,
    regisseur: { role: decision.regisseur, organisation: organisationFor(decision.regisseur, state, directory) },
    veiligheid: { role: decision.veiligheid, organisation: organisationFor(decision.veiligheid, state, directory) },
    regieGap: isRegieGap(state, decision),
  };
}

/**
 * The deadlines a region asks for a family's state: its rule settings and the local choices of
 * the family's municipality (e.g. no 18+ handover where an all-ages professional holds regie).
 * The one place that builds the inputs of `deadlines`, so every caller passes the same.
 */
export function deadlinesOf(region: Region, state: FamilyState): Deadline[] {
  return deadlines(state, region.ruleSettings, region.localChoices(state.municipality));
}
