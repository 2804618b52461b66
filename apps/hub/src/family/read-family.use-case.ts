import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { foldFamily, toPartnerRole } from '@ketenhub/domain';
import type { AuditStore, RegieStore } from '@ketenhub/persistence';
import type { Region } from '@ketenhub/routing';
import { actorOf, type Requester } from '../auth/requester';
import { handoverPackage, holder, summariseKaart, type HandoverPackage } from './handover';
import type { RouteViewFilter, VisibleView } from './view-filter';

export enum ReadErrorCode {
  FamilyNotFound = 'FAMILY_NOT_FOUND',
  VersionNotFound = 'VERSION_NOT_FOUND',
  /** The requester may read the family, but no route gives it this part of the record. */
  PartNotVisible = 'PART_NOT_VISIBLE',
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

/** The data categories a read touches, as the audit trail names them. */
export type ReadCategory = 'gezinsdossier' | 'veiligheidskaart' | 'perspectiefplan';

/** Reads a family's record back: holders of record, card, plan, and the full history; every read is audited. */
export class ReadFamilyUseCase {
  constructor(
    private readonly deps: { dataSource: DataSource; regie: RegieStore; audit: AuditStore; region: Region; filter: RouteViewFilter; systemId: string },
  ) {}

  /**
   * The family record as the requester may see it. Every attempt is audited, with the categories
   * it asked for; one that finds nothing it may see is audited as refused and answered as unknown.
   */
  async family(familyId: string, requester: Requester, accessPoint: string, categories: ReadCategory[] = ['gezinsdossier', 'veiligheidskaart', 'perspectiefplan']): Promise<VisibleView> {
    // A refusal is committed with its audit record and thrown after: throwing inside the
    // transaction would roll the record of the attempt back.
    const outcome = await this.deps.dataSource.transaction(async (db): Promise<VisibleView | ReadFamilyError> => {
      const events = await this.deps.regie.events(db, familyId);
      if (events.length === 0) {
        await this.audit(db, familyId, requester, accessPoint, categories, 'REFUSED', 'geen gezin met dit id');
        return new ReadFamilyError(ReadErrorCode.FamilyNotFound, `no family ${familyId}`);
      }
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
      const visible = await this.deps.filter.filter(db, view, requester);
      const missing = visible && categories.filter((c) => (c === 'veiligheidskaart' && !visible.veiligheidskaart) || (c === 'perspectiefplan' && !visible.perspectiefplan && view.perspectiefplan));
      const refusedPart = missing && missing.length > 0 && categories.length === 1;
      await this.audit(db, familyId, requester, accessPoint, visible ? categories.filter((c) => !missing?.includes(c)) : categories,
        visible && !refusedPart ? 'SUCCESS' : 'REFUSED', visible ? (refusedPart ? 'geen route geeft deze partij dit deel' : null) : 'niet betrokken bij dit gezin');
      if (!visible) return new ReadFamilyError(ReadErrorCode.FamilyNotFound, `no family ${familyId}`);
      if (refusedPart) return new ReadFamilyError(ReadErrorCode.PartNotVisible, `no route of region ${this.deps.region.config.region} gives ${requester.kind === 'PARTNER' ? requester.partnerId : requester.kind} the ${categories[0]} of this family`);
      return visible;
    });
    if (outcome instanceof ReadFamilyError) throw outcome;
    return outcome;
  }

  private async audit(db: EntityManager, familyId: string, requester: Requester, accessPoint: string, categories: ReadCategory[], outcome: 'SUCCESS' | 'REFUSED', why: string | null): Promise<void> {
    await this.deps.audit.append(db, [{
      auditId: randomUUID(), action: 'READ', occurredAt: new Date().toISOString(), outcome, systemId: this.deps.systemId, ...actorOf(requester),
      recipientPartnerId: null, purpose: why ? `inzage; geweigerd: ${why}` : 'inzage', accessPoint, familyId, dataCategories: categories,
      legalBasis: null, ruleId: null, configVersion: this.deps.region.version, messageId: null, causationId: null,
    }]);
  }

  /** The veiligheidskaart as it stood at version n (the first n contributions in happened-order). */
  async kaart(familyId: string, version: number | undefined, requester: Requester, accessPoint: string): Promise<FamilyView['veiligheidskaart']> {
    const view = await this.family(familyId, requester, accessPoint, ['veiligheidskaart']);
    const all = view.veiligheidskaart!.bijdragen;
    const n = version ?? all.length;
    if (n < 0 || n > all.length) throw new ReadFamilyError(ReadErrorCode.VersionNotFound, `veiligheidskaart has versions 0 to ${all.length}`);
    const bijdragen = all.slice(0, n);
    const samenvatting = summariseKaart(bijdragen.map((b) => ({ source: b.bron, time: b.tijd, eventId: b.eventId ?? '', data: { ...b.bijdrage } })));
    return { versie: n, samenvatting, bijdragen };
  }

  /** The perspectiefplan at version n (the n-th plan set), or the current one. */
  async plan(familyId: string, version: number | undefined, requester: Requester, accessPoint: string): Promise<NonNullable<FamilyView['perspectiefplan']>> {
    await this.family(familyId, requester, accessPoint, ['perspectiefplan']);
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

