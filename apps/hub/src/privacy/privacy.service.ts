import { randomUUID } from 'node:crypto';
import { stringify } from 'csv-stringify/sync';
import type { DataSource, EntityManager } from 'typeorm';
import type { AuditFields } from '@ketenhub/audit';
import { isValidBsn } from '@ketenhub/domain';
import { AuditStore, FamilyStore, RegieStore, searchAudit, type AuditEntry, type AuditFilter } from '@ketenhub/persistence';
import type { BsnVault } from '@ketenhub/privacy';
import type { Region } from '@ketenhub/routing';
import { actorOf, type Requester } from '../auth/requester';

/** What the privacy officer's trail shows of each record. */
export interface TrailEntry {
  seq: string;
  tijd: string;
  actie: AuditFields['action'];
  uitkomst: AuditFields['outcome'];
  gezin: string | null;
  ontvanger: string | null;
  actor: string | null;
  actorRol: string | null;
  persoon: string | null;
  namens: string | null;
  gegevens: string[];
  grondslag: string | null;
  regel: string | null;
  doel: string | null;
  configVersie: string | null;
  bericht: string | null;
  oorzaak: string | null;
  toegangspunt: string;
}

export interface FamilyReport {
  gezin: string;
  opgesteldOp: string;
  opgesteldDoor: string;
  verstrekkingen: ReportLine[];
  inzages: ReportLine[];
  nietVerstrekt: ReportLine[];
  /** Who became involved with the family, by which relation and through which event (docs/REGIE.md, "Who is involved"). */
  betrokkenen: ReportLine[];
  overig: ReportLine[];
}

export interface ReportLine {
  tijd: string;
  auditId: string;
  /** The message that carried a disclosure (its CloudEvents id). */
  kenmerk: string | null;
  zin: string;
}

export class PrivacyError extends Error {
  constructor(readonly status: 400 | 404, message: string) {
    super(message);
  }
}

const TRAIL_CATEGORY = 'audittrail';
const KAART_PATTERNS = ['veiligheidskaart', 'nl.ketenhub.keten.veiligheidskaart-bijdrage.v1%', 'nl.ketenhub.hub.regisseur-toegewezen.v1%', 'nl.ketenhub.hub.dossier-overgedragen.v1%'];

/**
 * The privacy officer's view of the trail, the family's own report, and the regisseur's view of
 * who saw the veiligheidskaart. Reading the trail is itself audited (AUDIT_READ), in the same
 * transaction as the read.
 */
export class PrivacyService {
  private readonly audit: AuditStore;
  private readonly families = new FamilyStore();
  private readonly regie = new RegieStore();

  constructor(private readonly deps: { dataSource: DataSource; region: Region; vault: BsnVault; systemId: string; auditChainKey: Buffer }) {
    this.audit = new AuditStore(deps.auditChainKey);
  }

  async trail(filter: AuditFilter, page: { offset: number; limit: number }, requester: Requester, accessPoint: string): Promise<{ total: number; entries: TrailEntry[] }> {
    return this.deps.dataSource.transaction(async (db) => {
      const found = await searchAudit(db, filter, page);
      await this.auditRead(db, requester, accessPoint, filter.familyId ?? null, `verantwoording: ${describeFilter(filter)}`);
      return { total: found.total, entries: found.entries.map(toTrailEntry) };
    });
  }

  trailCsv(entries: TrailEntry[]): string {
    // escape_formulas: a cell that begins with =, +, -, @ (or a tab or CR) gets a leading ', so a
    // value an attacker got into the trail (a certificate CN, an external client_id, a name) is
    // shown, not run, when the privacy officer opens the export in a spreadsheet.
    return stringify(entries.map((e) => ({ ...e, gegevens: e.gegevens.join(' ') })), { header: true, escape_formulas: true });
  }

