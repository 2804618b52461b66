import * as fs from 'node:fs';
import * as path from 'node:path';
import { Contracts } from '@ketenhub/contracts';
import { repoRoot } from '@ketenhub/config';
import type { FamilyEvent } from '@ketenhub/domain';
import { parseRegion, type Region } from './region';
import { formatReplayReport, replay, type ReplayEvent, type ReplayFamily } from './replay';

const contracts = Contracts.load();
const flevolandText = fs.readFileSync(path.join(repoRoot(), 'config', 'regions', 'flevoland', 'region.yaml'), 'utf8');
const flevoland = parseRegion(flevolandText, 'flevoland/region.yaml', contracts);

/** A copy of Flevoland with one edit; the edit must change the text, so a typo in a test cannot pass silently. */
function flevolandWith(edit: (text: string) => string): Region {
  const text = edit(flevolandText);
  if (text === flevolandText) throw new Error('the edit changed nothing');
  return parseRegion(text, 'candidate/region.yaml', contracts);
}

const T = (type: string) => `nl.ketenhub.${type}.v1`;
const FAMILY = '3f1c2a9e-5b7d-4c1e-9a20-6d8e4f0b1c2d';
let seq = 0;
function event(senderId: string, type: string, overrides: Partial<ReplayEvent> = {}): ReplayEvent {
  seq += 1;
  return {
    id: `ev-${String(seq).padStart(4, '0')}`, type: T(type), time: `2026-11-${String(1 + (seq % 28)).padStart(2, '0')}T09:00:00.000Z`,
    senderId, familyId: FAMILY, municipality: 'GM0034', involvedBefore: [], ...overrides,
  };
}
function familyEvent(source: string, type: string, time: string, data: Record<string, unknown> = {}): FamilyEvent {
  seq += 1;
  return { id: `fe-${seq}`, type: T(type), time, source, data: { kinderen: [{ persoonId: 'c0a80164-0000-4000-8000-000000000001' }], ...data } };
}

