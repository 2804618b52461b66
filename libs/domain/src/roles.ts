/** Organisation roles in the chain (see docs/GLOSSARY.md). */
export const PARTNER_ROLES = ['LOKALE_TOEGANG', 'VEILIG_THUIS', 'RVDK', 'GI', 'AANBIEDER', 'KINDERRECHTER', 'GEMEENTE'] as const;
export type PartnerRole = (typeof PARTNER_ROLES)[number];

/** A stored role string back to its type; null for anything that is not a role. */
export function toPartnerRole(value: string | null | undefined): PartnerRole | null {
  return PARTNER_ROLES.find((role) => role === value) ?? null;
}