  /** The family id for a BSN, for a family's request to see its own data; the lookup is audited. */
  async familyOf(bsn: string, requester: Requester, accessPoint: string): Promise<string> {
    if (!isValidBsn(bsn)) throw new PrivacyError(400, 'bsn must be 9 digits passing the elfproef');
    return this.deps.dataSource.transaction(async (db) => {
      const [person] = await this.families.personsByHash(db, [this.deps.vault.lookupHash(bsn)]);
      await this.audit.append(db, [{
        ...this.base(requester, accessPoint), action: 'READ', outcome: person ? 'SUCCESS' : 'REFUSED', familyId: person?.familyId ?? null,
        dataCategories: ['persoonsidentificatie'], purpose: 'inzageverzoek: gezin bij BSN gezocht',
      }]);
      return person ? person.familyId : new PrivacyError(404, 'the hub knows no person with this BSN');
    }).then(orThrow);
  }

  /** Everything the trail holds about one family, in plain Dutch: who received or read what, when, and why. */
  async familyReport(familyId: string, requester: Requester, accessPoint: string): Promise<FamilyReport> {
    return this.deps.dataSource.transaction(async (db): Promise<FamilyReport | PrivacyError> => {
      const entries: AuditEntry[] = [];
      for (let offset = 0; ; offset += 1000) {
        const page = await searchAudit(db, { familyId }, { offset, limit: 1000 });
        entries.push(...page.entries);
        if (entries.length >= page.total || page.entries.length === 0) break;
      }
      const opgesteldOp = new Date().toISOString();
      await this.auditRead(db, requester, accessPoint, familyId, 'inzageverzoek van het gezin (AVG art. 15)', `gezin ${familyId}`);
      if (entries.length === 0) return new PrivacyError(404, `the trail holds nothing about family ${familyId}`);
      const report: FamilyReport = {
        gezin: familyId, opgesteldOp, opgesteldDoor: 'person' in requester && requester.person ? requester.person : requester.kind,
        verstrekkingen: [], inzages: [], nietVerstrekt: [], betrokkenen: [], overig: [],
      };
      for (const e of entries) {
        const line = { tijd: e.occurredAt, auditId: e.auditId, kenmerk: e.messageId, zin: this.sentence(e) };
        if (e.action === 'DISCLOSE' && e.outcome === 'SUCCESS') report.verstrekkingen.push(line);
        else if (e.outcome !== 'SUCCESS') report.nietVerstrekt.push(line);
        else if (e.action === 'INVOLVE') report.betrokkenen.push(line);
        else if (e.action === 'READ' || e.action === 'AUDIT_READ') report.inzages.push(line);
        else report.overig.push(line);
      }
      return report;
    }).then(orThrow);
  }

  reportText(report: FamilyReport): string {
    const section = (title: string, lines: ReportLine[], none: string) =>
      [title, ...(lines.length > 0 ? lines.map((l) => `- ${l.zin}`) : [`- ${none}`]), ''];
    return [
      `Overzicht: wie kreeg of bekeek gegevens over uw gezin`,
      `Gezinskenmerk: ${report.gezin}`,
      `Opgesteld op ${dutchTime(report.opgesteldOp)} door ${report.opgesteldDoor}, op uw verzoek (AVG artikel 15).`,
      `Ketenhub bewaart uw BSN alleen versleuteld; de organisaties hieronder kregen een kenmerk in plaats van uw BSN.`,
      '',
      ...section('Wie kreeg gegevens over uw gezin?', report.verstrekkingen, 'Niemand.'),
      ...section('Wie bekeek gegevens over uw gezin?', report.inzages, 'Niemand.'),
      ...section('Wat is geweigerd of niet verstrekt?', report.nietVerstrekt, 'Niets.'),
      ...section('Wie werd betrokken bij uw gezin, en waardoor?', report.betrokkenen, 'Niemand.'),
      ...(report.overig.length > 0 ? section('Overig', report.overig, '') : []),
      'Vragen? Neem contact op met de functionaris gegevensbescherming van uw gemeente.',
      '',
    ].join('\n');
  }

