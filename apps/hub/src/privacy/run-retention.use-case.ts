import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { AuditFields } from '@ketenhub/audit';
import type { AuditStore, RemovedRows, RetentionStore } from '@ketenhub/persistence';
import type { RetentionCategory, RetentionConfig, RetentionRule } from './retention-config';

export interface RetentionDeps {
  dataSource: DataSource;
  store: RetentionStore;
  audit: AuditStore;
  config: RetentionConfig;
  systemId: string;
  /** Where the run came from, for the audit trail: the hub's own schedule or the command line. */
  accessPoint: string;
  /** The person who started a manual run, where known. */
  actorPerson?: string;
  /** At most this many families, or rows of the other categories, per transaction. */
  batch?: { families: number; rows: number };
}

export interface CategoryReport {
  category: RetentionCategory;
  period: string;
  /** Data from before this moment was expired. */
  cutoff: string;
  outcome: 'SUCCESS' | 'FAILURE';
  /** Families (gezinsdossier) or rows removed; in a dry run, how many would be. */
  removed: number;
  /** Transactions that removed something (each with its own audit records). */
  batches: number;
  /** For gezinsdossier: rows removed per table. */
  tables: RemovedRows;
  error?: string;
}

export interface RetentionReport {
  runId: string;
  dryRun: boolean;
  categories: CategoryReport[];
}

export const DEFAULT_RETENTION_BATCH = { families: 100, rows: 5_000 };

/** What a category's batch removed, for its summary record. */
interface BatchResult {
  removed: number;
  tables: RemovedRows;
}

/**
 * Enforces the bewaartermijnen of config/retention.yaml. Per category it removes what is older
 * than the period in batches, each batch one transaction that also appends its audit records:
 * one RETENTION record for the category (familyId null, how many were removed) and, for
 * gezinsdossier, one per removed family (so that family's trail shows its record was
 * destroyed). Nothing is removed without its record, and a huge backlog never holds one giant
 * transaction. Runs that remove nothing write nothing. A dry run removes nothing and writes one
 * record per category saying what it would have removed.
 */
export class RunRetentionUseCase {
  private readonly batch: { families: number; rows: number };

  constructor(private readonly deps: RetentionDeps) {
    this.batch = deps.batch ?? DEFAULT_RETENTION_BATCH;
  }

  /** `signal` stops between batches (on shutdown): what was committed stays committed and audited. */
  async run(options: { dryRun: boolean; signal?: AbortSignal }): Promise<RetentionReport> {
    const runId = randomUUID();
    const categories: CategoryReport[] = [];
    for (const rule of this.deps.config.rules) {
      if (options.signal?.aborted) break;
      categories.push(await this.runCategory(rule, runId, options));
    }
    return { runId, dryRun: options.dryRun, categories };
  }

  private async runCategory(rule: RetentionRule, runId: string, options: { dryRun: boolean; signal?: AbortSignal }): Promise<CategoryReport> {
    const cutoff = await this.deps.store.cutoff(this.deps.dataSource.manager, rule.period);
    const report: CategoryReport = {
      category: rule.category, period: rule.period.iso, cutoff: cutoff.toISOString(), outcome: 'SUCCESS', removed: 0, batches: 0, tables: {},
    };
    try {
      if (options.dryRun) {
        report.removed = await this.dryRun(rule, cutoff, runId);
        return report;
      }
      await this.removeInBatches(rule, cutoff, runId, report, options.signal);
    } catch (error) {
      report.outcome = 'FAILURE';
      report.error = error instanceof Error ? error.message : String(error);
      await this.recordFailure(rule, runId, report, options.dryRun);
    }
    return report;
  }

  private async removeInBatches(rule: RetentionRule, cutoff: Date, runId: string, report: CategoryReport, signal?: AbortSignal): Promise<void> {
    if (rule.category === 'gezinsdossier') await this.refuseUnknownFamilyTables();
    let after: string | undefined;
    for (;;) {
      if (signal?.aborted) return;
      const step = await this.deps.dataSource.transaction('READ COMMITTED', async (db) => {
        const result = await this.removeBatch(db, rule, cutoff, runId, after);
        if (result.removed > 0) await this.deps.audit.append(db, [this.summaryRecord(rule, runId, result.removed, false), ...result.records]);
        return result;
      });
      report.removed += step.removed;
      if (step.removed > 0) report.batches++;
      for (const [table, n] of Object.entries(step.tables)) report.tables[table] = (report.tables[table] ?? 0) + n;
      if (!step.more) return;
      after = step.after;
    }
  }