describe('replay: the period under the active and the candidate version', () => {
  const hulpvraag = event('toegang-almere', 'toegang.hulpvraag-geregistreerd');
  const maatregel = event('rechtbank-midden-nederland', 'kinderrechter.maatregel-opgelegd', { involvedBefore: ['toegang-almere', 'samen-veilig'] });
  const kaart = event('samen-veilig', 'keten.veiligheidskaart-bijdrage', { involvedBefore: ['toegang-almere', 'samen-veilig'] });
  const period = [hulpvraag, maatregel, kaart];

  it('the same version: no differences, every event counted', () => {
    const report = replay({ events: period }, flevoland, flevoland);
    expect(report.events).toEqual([]);
    expect(report.summary).toMatchObject({ eventsReplayed: 3, eventsWithDifferences: 0, recipientsAdded: 0, recipientsRemoved: 0, recipientsChanged: 0 });
    expect(formatReplayReport(report)).toContain('no differences');
  });

  it('a removed route: the partner it served no longer receives the event', () => {
    const candidate = flevolandWith((t) => t.replace(/  - id: hulpvraag-verwijzing\n(    .*\n)+/, ''));
    const report = replay({ events: period }, flevoland, candidate);
    expect(report.events).toEqual([expect.objectContaining({
      eventId: hulpvraag.id, senderId: 'toegang-almere', refused: [],
      recipients: [{ kind: 'REMOVED', partnerId: 'veilig-thuis-flevoland', active: expect.objectContaining({ routeId: 'hulpvraag-verwijzing', legalBasis: 'VERWIJSINDEX', pointerOnly: true }) }],
    })]);
    expect(report.summary).toMatchObject({ eventsReplayed: 3, eventsWithDifferences: 1, recipientsRemoved: 1, recipientsAdded: 0 });
    expect(formatReplayReport(report)).toContain(`event ${hulpvraag.id} (${hulpvraag.type}) from toegang-almere on ${hulpvraag.time}: - partner veilig-thuis-flevoland would no longer receive it (now rule hulpvraag-verwijzing, basis VERWIJSINDEX)`);
  });

  it('a route that reaches one more relation: the partner is added, under the rule and legal basis that would send it', () => {
    const candidate = flevolandWith((t) => t.replace(
      '             nl.ketenhub.keten.geheim-adres-gemarkeerd.v1, nl.ketenhub.keten.geheim-adres-opgeheven.v1]\n    to: [{ relation: INVOLVED }]',
      '             nl.ketenhub.keten.geheim-adres-gemarkeerd.v1, nl.ketenhub.keten.geheim-adres-opgeheven.v1]\n    to: [{ relation: INVOLVED }, { relation: LOCAL_ACCESS }]'));
    const lone = event('samen-veilig', 'keten.veiligheidskaart-bijdrage', { involvedBefore: ['samen-veilig'] });
    const report = replay({ events: [lone, kaart] }, flevoland, candidate);
    // `kaart` already reached toegang-almere as an involved partner: no difference there.
    expect(report.events.map((e) => e.eventId)).toEqual([lone.id]);
    expect(report.events[0].recipients).toEqual([{ kind: 'ADDED', partnerId: 'toegang-almere', candidate: expect.objectContaining({ routeId: 'perspectief-naar-betrokkenen', legalBasis: 'JEUGDWET_7_4_0' }) }]);
    expect(formatReplayReport(report)[0]).toBe(
      `event ${lone.id} (${lone.type}) from samen-veilig on ${lone.time}: + partner toegang-almere would receive it under rule perspectief-naar-betrokkenen (basis JEUGDWET_7_4_0), all fields`);
  });

  it('a field more (the court\'s end date): the recipient stays, with the fields that change', () => {
    // Every field the route keeps is required by the schema, so the route can only gain one.
    const candidate = flevolandWith((t) => t.replace('fields: [kinderen, maatregel, gi]', 'fields: [kinderen, maatregel, gi, tot]'));
    const report = replay({ events: period }, flevoland, candidate);
    expect(report.events).toHaveLength(1);
    expect(report.events[0]).toMatchObject({ eventId: maatregel.id, senderId: 'rechtbank-midden-nederland' });
    expect(report.events[0].recipients).toEqual([
      expect.objectContaining({ kind: 'CHANGED', partnerId: 'samen-veilig', changed: ['fields'] }),
      expect.objectContaining({ kind: 'CHANGED', partnerId: 'toegang-almere', changed: ['fields'] }),
    ]);
    expect(report.summary.recipientsChanged).toBe(2);
    expect(formatReplayReport(report)).toContain(`event ${maatregel.id} (${maatregel.type}) from rechtbank-midden-nederland on ${maatregel.time}: ~ partner toegang-almere: fields kinderen,maatregel,gi → kinderen,maatregel,gi,tot`);
  });

  it('the same fields in another order disclose the same: no difference', () => {
    const candidate = flevolandWith((t) => t.replace('fields: [kinderen, maatregel, gi]', 'fields: [gi, kinderen, maatregel]'));
    expect(replay({ events: period }, flevoland, candidate).events).toEqual([]);
  });

  it('pointer-only, legal basis and rule changes are named as such', () => {
    const candidate = flevolandWith((t) => t
      .replace('    pointerOnly: true\n    legalBasis: VERWIJSINDEX', '    legalBasis: TOESTEMMING')
      .replace('  - id: hulpvraag-verwijzing\n', '  - id: hulpvraag-naar-vt\n'));
    const report = replay({ events: [hulpvraag] }, flevoland, candidate);
    expect(report.events[0].recipients).toEqual([expect.objectContaining({ kind: 'CHANGED', partnerId: 'veilig-thuis-flevoland', changed: ['routeId', 'legalBasis', 'pointerOnly'] })]);
    expect(formatReplayReport(report)[0]).toContain('~ partner veilig-thuis-flevoland: rule hulpvraag-verwijzing → hulpvraag-naar-vt; basis VERWIJSINDEX → TOESTEMMING; pointer-only notice → all fields');
  });

  it('uses the facts the event had: only partners involved before it, never the sender, the municipality at the time', () => {
    const candidate = flevolandWith((t) => t.replace('to: [{ relation: INVOLVED }]\n    legalBasis: BESCHIKKING', 'to: [{ relation: INVOLVED }, { relation: LOCAL_ACCESS }]\n    legalBasis: BESCHIKKING'));
    const inDronten = event('verblijf-flevoland', 'toegang.verblijf-gestart', { municipality: 'GM0303', involvedBefore: ['verblijf-flevoland'] });
    const unknownPlace = event('verblijf-flevoland', 'toegang.verblijf-gestart', { municipality: null, involvedBefore: ['toegang-almere'] });
    const report = replay({ events: [inDronten, unknownPlace] }, flevoland, candidate);
    expect(report.events.map((e) => [e.eventId, e.recipients.map((r) => `${r.kind} ${r.partnerId}`)])).toEqual([[inDronten.id, ['ADDED toegang-dronten']]]);
  });

  it('an event the candidate would refuse: its sender is no partner, so every recipient is removed', () => {
    const candidate = flevolandWith((t) => t.replace('  - { id: rechtbank-midden-nederland, name: Rechtbank Midden-Nederland (kinderrechter), role: KINDERRECHTER }\n', ''));
    const report = replay({ events: period }, flevoland, candidate);
    expect(report.events).toEqual([expect.objectContaining({
      eventId: maatregel.id,
      refused: [{ version: 'CANDIDATE', reason: 'GEEN_PARTNER', detail: 'rechtbank-midden-nederland is not a partner of region flevoland' }],
      recipients: [expect.objectContaining({ kind: 'REMOVED', partnerId: 'samen-veilig' }), expect.objectContaining({ kind: 'REMOVED', partnerId: 'toegang-almere' })],
    })]);
    expect(report.summary).toMatchObject({ refusedByCandidate: 1, acceptedByCandidate: 0, recipientsRemoved: 2 });
    expect(formatReplayReport(report)[0]).toContain('! the candidate would refuse it (GEEN_PARTNER: rechtbank-midden-nederland is not a partner of region flevoland)');
  });

  it('a sender whose new role may not publish the type is refused when the caller passes the publisher rule', () => {
    const candidate = flevolandWith((t) => t.replace('role: KINDERRECHTER }', 'role: RVDK }'));
    const mayPublish = (role: string, type: string) => contracts.publishersOf(type).includes(role);
    expect(replay({ events: [maatregel] }, flevoland, candidate, { mayPublish }).events[0].refused).toEqual([
      { version: 'CANDIDATE', reason: 'NIET_TOEGESTAAN', detail: `a RVDK may not publish ${maatregel.type}` },
    ]);
    // Without the rule only partnership counts, and the partner still exists.
    expect(replay({ events: [maatregel] }, flevoland, candidate).events).toEqual([]);
  });

  it('the same report whatever order the events and families come in', () => {
    const candidate = flevolandWith((t) => t.replace('fields: [kinderen, maatregel, gi]', 'fields: [kinderen, maatregel, gi, tot]').replace('regieTabel: standaard', 'regieTabel: west-brabant-west'));
    const families: ReplayFamily[] = ['a', 'b', 'c'].map((x) => ({
      familyId: `0000000${x}-0000-4000-8000-000000000000`,
      events: [familyEvent('veilig-thuis-flevoland', 'veiligthuis.melding-ontvangen', '2026-11-02T10:00:00Z', { gemeente: 'GM0034', melder: 'POLITIE' })],
    }));
    const many = Array.from({ length: 30 }, (_, i) => event('rechtbank-midden-nederland', 'kinderrechter.maatregel-opgelegd', { involvedBefore: ['toegang-almere'], time: `2026-11-0${1 + (i % 3)}T09:00:00.000Z` }));
    const forward = replay({ events: many, families }, flevoland, candidate);
    const backward = replay({ events: [...many].reverse(), families: [...families].reverse() }, flevoland, candidate);
    expect(backward).toEqual(forward);
    const times = forward.events.map((e) => `${e.time} ${e.eventId}`);
    expect(times).toEqual([...times].sort());
    expect(forward.families.map((f) => f.familyId)).toEqual(families.map((f) => f.familyId));
  });

  it('reports progress every 1000 events', () => {
    const calls: number[] = [];
    const many = Array.from({ length: 2500 }, () => event('toegang-almere', 'keten.veiligheidskaart-bijdrage', { involvedBefore: ['samen-veilig'] }));
    replay({ events: many }, flevoland, flevoland, { onProgress: (n, total) => calls.push(n, total) });
    expect(calls).toEqual([1000, 2500, 2000, 2500]);
  });
});