  /** The last accesses to the family's veiligheidskaart, for its regisseur of record. */
  async kaartAccesses(familyId: string, limit: number, requester: Requester, accessPoint: string): Promise<TrailEntry[]> {
    return this.deps.dataSource.transaction(async (db) => {
      const record = await this.regie.current(db, familyId);
      const isRegisseur = requester.kind === 'PARTNER' && record?.regisseurPartner === requester.partnerId;
      if (!isRegisseur) {
        await this.audit.append(db, [{
          ...this.base(requester, accessPoint), action: 'AUDIT_READ', outcome: 'REFUSED', familyId,
          dataCategories: [TRAIL_CATEGORY], purpose: 'inzage in wie de veiligheidskaart bekeek; geweigerd: alleen de regisseur van record',
        }]);
        return new PrivacyError(404, 'only the regisseur of record of this family sees who read its veiligheidskaart');
      }
      const found = await searchAudit(db, { familyId, actions: ['READ', 'DISCLOSE'], outcome: 'SUCCESS', categoryPatterns: KAART_PATTERNS }, { offset: 0, limit, newestFirst: true });
      await this.auditRead(db, requester, accessPoint, familyId, 'regisseur bekijkt wie de veiligheidskaart bekeek');
      return found.entries.map(toTrailEntry);
    }).then(orThrow);
  }

  private base(requester: Requester, accessPoint: string) {
    return {
      auditId: randomUUID(), occurredAt: new Date().toISOString(), systemId: this.deps.systemId, ...actorOf(requester),
      recipientPartnerId: null, accessPoint, legalBasis: null, ruleId: null, configVersion: this.deps.region.version, messageId: null, causationId: null,
    };
  }

  private async auditRead(db: EntityManager, requester: Requester, accessPoint: string, familyId: string | null, purpose: string, onBehalfOf?: string): Promise<void> {
    await this.audit.append(db, [{
      ...this.base(requester, accessPoint), action: 'AUDIT_READ', outcome: 'SUCCESS', familyId, dataCategories: [TRAIL_CATEGORY], purpose,
      ...(onBehalfOf ? { onBehalfOf } : {}),
    }]);
  }

  private partnerName(id: string | null): string {
    if (!id) return 'Ketenhub';
    return this.deps.region.partner(id)?.name ?? id;
  }

  private basis(code: string | null): string {
    if (!code) return '';
    const described = this.deps.region.config.legalBases.find((b) => b.code === code)?.description;
    return described ? `${code}: ${described}` : code;
  }

  /** One line of the family report, in plain Dutch. */
  private sentence(e: AuditEntry): string {
    const when = dutchTime(e.occurredAt);
    const who = e.actorPartnerId ? this.partnerName(e.actorPartnerId) : e.actorRole === 'HUB' || e.actorRole === null ? 'Ketenhub' : roleName(e.actorRole);
    const person = e.actorPerson ? ` (${e.actorPerson})` : '';
    const what = describeCategories(e.dataCategories);
    const why = [e.purpose ? `Doel: ${sentenceEnd(e.purpose)}` : '', e.legalBasis ? `Grondslag: ${sentenceEnd(this.basis(e.legalBasis))}` : '', e.ruleId ? `Regel: ${e.ruleId}.` : '']
      .filter(Boolean).join(' ');
    switch (e.action) {
      case 'DISCLOSE': {
        const to = this.partnerName(e.recipientPartnerId);
        const from = e.actorPartnerId ? ` van ${who}` : ' van Ketenhub';
        const verb = e.outcome === 'SUCCESS' ? 'ontving' : 'ontving niet';
        return `${when}: ${to} ${verb} ${what}${from}. ${why}${e.messageId ? ` Kenmerk bericht: ${e.messageId}.` : ''}`.trim();
      }
      case 'READ':
        return `${when}: ${who}${person} ${e.outcome === 'SUCCESS' ? 'bekeek' : 'probeerde te bekijken'} ${what} (via ${e.accessPoint}). ${why}`.trim();
      case 'AUDIT_READ':
        return `${when}: ${who}${person} ${e.outcome === 'SUCCESS' ? 'bekeek' : 'probeerde te bekijken'} het overzicht van wie gegevens over uw gezin kreeg of bekeek. ${why}`.trim();
      case 'INVOLVE':
        return e.outcome === 'SUCCESS'
          ? `${when}: ${this.partnerName(e.recipientPartnerId)} werd betrokken bij uw gezin (relatie ${e.ruleId ?? 'onbekend'}), door een bericht van ${who}. ${why}${e.causationId ? ` Kenmerk oorzaak: ${e.causationId}.` : ''}`.trim()
          : `${when}: ${who} stuurde een bericht over uw gezin zonder betrokken te zijn; het is geweigerd en ${who} kreeg niets over uw gezin. ${why}`.trim();
      case 'RETENTION':
        return `${when}: gegevens van uw gezin zijn verwijderd omdat de bewaartermijn verstreken is. ${why}`.trim();
      case 'CONFIG_CHANGE':
        return `${when}: ${who}${person} wijzigde de regioconfiguratie. ${why}`.trim();
      default: {
        const never: never = e.action;
        return String(never);
      }
    }
  }
}

