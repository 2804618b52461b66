import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { foldFamily, toPartnerRole } from '@ketenhub/domain';
import type { AuditStore, RegieStore } from '@ketenhub/persistence';
import type { Region } from '@ketenhub/routing';
import { handoverPackage, holder, summariseKaart, type HandoverPackage } from './handover';

/** Who asks. Until partners authenticate (partner gateway issue) every read is the system's own. */
export type Requester = { kind: 'SYSTEM' } | { kind: 'PARTNER'; partnerId: string; role: string };

export enum ReadErrorCode {
  FamilyNotFound = 'FAMILY_NOT_FOUND',
  VersionNotFound = 'VERSION_NOT_FOUND',
}

export class ReadFamilyError extends Error {
  constructor(readonly code: ReadErrorCode, message: string) {
    super(message);
  }
}

export interface FamilyView extends HandoverPackage {
  familyId: string;
  gemeente: string | null;
  regieGeschiedenis: Array<{ tijd: string; soort: string; van: string | null; naar: string | null; rij: string | null; tabel: string; tabelversie: string; configVersie: string; oorzaak: string }>;
}

/**
 * Narrows a view to what a requester may see. The governance issue plugs in the region's
 * routes and legal bases here; the read side already asks for every read.
 */
export interface FamilyViewFilter {
  filter(view: FamilyView, requester: Requester): FamilyView | undefined;
}

export const SYSTEM_SEES_ALL: FamilyViewFilter = {
  filter: (view, requester) => (requester.kind === 'SYSTEM' ? view : undefined),
};

/** Reads a family's record back: holders of record, card, plan, and the full history; every read is audited. */
export class ReadFamilyUseCase {
  constructor(
    private readonly deps: { dataSource: DataSource; regie: RegieStore; audit: AuditStore; region: Region; filter: FamilyViewFilter; systemId: string },
  ) {}

  async family(familyId: string, requester: Requester, accessPoint: string): Promise<FamilyView> {
    return this.deps.dataSource.transaction(async (db) => {
      const events = await this.deps.regie.events(db, familyId);
      if (events.length === 0) throw new ReadFamilyError(ReadErrorCode.FamilyNotFound, `no family ${familyId}`);
      const state = foldFamily(events);
      const record = await this.deps.regie.current(db, familyId);
      const history = await this.deps.regie.history(db, familyId);
      const view: FamilyView = {
        familyId,
        gemeente: state.municipality,
        ...handoverPackage(
          state,
          holder(toPartnerRole(record?.regisseurRole), record?.regisseurPartner ?? null, state, 'REGIE'),
          holder(toPartnerRole(record?.veiligheidRole), record?.veiligheidPartner ?? null, state, 'VEILIGHEID'),
        ),
        regieGeschiedenis: history.map((h) => ({
          tijd: h.recordedAt, soort: h.kind, van: h.fromPartner ?? h.fromRole, naar: h.toPartner ?? h.toRole, rij: h.rowId,
          tabel: h.tableName, tabelversie: h.tableVersion, configVersie: h.configVersion, oorzaak: h.causeEventId,
        })),
      };
      const visible = this.deps.filter.filter(view, requester);
      await this.deps.audit.append(db, [{
        auditId: randomUUID(), action: 'READ', occurredAt: new Date().toISOString(), outcome: visible ? 'SUCCESS' : 'REFUSED',
        systemId: this.deps.systemId, actorPartnerId: requester.kind === 'PARTNER' ? requester.partnerId : null,
        actorRole: requester.kind === 'PARTNER' ? requester.role : 'SYSTEM', recipientPartnerId: null, purpose: null, accessPoint, familyId,
        dataCategories: ['gezinsdossier'], legalBasis: null, ruleId: null, configVersion: this.deps.region.version, messageId: null, causationId: null,
      }]);
      if (!visible) throw new ReadFamilyError(ReadErrorCode.FamilyNotFound, `no family ${familyId}`);
      return visible;
    });
  }

  /** The veiligheidskaart as it stood at version n (the first n contributions in happened-order). */
  async kaart(familyId: string, version: number | undefined, requester: Requester, accessPoint: string): Promise<FamilyView['veiligheidskaart']> {
    const view = await this.family(familyId, requester, accessPoint);
    const all = view.veiligheidskaart.bijdragen;
    const n = version ?? all.length;
    if (n < 0 || n > all.length) throw new ReadFamilyError(ReadErrorCode.VersionNotFound, `veiligheidskaart has versions 0 to ${all.length}`);
    const bijdragen = all.slice(0, n);
    const samenvatting = summariseKaart(bijdragen.map((b) => ({ source: b.bron, time: b.tijd, eventId: b.eventId ?? '', data: { ...b.bijdrage } })));
    return { versie: n, samenvatting, bijdragen };
  }

  /** The perspectiefplan at version n (the n-th plan set), or the current one. */
  async plan(familyId: string, version: number | undefined, requester: Requester, accessPoint: string): Promise<NonNullable<FamilyView['perspectiefplan']>> {
    await this.family(familyId, requester, accessPoint);
    const events = await this.deps.dataSource.transaction((db) => this.deps.regie.events(db, familyId));
    const plans = events.filter((e) => /\.keten\.perspectiefplan-vastgesteld\.v[0-9]+$/.test(e.type));
    const n = version ?? plans.length;
    if (n < 1 || n > plans.length) throw new ReadFamilyError(ReadErrorCode.VersionNotFound, `perspectiefplan has versions 1 to ${plans.length}`);
    // Events come in happened-order: the state up to the n-th plan holds that plan as current.
    const pkg = handoverPackage(foldFamily(events.slice(0, events.indexOf(plans[n - 1]) + 1)), undefined, undefined);
    if (!pkg.perspectiefplan) throw new ReadFamilyError(ReadErrorCode.VersionNotFound, 'no perspectiefplan');
    return pkg.perspectiefplan;
  }
}

