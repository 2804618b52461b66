import { isEvaluationWithoutRegisseur, toPartnerRole, type FamilyState } from '@ketenhub/domain';
import type { DesiredTimer, RegieChange, RegieRecord } from '@ketenhub/persistence';
import { deadlinesOf, regieOfRecord, type Partner, type Region } from '@ketenhub/routing';
import { handoverPackage, holder } from './handover';

/** An event the hub itself sends, and to whom by relation. */
export interface HubEvent {
  type: string;
  data: Record<string, unknown>;
  relations: Partial<Record<'REGISSEUR' | 'VEILIGHEID' | 'VORIGE_REGISSEUR' | 'NIEUW_BETROKKEN', string[]>>;
}

export interface FamilyChange {
  familyId: string;
  event: { id: string; type: string; time: string; data: Record<string, unknown> };
  sender: Partner;
  /** Partners the involvement rule involves through this event for the first time (the sender, or partners it names). */
  joining: string[];
}

export interface FamilyOutcome {
  state: FamilyState;
  hubEvents: HubEvent[];
  /** Partners involved with the family for the first time through this event. */
  newcomers: string[];
}

/**
 * Where the family record is read and written while events are applied: the family's state from
 * all its events so far (the one being applied included), and its regie of record, history and
 * timers. The hub's group context keeps these in memory and writes them once per transaction.
 */
export interface FamilyRecordSession {
  stateOf(familyId: string): FamilyState;
  regieOf(familyId: string): RegieRecord | undefined;
  recordChange(familyId: string, change: RegieChange): void;
  saveRegie(familyId: string, record: RegieRecord, since: string): void;
  wantTimers(familyId: string, timers: DesiredTimer[]): void;
}

const hubType = (name: string) => `nl.ketenhub.hub.${name}.v1`;

/**
 * The family record after an event: the state from all its events in happened-order, the regie
 * decision of the region's table, the holders of record (one row per family), the history of
 * every change with its reason, the rules' signals, and the timers the state asks for.
 */
export class FamilyRecord {
  constructor(private readonly region: Region) {}