/** Refusals leave the transaction as values, so their audit records commit; thrown here. */
function orThrow<T>(value: T | PrivacyError): T {
  if (value instanceof PrivacyError) throw value;
  return value;
}

function toTrailEntry(e: AuditEntry): TrailEntry {
  return {
    seq: e.seq, tijd: e.occurredAt, actie: e.action, uitkomst: e.outcome, gezin: e.familyId, ontvanger: e.recipientPartnerId,
    actor: e.actorPartnerId, actorRol: e.actorRole, persoon: e.actorPerson ?? null, namens: e.onBehalfOf ?? null, gegevens: e.dataCategories,
    grondslag: e.legalBasis, regel: e.ruleId, doel: e.purpose, configVersie: e.configVersion, bericht: e.messageId, oorzaak: e.causationId,
    toegangspunt: e.accessPoint,
  };
}

function sentenceEnd(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

function describeFilter(f: AuditFilter): string {
  return Object.entries(f).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`).join(' ') || 'alles';
}

const DUTCH_TIME = new Intl.DateTimeFormat('nl-NL', { timeZone: 'Europe/Amsterdam', dateStyle: 'long', timeStyle: 'short' });

export function dutchTime(iso: string): string {
  return DUTCH_TIME.format(new Date(iso));
}

function roleName(role: string): string {
  return ({ PRIVACY_OFFICER: 'de functionaris gegevensbescherming', INFORMATIEMANAGER: 'de informatiemanager van de regio' } as Record<string, string>)[role] ?? role;
}

/** "nl.ketenhub.toegang.hulpvraag-geregistreerd.v1#kinderen" → het bericht "hulpvraag geregistreerd" (onderdeel kinderen). */
export function describeCategories(categories: string[]): string {
  if (categories.length === 0) return 'gegevens';
  const messages = new Map<string, string[]>();
  const plain: string[] = [];
  for (const c of categories) {
    const m = /^nl\.ketenhub\.[a-z]+\.([a-z0-9-]+)\.v[0-9]+(?:#(.+))?$/.exec(c);
    if (!m) {
      plain.push(CATEGORY_NAMES[c] ?? c);
      continue;
    }
    const name = m[1].replace(/-/g, ' ');
    const parts = messages.get(name) ?? [];
    if (m[2]) parts.push(m[2] === 'verwijzing' ? 'alleen een verwijzing: dat een organisatie betrokken is en wie te bellen' : m[2]);
    messages.set(name, parts);
  }
  const described = [...messages].map(([name, parts]) => `het bericht "${name}"${parts.length > 0 ? ` (${parts.join(', ')})` : ''}`);
  return [...described, ...plain].join(' en ');
}

const CATEGORY_NAMES: Record<string, string> = {
  gezinsdossier: 'het gezinsdossier',
  veiligheidskaart: 'de veiligheidskaart',
  perspectiefplan: 'het perspectiefplan',
  persoonsidentificatie: 'uw kenmerk bij uw BSN',
  audittrail: 'het overzicht van verstrekkingen',
};
