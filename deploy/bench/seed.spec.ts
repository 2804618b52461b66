import * as path from 'node:path';
import { Contracts } from '@ketenhub/contracts';
import { INVOLVEMENT_BASIS } from '@ketenhub/domain';
import { partnerSource, Topics } from '@ketenhub/messaging';
import { loadRegion } from '@ketenhub/routing';
import { involvementAuditId } from '../../apps/hub/src/ids';
import { repoRoot } from '../local/process-util';
import { ROWS_PER_FAMILY, seededAuditTrail, seedUuid, storyInvolvements } from './seed';

const region = loadRegion(path.join(repoRoot(), 'config/regions/flevoland'), Contracts.load());
const topics = new Topics('bench.');

describe('the growth bench seeder writes what the involvement rule decides for the story', () => {
  it('involves local access by LOKALE_TOEGANG at the request for help and Veilig Thuis by MELDING at its report', () => {
    expect(storyInvolvements(region)).toEqual([
      { step: 1, who: 'toegang', relation: 'LOKALE_TOEGANG', basis: INVOLVEMENT_BASIS.LOKALE_TOEGANG },
      { step: 2, who: 'vt', relation: 'MELDING', basis: INVOLVEMENT_BASIS.MELDING },
    ]);
    expect(storyInvolvements(region)).toHaveLength(ROWS_PER_FAMILY.involvement);
  });

  it("chains each event's INVOLVE record before its disclosures, as the hub's transaction writes them", () => {
    const i = 7; // toegang-dronten (i % 6 = 1)
    const trail = seededAuditTrail(region, topics, i);
    expect(trail).toHaveLength(ROWS_PER_FAMILY.audit_log);
    expect(trail.map((r) => r.action)).toEqual(['INVOLVE', 'DISCLOSE', 'DISCLOSE', 'DISCLOSE', 'INVOLVE', ...Array(8).fill('DISCLOSE')]);
    const familyId = seedUuid('family', i);
    const event = (step: number) => seedUuid('event', i, step);
    const [toegang, vt] = [trail[0], trail[4]];
    expect(toegang).toMatchObject({
      auditId: involvementAuditId(familyId, 'toegang-dronten', partnerSource('toegang-dronten'), event(1)), outcome: 'SUCCESS',
      actorPartnerId: 'toegang-dronten', actorRole: 'LOKALE_TOEGANG', recipientPartnerId: 'toegang-dronten', familyId,
      accessPoint: 'kafka:bench.inbound.toegang-dronten', dataCategories: ['betrokkenheid'], legalBasis: INVOLVEMENT_BASIS.LOKALE_TOEGANG,
      ruleId: 'LOKALE_TOEGANG', configVersion: region.version, messageId: null, causationId: event(1),
    });
    expect(vt).toMatchObject({
      actorPartnerId: 'veilig-thuis-flevoland', actorRole: 'VEILIG_THUIS', recipientPartnerId: 'veilig-thuis-flevoland',
      accessPoint: 'kafka:bench.inbound.veilig-thuis-flevoland', legalBasis: INVOLVEMENT_BASIS.MELDING, ruleId: 'MELDING', causationId: event(2),
    });
    // Within a step the records are a millisecond apart from the decision on, in chain order.
    const times = trail.map((r) => Date.parse(r.occurredAt));
    expect(times[1] - times[0]).toBe(1);
    expect(times[5] - times[4]).toBe(1);
  });
});
