/**
 * A read gives an involved partner what its ordinary routes give. The handover package
 * (dossier-overgedragen) goes to a newcomer once, when it joins; before issue 21 every read
 * counted the reader as a newcomer, so the newcomer route gave it the whole record every time.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EntityManager } from 'typeorm';
import { Contracts } from '@ketenhub/contracts';
import { repoRoot } from '@ketenhub/config';
import type { FamilyStore } from '@ketenhub/persistence';
import { parseRegion } from '@ketenhub/routing';
import type { FamilyView } from './read-family.use-case';
import { RouteViewFilter } from './view-filter';

const contracts = Contracts.load();
const text = fs.readFileSync(path.join(repoRoot(), 'config', 'regions', 'flevoland', 'region.yaml'), 'utf8');
/** Flevoland, but the card, plan and evaluations reach no involved partner by an ordinary route: only the newcomer's package carries them. */
const withoutCardRoutes = parseRegion(
  text.replace(/nl\.ketenhub\.keten\.(evaluatie-gehouden|veiligheidskaart-bijdrage|perspectiefplan-vastgesteld)\.v1,\s*/g, ''),
  'flevoland without card routes (test)', contracts);
const flevoland = parseRegion(text, 'flevoland (test)', contracts);

const involvedOnly = (partners: string[]) => ({ involved: async () => partners }) as unknown as FamilyStore;
const db = {} as EntityManager;
const view: FamilyView = {
  familyId: 'f-1', gemeente: 'GM0034', kader: 'VRIJWILLIG',
  regisseur: { rol: 'LOKALE_TOEGANG', organisatie: 'toegang-almere' },
  veiligheidskaart: { versie: 1, samenvatting: { zorgen: [{ bron: 'veilig-thuis-flevoland', tijd: '2026-03-02T09:00:00.000Z', tekst: 'Geweld' }] } as never, bijdragen: [] },
  evaluaties: [{ bron: 'toegang-almere', tijd: '2026-03-02T09:00:00.000Z', soort: 'GEHOUDEN' }],
  geschiedenis: [], regieGeschiedenis: [],
};
const reader = { kind: 'PARTNER', partnerId: 'ambulant-flevoland' } as const;

describe('RouteViewFilter: a newcomer is a newcomer once', () => {
  it('an involved provider whose routes do not carry the card does not get it on a read', async () => {
    const visible = await new RouteViewFilter(withoutCardRoutes, involvedOnly(['toegang-almere', 'ambulant-flevoland'])).filter(db, view, reader as never);
    expect(visible).toBeDefined();
    expect(visible!.veiligheidskaart).toBeUndefined();
    expect(visible!.evaluaties).toEqual([]);
    expect(visible!.regisseur).toEqual(view.regisseur);
  });

  it('one whose routes carry the card gets it', async () => {
    const visible = await new RouteViewFilter(flevoland, involvedOnly(['toegang-almere', 'ambulant-flevoland'])).filter(db, view, reader as never);
    expect(visible!.veiligheidskaart).toEqual(view.veiligheidskaart);
  });

  it('the regisseur gets what its package carries', async () => {
    const visible = await new RouteViewFilter(withoutCardRoutes, involvedOnly(['toegang-almere'])).filter(db, view, { kind: 'PARTNER', partnerId: 'toegang-almere' } as never);
    expect(visible!.veiligheidskaart).toEqual(view.veiligheidskaart);
  });

  it('a partner not involved sees nothing', async () => {
    expect(await new RouteViewFilter(flevoland, involvedOnly(['toegang-almere'])).filter(db, view, reader as never)).toBeUndefined();
  });
});
