import { decideInvolvement, type InvolvementDecision, type InvolvementFacts } from '@ketenhub/domain';
import type { Region } from './region';

/** The region as the involvement rule sees it: its partners, and each municipality's local access. */
export function involvementDirectory(region: Region): InvolvementFacts['region'] {
  return {
    partner: (id) => region.partner(id),
    localAccessOf: (code) => region.config.municipalities.find((m) => m.code === code)?.localAccess,
  };
}

/** decideInvolvement with this region's partners: the hub's ingress decides through this. */
export function involvementIn(region: Region, facts: Omit<InvolvementFacts, 'region'>): InvolvementDecision {
  return decideInvolvement({ ...facts, region: involvementDirectory(region) });
}