  update(session: FamilyRecordSession, change: FamilyChange): FamilyOutcome {
    const { region } = this;
    const state = session.stateOf(change.familyId);
    const { decision, regisseur: { organisation: regisseurOrg }, veiligheid: { organisation: veiligheidOrg }, regieGap: gap } = regieOfRecord(region, state);
    const current = session.regieOf(change.familyId);
    const reason = {
      tabel: decision.table, tabelversie: decision.tableVersion, rij: decision.row ?? 'GEEN', configVersie: region.version, oorzaak: change.event.id,
      ...(decision.row ? { omschrijving: region.regieTable.rows.find((r) => r.id === decision.row)?.description ?? '' } : {}),
    };
    const base = { rowId: decision.row, tableName: decision.table, tableVersion: decision.tableVersion, configVersion: region.version, causeEventId: change.event.id };
    const hubEvents: HubEvent[] = [];
    const regisseur = holder(decision.regisseur, regisseurOrg, state, 'REGIE');
    const veiligheid = holder(decision.veiligheid, veiligheidOrg, state, 'VEILIGHEID');

    if (!current || current.regisseurRole !== decision.regisseur || current.regisseurPartner !== regisseurOrg) {
      const before = current?.regisseurRole ? holder(toPartnerRole(current.regisseurRole), current.regisseurPartner) : undefined;
      if (current || decision.regisseur) {
        session.recordChange(change.familyId, { kind: 'REGISSEUR', fromRole: current?.regisseurRole ?? null, fromPartner: current?.regisseurPartner ?? null, toRole: decision.regisseur, toPartner: regisseurOrg, ...base });
      }
      if (regisseur) {
        hubEvents.push({
          type: hubType('regisseur-toegewezen'),
          data: { regisseur, ...(before ? { vorige: before } : {}), reden: reason, overdracht: handoverPackage(state, regisseur, veiligheid) },
          relations: { REGISSEUR: regisseurOrg ? [regisseurOrg] : [], VORIGE_REGISSEUR: current?.regisseurPartner ? [current.regisseurPartner] : [] },
        });
      }
    }
    if (!current || current.veiligheidRole !== decision.veiligheid || current.veiligheidPartner !== veiligheidOrg) {
      if (current || decision.veiligheid) {
        session.recordChange(change.familyId, { kind: 'VEILIGHEID', fromRole: current?.veiligheidRole ?? null, fromPartner: current?.veiligheidPartner ?? null, toRole: decision.veiligheid, toPartner: veiligheidOrg, ...base });
      }
      if (veiligheid) {
        const before = current?.veiligheidRole ? holder(toPartnerRole(current.veiligheidRole), current.veiligheidPartner) : undefined;
        hubEvents.push({
          type: hubType('veiligheid-toegewezen'),
          data: { veiligheid, ...(before ? { vorige: before } : {}), reden: reason },
          relations: { VEILIGHEID: veiligheidOrg ? [veiligheidOrg] : [], REGISSEUR: regisseurOrg ? [regisseurOrg] : [] },
        });
      }
    }

    if (gap && !current?.gapRaised) {
      session.recordChange(change.familyId, { kind: 'REGIE_GAT', fromRole: null, fromPartner: null, toRole: null, toPartner: null, ...base });
      hubEvents.push({
        type: hubType('regie-gat-gesignaleerd'),
        data: { ...(state.municipality && !state.confidential ? { gemeente: state.municipality } : {}), reden: 'Residential placement in the voluntary framework without a perspectiefregisseur of record.' },
        relations: {},
      });
    }
    const record: RegieRecord = {
      regisseurRole: decision.regisseur, regisseurPartner: regisseurOrg, veiligheidRole: decision.veiligheid, veiligheidPartner: veiligheidOrg,
      ...base, gapRaised: gap,
    };
    // The row keeps the event and time of its last change: an event that leaves the decision as
    // it was (most do) writes nothing, instead of a new row version and its WAL per event.
    if (!current || !sameDecision(current, record)) session.saveRegie(change.familyId, record, change.event.time);

    if (isEvaluationWithoutRegisseur(change.event.type, change.event.data, change.sender.role)) {
      hubEvents.push({
        type: hubType('perspectief-signaal'),
        data: { soort: 'EVALUATIE_ZONDER_REGISSEUR', bron: change.sender.id, oorzaak: change.event.id },
        relations: { REGISSEUR: regisseurOrg ? [regisseurOrg] : [] },
      });
    }

    // The handover package goes to a newcomer once, when it joins, and only by a relation with
    // authority (docs/REGIE.md, "Who is involved"): naming a person never makes a partner one.
    const newcomers = [...new Set(change.joining)].filter((id) => region.partner(id) !== undefined);
    if (state.history.length > 1 && newcomers.length > 0) {
      hubEvents.push({ type: hubType('dossier-overgedragen'), data: { overdracht: handoverPackage(state, regisseur, veiligheid) }, relations: { NIEUW_BETROKKEN: newcomers } });
    }

    session.wantTimers(change.familyId, deadlinesOf(region, state));
    return { state, hubEvents, newcomers };
  }
}

/** The same holders, by the same row of the same table and configuration, with the same gap signal. */
function sameDecision(a: RegieRecord, b: RegieRecord): boolean {
  return a.regisseurRole === b.regisseurRole && a.regisseurPartner === b.regisseurPartner && a.veiligheidRole === b.veiligheidRole
    && a.veiligheidPartner === b.veiligheidPartner && a.rowId === b.rowId && a.tableName === b.tableName && a.tableVersion === b.tableVersion
    && a.configVersion === b.configVersion && a.gapRaised === b.gapRaised;
}
