import * as path from 'node:path';
import { Contracts } from '@ketenhub/contracts';
import { repoRoot } from '@ketenhub/config';
import { describeContent, describeLocalChoices, explainEvent } from './explain';
import { loadRegion } from './region';

const contracts = Contracts.load();
const flevoland = loadRegion(path.join(repoRoot(), 'config', 'regions', 'flevoland'), contracts);
const bytes = (event: Record<string, unknown>) => Buffer.from(JSON.stringify({ specversion: '1.0', time: '2026-11-23T10:00:00Z', ...event }));

describe('explain: who would receive an event, and what of it', () => {
  it('a minimised route: each recipient gets the route\'s fields, not all of data', () => {
    const explanation = explainEvent(flevoland, contracts, bytes({
      id: 'v-1', source: 'urn:ketenhub:partner:rechtbank-midden-nederland', type: 'nl.ketenhub.kinderrechter.maatregel-opgelegd.v1',
      data: { kinderen: [{ bsn: '111222333' }], maatregel: 'OTS', gi: 'samen-veilig', zaakreferentie: 'C/16/1' },
    }), { municipality: 'GM0995', involved: ['samen-veilig'] });
    expect(explanation).toMatchObject({ ok: true, senderId: 'rechtbank-midden-nederland', municipality: 'GM0995', involved: ['samen-veilig'] });
    if (!explanation.ok) throw new Error('expected recipients');
    expect(explanation.recipients.map((r) => [r.partnerId, r.content, r.receives])).toEqual([
      ['samen-veilig', 'FIELDS', 'fields kinderen, maatregel, gi of data (BSNs as persoonId)'],
      ['toegang-lelystad', 'FIELDS', 'fields kinderen, maatregel, gi of data (BSNs as persoonId)'],
    ]);
  });

  it('a pointer-only route: a notice with sender and contact person; the municipality comes from the event when not given', () => {
    const explanation = explainEvent(flevoland, contracts, bytes({
      id: 'h-1', source: 'urn:ketenhub:partner:toegang-almere', type: 'nl.ketenhub.toegang.hulpvraag-geregistreerd.v1',
      data: { zaakreferentie: 'Z-1', gemeente: 'GM0034', toegangsroute: 'GEZIN_ZELF', kinderen: [{ persoon: { bsn: '111222333' }, geboortedatum: '2015-01-15' }], perspectief: 'THUIS' },
    }));
    if (!explanation.ok) throw new Error('expected recipients');
    expect(explanation.municipality).toBe('GM0034');
    expect(explanation.recipients).toEqual([expect.objectContaining({
      partnerId: 'veilig-thuis-flevoland', routeId: 'hulpvraag-verwijzing', content: 'POINTER_ONLY', receives: 'pointer-only notice (sender and contact person, no content)',
    })]);
  });

  it('shows the municipality\'s local choices, the all-ages professional included', () => {
    const explanation = explainEvent(flevoland, contracts, bytes({
      id: 'h-2', source: 'urn:ketenhub:partner:toegang-almere', type: 'nl.ketenhub.toegang.hulpvraag-geregistreerd.v1',
      data: { zaakreferentie: 'Z-2', gemeente: 'GM0034', toegangsroute: 'GEZIN_ZELF', kinderen: [{ persoon: { bsn: '111222333' }, geboortedatum: '2015-01-15' }], perspectief: 'THUIS' },
    }));
    if (!explanation.ok) throw new Error('expected recipients');
    expect(explanation.localChoices).toEqual({ regieLangdurigVerblijf: 'LOKALE_TOEGANG', preventiefKaderIngekocht: true, integraleFunctionarisAlleLeeftijden: false });
    expect(describeLocalChoices({ regieLangdurigVerblijf: 'AANBIEDER', preventiefKaderIngekocht: false, integraleFunctionarisAlleLeeftijden: true }))
      .toBe('regieLangdurigVerblijf AANBIEDER, preventiefKaderIngekocht false, integraleFunctionarisAlleLeeftijden true (no 18+ handover deadline)');
  });

  it('all of data when the route names no fields', () => {
    expect(describeContent({ partnerId: 'p', routeId: 'r', legalBasis: 'b', purpose: 'x' })).toBe('all fields of data (BSNs as persoonId)');
  });

  it('refuses as the hub would: a source that is no partner, a role that may not publish the type', () => {
    expect(explainEvent(flevoland, contracts, bytes({ id: 'x', source: 'urn:ketenhub:partner:onbekend', type: 'nl.ketenhub.keten.veiligheidskaart-bijdrage.v1', data: {} })))
      .toMatchObject({ ok: false, reason: 'GEEN_PARTNER' });
    expect(explainEvent(flevoland, contracts, bytes({
      id: 'y', source: 'urn:ketenhub:partner:toegang-almere', type: 'nl.ketenhub.kinderrechter.maatregel-opgelegd.v1',
      data: { kinderen: [{ bsn: '111222333' }], maatregel: 'OTS', gi: 'samen-veilig' },
    }))).toMatchObject({ ok: false, reason: 'NIET_TOEGESTAAN', errors: [{ message: 'a LOKALE_TOEGANG may not publish nl.ketenhub.kinderrechter.maatregel-opgelegd.v1' }] });
  });
});