  /** One batch of one category, in the caller's transaction; `more` when a full batch was found. */
  private async removeBatch(db: EntityManager, rule: RetentionRule, cutoff: Date, runId: string, after: string | undefined):
    Promise<BatchResult & { more: boolean; after?: string; records: AuditFields[] }> {
    switch (rule.category) {
      case 'gezinsdossier': {
        const locked = await this.deps.store.lockExpiredFamilies(db, cutoff, this.batch.families, after);
        const tables = await this.deps.store.removeFamilies(db, locked.families.map((f) => f.familyId));
        const records = locked.families.map((f) => this.familyRecord(rule, runId, f.familyId, f.lastActivity));
        return { removed: locked.families.length, tables, records, more: locked.candidates === this.batch.families, after: locked.lastCandidate };
      }
      case 'verzonden-berichten': {
        const removed = await this.deps.store.removePublishedMessages(db, cutoff, this.batch.rows);
        return { removed, tables: removed > 0 ? { outbox: removed } : {}, records: [], more: removed === this.batch.rows };
      }
      case 'afwijzingen': {
        const removed = await this.deps.store.removeRejections(db, cutoff, this.batch.rows);
        return { removed, tables: removed > 0 ? { rejection: removed } : {}, records: [], more: removed === this.batch.rows };
      }
      default:
        return assertNever(rule.category);
    }
  }

  private async dryRun(rule: RetentionRule, cutoff: Date, runId: string): Promise<number> {
    return this.deps.dataSource.transaction(async (db) => {
      const n = await this.count(db, rule.category, cutoff);
      await this.deps.audit.append(db, [this.summaryRecord(rule, runId, n, true)]);
      return n;
    });
  }

  private count(db: EntityManager, category: RetentionCategory, cutoff: Date): Promise<number> {
    switch (category) {
      case 'gezinsdossier':
        return this.deps.store.countExpiredFamilies(db, cutoff);
      case 'verzonden-berichten':
        return this.deps.store.countPublishedMessages(db, cutoff);
      case 'afwijzingen':
        return this.deps.store.countRejections(db, cutoff);
      default:
        return assertNever(category);
    }
  }

  private async refuseUnknownFamilyTables(): Promise<void> {
    const unknown = await this.deps.store.unknownFamilyTables(this.deps.dataSource.manager);
    if (unknown.length > 0) {
      throw new Error(`table(s) ${unknown.join(', ')} hold family data that retention does not know: add them to FAMILY_DATA_TABLES in libs/persistence/src/retention.store.ts`);
    }
  }

  /** A failed category is audited too: the trail shows the bewaartermijn was not enforced, and why. */
  private async recordFailure(rule: RetentionRule, runId: string, report: CategoryReport, dryRun: boolean): Promise<void> {
    const what = dryRun ? 'proefrun mislukt' : `verwijderen mislukt na ${report.removed} ${unit(rule.category, report.removed)}`;
    const purpose = `bewaartermijn ${rule.period.iso}: ${what}: ${report.error ?? 'onbekende fout'}`.slice(0, 1_000);
    await this.deps.dataSource.transaction((db) => this.deps.audit.append(db, [{ ...this.record(rule, runId, null, purpose), outcome: 'FAILURE' }]));
  }

  private summaryRecord(rule: RetentionRule, runId: string, n: number, dryRun: boolean): AuditFields {
    const what = `${n} ${unit(rule.category, n)}`;
    const purpose = dryRun
      ? `proefrun, niets verwijderd: bewaartermijn ${rule.period.iso} verstreken voor ${what}`
      : `bewaartermijn ${rule.period.iso} verstreken: ${what} verwijderd`;
    return this.record(rule, runId, null, purpose);
  }

  private familyRecord(rule: RetentionRule, runId: string, familyId: string, lastActivity: Date): AuditFields {
    return this.record(rule, runId, familyId,
      `bewaartermijn ${rule.period.iso} verstreken: gezinsdossier verwijderd (laatste gebeurtenis ${lastActivity.toISOString().slice(0, 10)})`);
  }

  private record(rule: RetentionRule, runId: string, familyId: string | null, purpose: string): AuditFields {
    return {
      auditId: randomUUID(), action: 'RETENTION', occurredAt: new Date().toISOString(), outcome: 'SUCCESS', systemId: this.deps.systemId,
      actorPartnerId: null, actorRole: 'SYSTEM', ...(this.deps.actorPerson ? { actorPerson: this.deps.actorPerson } : {}),
      recipientPartnerId: null, purpose, accessPoint: this.deps.accessPoint, familyId, dataCategories: [rule.category], legalBasis: null,
      ruleId: null, configVersion: this.deps.config.version, messageId: null,
      // Ties every record of one run together (the category's and each family's).
      causationId: `retention:${runId}`,
    };
  }
}

function unit(category: RetentionCategory, n: number): string {
  switch (category) {
    case 'gezinsdossier':
      return n === 1 ? 'gezin' : 'gezinnen';
    case 'verzonden-berichten':
      return n === 1 ? 'verzonden bericht' : 'verzonden berichten';
    case 'afwijzingen':
      return n === 1 ? 'afwijzing' : 'afwijzingen';
    default:
      return assertNever(category);
  }
}

function assertNever(value: never): never {
  throw new Error(`unhandled retention category ${String(value)}`);
}
