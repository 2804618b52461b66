/** Organisation roles in the chain (see docs/GLOSSARY.md). */
export const PARTNER_ROLES = ['LOKALE_TOEGANG', 'VEILIG_THUIS', 'RVDK', 'GI', 'AANBIEDER', 'KINDERRECHTER', 'GEMEENTE'] as const;
export type PartnerRole = (typeof PARTNER_ROLES)[number];
