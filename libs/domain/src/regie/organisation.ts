import type { PartnerRole } from '../roles';
import type { FamilyState } from './family-state';

/** What the engine needs to know of the region to name organisations. */
export interface RegionDirectory {
  localAccessOf(municipality: string | null): string | null;
  partnersWithRole(role: PartnerRole, municipality: string | null): string[];
}

/**
 * The table decides the role; the family's own story names the organisation where it can (the GI
 * the court named, the Veilig Thuis that reported, the provider of the placement), the region
 * otherwise. That organisation then names the person: the family's fixed point of contact.
 */
export function organisationFor(role: PartnerRole | null, state: FamilyState, region: RegionDirectory): string | null {
  if (role === null) return null;
  const fromRegion = () => region.partnersWithRole(role, state.municipality)[0] ?? null;
  switch (role) {
    case 'LOKALE_TOEGANG':
      return region.localAccessOf(state.municipality) ?? fromRegion();
    case 'VEILIG_THUIS':
      return state.vtPartner ?? fromRegion();
    case 'GI':
      return state.measureGi ?? state.preventiveGi ?? fromRegion();
    case 'AANBIEDER':
      return state.placements[0]?.provider ?? fromRegion();
    case 'RVDK':
    case 'KINDERRECHTER':
    case 'GEMEENTE':
      return fromRegion();
    default: {
      const never: never = role;
      throw new Error(`unknown role ${String(never)}`);
    }
  }
}