describe('replay: the regie decision each version makes now', () => {
  const family = (events: FamilyEvent[]): ReplayFamily => ({ familyId: '9a8b7c6d-0000-4000-8000-00000000000f', events });
  const report = (candidate: Region, events: FamilyEvent[]) => replay({ events: [], families: [family(events)] }, flevoland, candidate);

  it('table west-brabant-west: a police report to Veilig Thuis leaves regie with local access (standaard: Veilig Thuis)', () => {
    const candidate = flevolandWith((t) => t.replace('regieTabel: standaard', 'regieTabel: west-brabant-west'));
    const r = report(candidate, [familyEvent('veilig-thuis-flevoland', 'veiligthuis.melding-ontvangen', '2026-11-02T10:00:00Z', { gemeente: 'GM0034', melder: 'POLITIE' })]);
    expect(r.families).toEqual([expect.objectContaining({
      municipality: 'GM0034', changed: ['regisseur'],
      active: expect.objectContaining({ regisseur: { role: 'VEILIG_THUIS', organisation: 'veilig-thuis-flevoland' }, veiligheid: { role: 'VEILIG_THUIS', organisation: 'veilig-thuis-flevoland' }, row: 'VT-ANDEREN', table: 'standaard' }),
      candidate: expect.objectContaining({ regisseur: { role: 'LOKALE_TOEGANG', organisation: 'toegang-almere' }, row: 'VT-BETROKKEN', table: 'west-brabant-west' }),
    })]);
    expect(r.summary).toMatchObject({ familiesReplayed: 1, familiesWithRegieDifferences: 1 });
    const lines = formatReplayReport(r);
    expect(lines).toContain('family 9a8b7c6d-0000-4000-8000-00000000000f: regisseur VEILIG_THUIS/veilig-thuis-flevoland → LOKALE_TOEGANG/toegang-almere (row VT-ANDEREN → VT-BETROKKEN)');
    expect(lines.join('\n')).toContain('follow from these regie differences');
  });

  it('a local choice: Almere no longer buying the preventive framework moves safety oversight during an RvdK investigation', () => {
    const candidate = flevolandWith((t) => t.replace('preventiefKaderIngekocht: true', 'preventiefKaderIngekocht: false'));
    const r = report(candidate, [
      familyEvent('toegang-almere', 'toegang.hulpvraag-geregistreerd', '2026-11-01T10:00:00Z', { gemeente: 'GM0034', toegangsroute: 'GEZIN_ZELF', perspectief: 'THUIS' }),
      familyEvent('rvdk-flevoland', 'rvdk.verzoek-onderzoek-ontvangen', '2026-11-03T10:00:00Z', { gemeente: 'GM0034', verzoeker: 'LOKALE_TOEGANG' }),
    ]);
    expect(r.families).toEqual([expect.objectContaining({
      changed: ['veiligheid'],
      active: expect.objectContaining({ veiligheid: { role: 'GI', organisation: 'samen-veilig' }, row: 'RVDK' }),
      candidate: expect.objectContaining({ veiligheid: { role: 'LOKALE_TOEGANG', organisation: 'toegang-almere' }, row: 'RVDK' }),
    })]);
    expect(formatReplayReport(r)[0]).toBe('family 9a8b7c6d-0000-4000-8000-00000000000f: veiligheid GI/samen-veilig → LOKALE_TOEGANG/toegang-almere');
  });

  it('a regie gap under one table and not the other', () => {
    const candidate = flevolandWith((t) => t.replace('regieTabel: standaard', 'regieTabel: west-brabant-west'));
    const r = report(candidate, [
      familyEvent('verblijf-flevoland', 'toegang.verblijf-gestart', '2026-11-01T10:00:00Z', { soort: 'REGULIER', aanbieder: 'verblijf-flevoland', gemeente: 'GM0034' }),
      familyEvent('veilig-thuis-flevoland', 'veiligthuis.triage-afgerond', '2026-11-02T10:00:00Z', { uitkomst: 'WACHTLIJST' }),
    ]);
    expect(r.families[0].changed).toEqual(['regisseur', 'veiligheid', 'regieGap']);
    expect(r.families[0].active).toMatchObject({ regisseur: { role: null, organisation: null }, regieGap: true });
    expect(formatReplayReport(r)).toEqual(expect.arrayContaining([
      'family 9a8b7c6d-0000-4000-8000-00000000000f: regisseur (none) → LOKALE_TOEGANG/toegang-almere (row none → VT-BETROKKEN)',
      'family 9a8b7c6d-0000-4000-8000-00000000000f: regie gap yes → no',
    ]));
  });

  it('a different row with the same holders is no difference: nothing would be sent', () => {
    const candidate = flevolandWith((t) => t.replace('regieTabel: standaard', 'regieTabel: west-brabant-west'));
    const r = report(candidate, [familyEvent('toegang-almere', 'toegang.hulpvraag-geregistreerd', '2026-11-01T10:00:00Z', { gemeente: 'GM0034', toegangsroute: 'GEZIN_ZELF', perspectief: 'THUIS' })]);
    expect(r.families).toEqual([]);
    expect(r.summary).toMatchObject({ familiesReplayed: 1, familiesWithRegieDifferences: 0 });
  });
});
